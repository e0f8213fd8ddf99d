"""Lite-Transformer block of the low-frequency branch."""

import math

import keras

from mfafnet_tf.layers.conv_feed_forward import ConvFeedForward
from mfafnet_tf.layers.spatial_reduction_attention import SpatialReductionAttention


@keras.saving.register_keras_serializable(package="mfafnet_tf")
class LiteTransformerBlock(keras.layers.Layer):
    """Pre-norm transformer block on a feature map.

    ``x + SRA(LN(x))`` followed by ``x + FFN(LN(x))``, where SRA is
    spatial-reduction multi-head attention and the FFN is made of 1x1
    convolutions with a depthwise 3x3 in between (``ConvFeedForward``).

    Args:
        num_heads: attention heads (reduced to ``gcd(num_heads, channels)`` so
            the heads split the channels evenly).
        reduction_ratio: key/value pooling factor.
        mlp_ratio: FFN expansion factor.
    """

    def __init__(self, num_heads=1, reduction_ratio=1, mlp_ratio=4, **kwargs):
        super().__init__(**kwargs)
        self.num_heads = int(num_heads)
        self.reduction_ratio = int(reduction_ratio)
        self.mlp_ratio = float(mlp_ratio)
        self.attention_norm = keras.layers.LayerNormalization(epsilon=1e-5, name="attention_norm")
        self.ffn_norm = keras.layers.LayerNormalization(epsilon=1e-5, name="ffn_norm")
        self.attention = self.ffn = None

    def build(self, input_shape):
        channels = input_shape[-1]
        heads = math.gcd(self.num_heads, channels)
        self.attention = SpatialReductionAttention(
            heads, channels, channels, self.reduction_ratio, name="attention"
        )
        self.ffn = ConvFeedForward(
            channels, max(1, round(channels * self.mlp_ratio)), "gelu", name="ffn"
        )
        for layer in (self.attention_norm, self.attention, self.ffn_norm, self.ffn):
            layer.build(input_shape)

    def call(self, inputs):
        x = inputs + self.attention(self.attention_norm(inputs))
        return x + self.ffn(self.ffn_norm(x))

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update(
            num_heads=self.num_heads,
            reduction_ratio=self.reduction_ratio,
            mlp_ratio=self.mlp_ratio,
        )
        return config
