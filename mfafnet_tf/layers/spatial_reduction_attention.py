"""Multi-head attention with spatially reduced keys and values (PVT/SegFormer)."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="mfafnet_tf")
class SpatialReductionAttention(keras.layers.Layer):
    """Attention from every query pixel to an average-pooled context map.

    Queries come from ``query`` at full resolution; keys and values from
    ``context`` average-pooled by ``reduction_ratio`` (then layer-normalized),
    so the cost is ``O(HW * HW / ratio^2)`` instead of ``O((HW)^2)``.

    Args:
        num_heads: attention heads.
        key_dim: channels of the query/key/value projections in total
            (split across heads).
        output_dim: channels of the output projection.
        reduction_ratio: pooling factor applied to the context.

    Call args:
        query: (B, H, W, Cq) map.
        context: (B, h, w, Cc) map; defaults to ``query`` (self-attention).

    Returns:
        (B, H, W, output_dim).
    """

    def __init__(self, num_heads, key_dim, output_dim, reduction_ratio=1, **kwargs):
        super().__init__(**kwargs)
        self.num_heads = int(num_heads)
        self.key_dim = int(key_dim)
        self.output_dim = int(output_dim)
        self.reduction_ratio = int(reduction_ratio)
        if self.key_dim % self.num_heads:
            raise ValueError(
                f"key_dim ({self.key_dim}) must be divisible by num_heads ({self.num_heads})."
            )
        self.head_dim = self.key_dim // self.num_heads
        self.query_dense = keras.layers.Dense(self.key_dim, name="query")
        self.key_value_dense = keras.layers.Dense(2 * self.key_dim, name="key_value")
        self.context_norm = keras.layers.LayerNormalization(epsilon=1e-5, name="context_norm")
        self.output_dense = keras.layers.Dense(self.output_dim, name="output")

    def build(self, query_shape, context_shape=None):
        context_shape = query_shape if context_shape is None else context_shape
        self.query_dense.build(query_shape)
        self.context_norm.build(context_shape)
        self.key_value_dense.build(context_shape)
        self.output_dense.build(tuple(query_shape[:-1]) + (self.key_dim,))

    def call(self, query, context=None):
        shape = ops.shape(query)
        batch, height, width = shape[0], shape[1], shape[2]
        q = ops.reshape(self.query_dense(query), (batch, -1, self.num_heads, self.head_dim))
        keys, values = self.keys_values(query if context is None else context)
        attended = ops.dot_product_attention(q, keys, values)
        attended = ops.reshape(attended, (batch, height, width, self.key_dim))
        return self.output_dense(attended)

    def keys_values(self, context):
        """Pools and normalizes ``context``; returns keys and values (B, hw, heads, head_dim)."""
        if self.reduction_ratio > 1:
            context = ops.average_pool(
                context, self.reduction_ratio, strides=self.reduction_ratio, padding="same"
            )
        context = self.context_norm(context)
        batch = ops.shape(context)[0]
        kv = ops.reshape(self.key_value_dense(context), (batch, -1, 2, self.num_heads, self.head_dim))
        return kv[:, :, 0], kv[:, :, 1]

    def compute_output_shape(self, query_shape, context_shape=None):
        return tuple(query_shape[:-1]) + (self.output_dim,)

    def get_config(self):
        config = super().get_config()
        config.update(
            num_heads=self.num_heads,
            key_dim=self.key_dim,
            output_dim=self.output_dim,
            reduction_ratio=self.reduction_ratio,
        )
        return config
