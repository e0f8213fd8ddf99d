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
    ``concat(F_o, F_s)`` or ``F_o + F_s`` the same way (ablations). The weights
    are those of this form; ``call`` runs an equal fused form (one attention op
    for both streams, output projections folded into the fuse convolution).

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
            fused = self.fuse(optical + sar)
        elif self.mode == "concat":
            fused = self.fuse(ops.concatenate([optical, sar], axis=-1))
        else:
            fused = self._fused_cross_attention(optical, sar)
        return ops.relu(self.fuse_norm(fused, training=training))


    def plain_call(self, inputs, training=None):
        """``call`` as eq. 5 writes it: one attention per stream, then the fuse conv."""
        optical, sar = inputs
        if self.mode == "sum":
            merged = optical + sar
        elif self.mode == "concat":
            merged = ops.concatenate([optical, sar], axis=-1)
        else:
            normed = [norm(x) for norm, x in zip(self.norms, (optical, sar))]
            joint = ops.concatenate(normed, axis=-1)
            rebuilt = [x + attention(joint, n)
                       for x, n, attention in zip((optical, sar), normed, self.attentions)]
            merged = ops.concatenate(rebuilt, axis=-1)
        return ops.relu(self.fuse_norm(self.fuse(merged), training=training))
    def _fused_cross_attention(self, optical, sar):
        """``fuse(concat(F_o + A_o, F_s + A_s))`` with both attentions as one op.

        The two streams' queries come from one matmul and attend as one
        ``dot_product_attention`` whose heads are the optical heads followed by
        the SAR heads (keys and values of each from its own stream), which
        yields ``concat(a_o, a_s)`` before the output projections. Those are
        linear and followed by the (linear) fuse convolution, so their kernels
        are multiplied into it: one matmul of ``concat(F_o, F_s, a_o, a_s)``.
        """
        attention_o, attention_s = self.attentions
        channels = optical.shape[-1]

        def weight(variable):
            return ops.cast(variable, optical.dtype)

        normed = [norm(x) for norm, x in zip(self.norms, (optical, sar))]
        query_kernel = ops.concatenate(
            [weight(a.query_dense.kernel) for a in self.attentions], axis=-1
        )
        query_bias = ops.concatenate([weight(a.query_dense.bias) for a in self.attentions], axis=-1)
        shape = ops.shape(optical)
        batch, height, width = shape[0], shape[1], shape[2]
        heads = (2 * attention_o.num_heads, attention_o.head_dim)
        queries = ops.tensordot(ops.concatenate(normed, axis=-1), query_kernel, 1) + query_bias
        queries = ops.reshape(queries, (batch, -1) + heads)
        (keys_o, values_o), (keys_s, values_s) = (
            a.keys_values(n) for a, n in zip(self.attentions, normed)
        )
        attended = ops.dot_product_attention(
            queries,
            ops.concatenate([keys_o, keys_s], axis=2),
            ops.concatenate([values_o, values_s], axis=2),
        )
        attended = ops.reshape(attended, (batch, height, width, 2 * channels))
        fuse = weight(self.fuse.kernel)[0, 0]  # (2C, C): rows of F_o, then of F_s
        fuse_o, fuse_s = fuse[:channels], fuse[channels:]
        kernel = ops.concatenate(
            [
                fuse,
                ops.matmul(weight(attention_o.output_dense.kernel), fuse_o),
                ops.matmul(weight(attention_s.output_dense.kernel), fuse_s),
            ],
            axis=0,
        )
        bias = ops.tensordot(weight(attention_o.output_dense.bias), fuse_o, 1) + ops.tensordot(
            weight(attention_s.output_dense.bias), fuse_s, 1
        )
        return ops.tensordot(ops.concatenate([optical, sar, attended], axis=-1), kernel, 1) + bias

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
