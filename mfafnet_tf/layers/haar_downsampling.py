"""Haar wavelet downsampling (HWD): DWT -> 1x1 conv -> BN -> ReLU."""

import keras
from keras import ops

from mfafnet_tf.layers.haar_dwt import HaarDWT
from mfafnet_tf.layers.shape_utils import batch_norm, scale_size


@keras.saving.register_keras_serializable(package="mfafnet_tf")
class HaarDownsampling(keras.layers.Layer):
    """Halves the resolution without discarding frequencies (Xu et al. 2023).

    Args:
        filters: output channels.
        synchronized_bn: synchronize BatchNormalization across replicas.
    """

    def __init__(self, filters, synchronized_bn=False, **kwargs):
        super().__init__(**kwargs)
        self.filters = int(filters)
        self.synchronized_bn = bool(synchronized_bn)
        self.dwt = HaarDWT(name="dwt")
        self.conv = keras.layers.Conv2D(self.filters, 1, use_bias=False, name="conv")
        self.norm = batch_norm(self.synchronized_bn, "norm")

    def build(self, input_shape):
        self.dwt.build(input_shape)
        bands_shape = self.dwt.compute_output_shape(input_shape)
        self.conv.build(bands_shape)
        self.norm.build(self.conv.compute_output_shape(bands_shape))

    def call(self, inputs, training=None):
        x = self.conv(self.dwt(inputs))
        return ops.relu(self.norm(x, training=training))

    def compute_output_shape(self, input_shape):
        batch, height, width, _ = input_shape
        return (batch, scale_size(height, 0.5), scale_size(width, 0.5), self.filters)

    def get_config(self):
        config = super().get_config()
        config.update(filters=self.filters, synchronized_bn=self.synchronized_bn)
        return config
