"""Cross feature fusion block (CFFB, eq. 5)."""

import math

import keras
from keras import ops

from mfafnet_tf.layers.shape_utils import batch_norm
from mfafnet_tf.layers.spatial_reduction_attention import SpatialReductionAttention

MODES = ("cross_attention", "concat", "sum")


@keras.saving.register_keras_serializable(package="mfafnet_tf")
class CrossFeatureFusion(keras.layers.Layer):
    """Fuses same-level optical and SAR features into one map.

    In ``"cross_attention"`` mode the joint query is computed from the
    concatenation of both (layer-normalized) streams, keys and values from each
    stream separately (spatially reduced): ``A_o = attn(Q, K_o, V_o)``,
    ``A_s = attn(Q, K_s, V_s)``; each stream is reconstructed as
    ``R = F + A`` and the result is ``ReLU(BN(Conv1x1(concat(R_o, R_s))))``.
    ``"concat"`` and ``"sum"`` skip the attention and fuse
    ``concat(F_o, F_s)`` or ``F_o + F_s`` the same way (ablations).

    Args:
        mode: ``"cross_attention"``, ``"concat"`` or ``"sum"``.
        num_heads: attention heads.
        reduction_ratio: key/value pooling factor.
        synchronized_bn: synchronize BatchNormalization across replicas.

    Call args:
        inputs: ``[optical, sar]`` maps of the same shape (B, H, W, C).

    Returns:
        Fused (B, H, W, C) map.
    """

    def __init__(
        self, mode="cross_attention", num_heads=1, reduction_ratio=1, synchronized_bn=False, **kwargs
    ):
        super().__init__(**kwargs)
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {mode!r}.")
        self.mode = mode
        self.num_heads = int(num_heads)
        self.reduction_ratio = int(reduction_ratio)
        self.synchronized_bn = bool(synchronized_bn)
        self.norms = [
            keras.layers.LayerNormalization(epsilon=1e-5, name=f"{m}_norm") for m in ("optical", "sar")
        ]
        self.attentions = []
        self.fuse = None
        self.fuse_norm = batch_norm(self.synchronized_bn, "fuse_norm")

    def build(self, input_shape):
        optical_shape, sar_shape = input_shape
        if tuple(optical_shape[1:]) != tuple(sar_shape[1:]):
            raise ValueError(
                f"CrossFeatureFusion needs equal optical and SAR shapes, got {optical_shape} and {sar_shape}."
            )
        channels = optical_shape[-1]
        if self.mode == "cross_attention":
            joint_shape = tuple(optical_shape[:-1]) + (2 * channels,)
            heads = math.gcd(self.num_heads, channels)
            self.attentions = [
                SpatialReductionAttention(heads, channels, channels, self.reduction_ratio, name=f"{m}_attention")
                for m in ("optical", "sar")
            ]
            for norm, attention in zip(self.norms, self.attentions):
                norm.build(optical_shape)
                attention.build(joint_shape, optical_shape)
        merged = 2 * channels if self.mode != "sum" else channels
        self.fuse = keras.layers.Conv2D(channels, 1, use_bias=False, name="fuse")
        self.fuse.build(tuple(optical_shape[:-1]) + (merged,))
        self.fuse_norm.build(optical_shape)

    def call(self, inputs, training=None):
        optical, sar = inputs
        if self.mode == "sum":
            merged = optical + sar
        elif self.mode == "concat":
            merged = ops.concatenate([optical, sar], axis=-1)
        else:
            normed = [norm(x) for norm, x in zip(self.norms, (optical, sar))]
            joint = ops.concatenate(normed, axis=-1)
            rebuilt = [
                x + attention(joint, n)
                for x, n, attention in zip((optical, sar), normed, self.attentions)
            ]
            merged = ops.concatenate(rebuilt, axis=-1)
        return ops.relu(self.fuse_norm(self.fuse(merged), training=training))

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[0])

    def get_config(self):
        config = super().get_config()
        config.update(
            mode=self.mode,
            num_heads=self.num_heads,
            reduction_ratio=self.reduction_ratio,
            synchronized_bn=self.synchronized_bn,
        )
        return config
