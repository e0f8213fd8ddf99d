"""MiT's transformer block: efficient self-attention and Mix-FFN, pre-norm."""

import keras
from keras import ops

from mfafnet_tf.models.cmx.efficient_self_attention import EfficientSelfAttention


@keras.saving.register_keras_serializable(package="mfafnet_tf")
class MixTransformerBlock(keras.layers.Layer):
    """``x + DropPath(ESA(LN(x)))``, then ``x + DropPath(MixFFN(LN(x)))`` on a map.

    ESA is ``EfficientSelfAttention`` (keys and values reduced by a strided
    convolution); Mix-FFN is a dense expansion by ``mlp_ratio``, a depthwise
    3x3 convolution, GELU and a dense projection back. LayerNorm epsilon is
    1e-6, as in SegFormer's MiT. Stochastic depth (DropPath) drops the residual
    branch per sample during training with probability ``drop_path_rate``.

    Args:
        num_heads: attention heads (must divide the channels).
        reduction_ratio: key/value reduction of the attention.
        mlp_ratio: Mix-FFN expansion factor.
        drop_path_rate: stochastic depth probability.
        seed: seed of the stochastic depth draws, or None.
    """

    def __init__(self, num_heads=1, reduction_ratio=1, mlp_ratio=4, drop_path_rate=0.0, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.num_heads = int(num_heads)
        self.reduction_ratio = int(reduction_ratio)
        self.mlp_ratio = float(mlp_ratio)
        self.drop_path_rate = float(drop_path_rate)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed) if self.drop_path_rate > 0 else None
        self.attention_norm = keras.layers.LayerNormalization(epsilon=1e-6, name="attention_norm")
        self.ffn_norm = keras.layers.LayerNormalization(epsilon=1e-6, name="ffn_norm")
        self.depthwise = keras.layers.DepthwiseConv2D(3, padding="same", name="ffn_depthwise")
        self.attention = self.expand = self.project = None

    def build(self, input_shape):
        channels = input_shape[-1]
        hidden = int(channels * self.mlp_ratio)
        hidden_shape = tuple(input_shape[:-1]) + (hidden,)
        self.attention = EfficientSelfAttention(
            self.num_heads, channels, channels, self.reduction_ratio, name="attention"
        )
        self.expand = keras.layers.Dense(hidden, name="ffn_expand")
        self.project = keras.layers.Dense(channels, name="ffn_project")
        for layer in (self.attention_norm, self.attention, self.ffn_norm, self.expand):
            layer.build(input_shape)
        self.depthwise.build(hidden_shape)
        self.project.build(hidden_shape)

    def call(self, inputs, training=None):
        x = inputs + self._drop_path(self.attention(self.attention_norm(inputs)), training)
        mixed = ops.gelu(self.depthwise(self.expand(self.ffn_norm(x))), approximate=False)
        return x + self._drop_path(self.project(mixed), training)

    def _drop_path(self, branch, training):
        """Zeroes ``branch`` per sample with probability ``drop_path_rate`` (rescaled)."""
        if not training or self.drop_path_rate == 0:
            return branch
        keep = 1.0 - self.drop_path_rate
        draw = keras.random.uniform(
            (ops.shape(branch)[0], 1, 1, 1), seed=self.seed_generator, dtype=branch.dtype
        )
        return branch * ops.floor(keep + draw) / keep

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update(
            num_heads=self.num_heads,
            reduction_ratio=self.reduction_ratio,
            mlp_ratio=self.mlp_ratio,
            drop_path_rate=self.drop_path_rate,
            seed=self.seed,
        )
        return config
