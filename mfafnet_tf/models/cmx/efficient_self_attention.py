"""SegFormer's efficient self-attention: keys and values from a strided-conv reduction."""

import keras
from keras import ops

from mfafnet_tf.layers.spatial_reduction_attention import SpatialReductionAttention


@keras.saving.register_keras_serializable(package="mfafnet_tf")
class EfficientSelfAttention(SpatialReductionAttention):
    """``SpatialReductionAttention`` with SegFormer's reduction of the context.

    The package's ``SpatialReductionAttention`` average-pools the context;
    SegFormer (and CMX) reduce it with a learned convolution of kernel and
    stride ``reduction_ratio`` followed by LayerNorm, and use the context
    unreduced and unnormalized when the ratio is 1. This subclass does that;
    the query, key/value and output projections (with biases) are the
    parent's.

    Args:
        num_heads: attention heads.
        key_dim: channels of the query/key/value projections in total.
        output_dim: channels of the output projection.
        reduction_ratio: kernel and stride of the reduction convolution.
    """

    def __init__(self, num_heads, key_dim, output_dim, reduction_ratio=1, **kwargs):
        super().__init__(num_heads, key_dim, output_dim, reduction_ratio, **kwargs)
        self.reduction = None
        if self.reduction_ratio == 1:
            self.context_norm = None

    def build(self, query_shape, context_shape=None):
        context_shape = tuple(query_shape if context_shape is None else context_shape)
        self.query_dense.build(query_shape)
        if self.reduction_ratio > 1:
            self.reduction = keras.layers.Conv2D(
                context_shape[-1], self.reduction_ratio, strides=self.reduction_ratio,
                padding="same", name="reduction",
            )
            self.reduction.build(context_shape)
            self.context_norm.build(context_shape)
        self.key_value_dense.build(context_shape)
        self.output_dense.build(tuple(query_shape[:-1]) + (self.key_dim,))

    def keys_values(self, context):
        """Reduces and normalizes ``context``; returns keys and values (B, hw, heads, head_dim)."""
        if self.reduction_ratio > 1:
            context = self.context_norm(self.reduction(context))
        batch = ops.shape(context)[0]
        kv = ops.reshape(self.key_value_dense(context), (batch, -1, 2, self.num_heads, self.head_dim))
        return kv[:, :, 0], kv[:, :, 1]
