"""MiT's overlapping patch embedding: a strided convolution and LayerNorm."""

import math

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="mfafnet_tf")
class OverlapPatchEmbedding(keras.layers.Layer):
    """Downsamples by ``stride`` with a ``patch_size`` convolution, then LayerNorm.

    The input is zero-padded by ``patch_size // 2`` on every side before a
    valid convolution, as in SegFormer (so output pixel ``i`` is centred on
    input pixel ``stride * i``; Keras' ``"same"`` padding would shift it).
    MiT uses 7x7 stride 4 for the first stage and 3x3 stride 2 after.

    The convolution's bias starts uniform in ``±1 / sqrt(fan_in)`` (PyTorch's
    default; SegFormer starts it at zero). Missing data enter as zeros, so with
    a zero bias a token with no data reaches the LayerNorm as the zero vector,
    whose gradient is ``1 / sqrt(epsilon)`` (316x) at every LayerNorm after it:
    a modality missing from a whole patch then gives gradients of ~1e19 and NaN
    weights on the first step of training from scratch.

    Args:
        filters: channels of the embedding.
        patch_size: kernel size.
        stride: downsampling factor.

    Returns:
        (B, ceil(H / stride), ceil(W / stride), filters) (odd ``patch_size``).
    """

    def __init__(self, filters, patch_size=7, stride=4, **kwargs):
        super().__init__(**kwargs)
        self.filters = int(filters)
        self.patch_size = int(patch_size)
        self.stride = int(stride)
        self.projection = keras.layers.Conv2D(
            self.filters, self.patch_size, strides=self.stride, name="projection"
        )
        self.norm = keras.layers.LayerNormalization(epsilon=1e-5, name="norm")

    def build(self, input_shape):
        pad = 2 * (self.patch_size // 2)
        padded = (input_shape[0],) + tuple(None if s is None else s + pad for s in input_shape[1:3])
        limit = 1.0 / math.sqrt(self.patch_size ** 2 * input_shape[-1])
        self.projection.bias_initializer = keras.initializers.RandomUniform(-limit, limit)
        self.projection.build(padded + (input_shape[-1],))
        self.norm.build(self.compute_output_shape(input_shape))

    def call(self, inputs):
        pad = self.patch_size // 2
        x = ops.pad(inputs, [[0, 0], [pad, pad], [pad, pad], [0, 0]])
        return self.norm(self.projection(x))

    def compute_output_shape(self, input_shape):
        pad = 2 * (self.patch_size // 2)

        def size(s):
            return None if s is None else (s + pad - self.patch_size) // self.stride + 1

        return (input_shape[0], size(input_shape[1]), size(input_shape[2]), self.filters)

    def get_config(self):
        config = super().get_config()
        config.update(filters=self.filters, patch_size=self.patch_size, stride=self.stride)
        return config
