"""Learnable inverse-Haar upsampling, the dual of ``HaarDownsampling``."""

import keras

from mfafnet_tf.layers.haar_idwt import HaarIDWT
from mfafnet_tf.layers.shape_utils import scale_size


@keras.saving.register_keras_serializable(package="mfafnet_tf")
class InverseHaarUpsampling(keras.layers.Layer):
    """Doubles the resolution: 1x1 conv to ``4 * filters`` wavelet bands -> IDWT.

    Args:
        filters: output channels.
    """

    def __init__(self, filters, **kwargs):
        super().__init__(**kwargs)
        self.filters = int(filters)
        self.conv = keras.layers.Conv2D(4 * self.filters, 1, name="conv")
        self.idwt = HaarIDWT(name="idwt")

    def build(self, input_shape):
        self.conv.build(input_shape)
        self.idwt.build(self.conv.compute_output_shape(input_shape))

    def call(self, inputs):
        return self.idwt(self.conv(inputs))

    def compute_output_shape(self, input_shape):
        batch, height, width, _ = input_shape
        return (batch, scale_size(height, 2), scale_size(width, 2), self.filters)

    def get_config(self):
        config = super().get_config()
        config.update(filters=self.filters)
        return config
