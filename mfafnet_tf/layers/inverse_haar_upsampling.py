"""Learnable inverse-Haar upsampling, the dual of ``HaarDownsampling``."""

import keras
from keras import ops

from mfafnet_tf.layers.haar_filters import pixel_major
from mfafnet_tf.layers.haar_idwt import HaarIDWT
from mfafnet_tf.layers.shape_utils import scale_size


@keras.saving.register_keras_serializable(package="mfafnet_tf")
class InverseHaarUpsampling(keras.layers.Layer):
    """Doubles the resolution: 1x1 conv to ``4 * filters`` wavelet bands -> IDWT.

    The weights are those of the paper's form, a 1x1 convolution to the
    ``[LL, LH, HL, HH]`` bands of ``HaarIDWT``; both are linear, so ``call``
    applies the IDWT to the kernel and bias instead, which makes the
    convolution emit the four pixels of each 2x2 block directly, and moves them
    into place with one transpose (same outputs, without splitting and
    re-stacking the bands).

    Args:
        filters: output channels.
    """

    def __init__(self, filters, **kwargs):
        super().__init__(**kwargs)
        self.filters = int(filters)
        self.conv = keras.layers.Conv2D(4 * self.filters, 1, name="conv")

    def build(self, input_shape):
        self.conv.build(input_shape)

    def call(self, inputs):
        kernel = pixel_major(ops.cast(self.conv.kernel, inputs.dtype))
        bias = pixel_major(ops.cast(self.conv.bias, inputs.dtype))
        pixels = ops.conv(inputs, kernel) + bias  # (B, H, W, [2 * i + j] * F + f)
        shape = ops.shape(inputs)
        batch, height, width = shape[0], shape[1], shape[2]
        blocks = ops.reshape(pixels, (batch, height, width, 2, 2, self.filters))
        blocks = ops.transpose(blocks, (0, 1, 3, 2, 4, 5))  # (B, H, i, W, j, F)
        return ops.reshape(blocks, (batch, 2 * height, 2 * width, self.filters))


    def plain_call(self, inputs):
        """``call`` as the dual of eq. 1: the 1x1 convolution, then the Haar IDWT."""
        return HaarIDWT()(self.conv(inputs))
    def compute_output_shape(self, input_shape):
        batch, height, width, _ = input_shape
        return (batch, scale_size(height, 2), scale_size(width, 2), self.filters)

    def get_config(self):
        config = super().get_config()
        config.update(filters=self.filters)
        return config
