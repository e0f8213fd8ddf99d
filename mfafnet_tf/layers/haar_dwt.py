"""Orthonormal first-order Haar discrete wavelet transform."""

import keras
from keras import ops

from mfafnet_tf.layers.haar_filters import check_even
from mfafnet_tf.layers.shape_utils import scale_size


@keras.saving.register_keras_serializable(package="mfafnet_tf")
class HaarDWT(keras.layers.Layer):
    """Orthonormal 2-D Haar DWT: (B, H, W, C) -> (B, H/2, W/2, 4C).

    For each 2x2 block ``[[a, b], [c, d]]`` the output bands are
    ``LL = (a+b+c+d)/2``, ``LH = (a+b-c-d)/2``, ``HL = (a-b+c-d)/2`` and
    ``HH = (a-b-c+d)/2``, concatenated band-major as ``[LL, LH, HL, HH]``.
    The transform is orthonormal, so it preserves energy and ``HaarIDWT``
    inverts it exactly. H and W must be even.
    """

    def build(self, input_shape):
        check_even(input_shape, "HaarDWT")

    def call(self, inputs):
        a = inputs[:, 0::2, 0::2, :]
        b = inputs[:, 0::2, 1::2, :]
        c = inputs[:, 1::2, 0::2, :]
        d = inputs[:, 1::2, 1::2, :]
        low_low = (a + b + c + d) * 0.5
        low_high = (a + b - c - d) * 0.5
        high_low = (a - b + c - d) * 0.5
        high_high = (a - b - c + d) * 0.5
        return ops.concatenate([low_low, low_high, high_low, high_high], axis=-1)

    def compute_output_shape(self, input_shape):
        batch, height, width, channels = input_shape
        quad = None if channels is None else 4 * channels
        return (batch, scale_size(height, 0.5), scale_size(width, 0.5), quad)
