"""Inverse of the orthonormal first-order Haar DWT."""

import keras
from keras import ops

from mfafnet_tf.layers.shape_utils import scale_size


@keras.saving.register_keras_serializable(package="mfafnet_tf")
class HaarIDWT(keras.layers.Layer):
    """Inverse Haar DWT: (B, H, W, 4C) bands ``[LL, LH, HL, HH]`` -> (B, 2H, 2W, C).

    Exact inverse of ``HaarDWT`` (same band order and orthonormal scaling).
    """

    def build(self, input_shape):
        channels = input_shape[-1]
        if channels is None or channels % 4:
            raise ValueError(
                f"HaarIDWT needs a channel count divisible by 4, got {channels}."
            )

    def call(self, inputs):
        low_low, low_high, high_low, high_high = ops.split(inputs, 4, axis=-1)
        a = (low_low + low_high + high_low + high_high) * 0.5
        b = (low_low + low_high - high_low - high_high) * 0.5
        c = (low_low - low_high + high_low - high_high) * 0.5
        d = (low_low - low_high - high_low + high_high) * 0.5
        top = ops.stack([a, b], axis=3)  # (B, H, W, 2, C)
        bottom = ops.stack([c, d], axis=3)
        blocks = ops.stack([top, bottom], axis=2)  # (B, H, 2, W, 2, C)
        shape = ops.shape(inputs)
        channels = inputs.shape[-1] // 4
        return ops.reshape(blocks, (shape[0], shape[1] * 2, shape[2] * 2, channels))

    def compute_output_shape(self, input_shape):
        batch, height, width, channels = input_shape
        return (batch, scale_size(height, 2), scale_size(width, 2), channels // 4)
