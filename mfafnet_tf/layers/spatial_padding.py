"""Zero-pads height and width up to a multiple (for the 2^levels pyramid)."""

import keras
from keras import ops

from mfafnet_tf.layers.shape_utils import round_up


@keras.saving.register_keras_serializable(package="mfafnet_tf")
class SpatialPadding(keras.layers.Layer):
    """Pads the bottom and right of (B, H, W, C) with zeros to multiples of ``multiple``.

    Args:
        multiple: H and W are rounded up to a multiple of this.
    """

    def __init__(self, multiple, **kwargs):
        super().__init__(**kwargs)
        self.multiple = int(multiple)

    def call(self, inputs):
        shape = ops.shape(inputs)
        pad_height = (-shape[1]) % self.multiple
        pad_width = (-shape[2]) % self.multiple
        return ops.pad(inputs, [[0, 0], [0, pad_height], [0, pad_width], [0, 0]])

    def compute_output_shape(self, input_shape):
        batch, height, width, channels = input_shape
        return (batch, round_up(height, self.multiple), round_up(width, self.multiple), channels)

    def get_config(self):
        config = super().get_config()
        config.update(multiple=self.multiple)
        return config
