"""CMX's Feature Fusion Module (FFM): cross-attention exchange, then channel embedding."""

import keras
from keras import ops

from mfafnet_tf.layers.shape_utils import batch_norm


@keras.saving.register_keras_serializable(package="mfafnet_tf")
class FeatureFusion(keras.layers.Layer):
    """Fuses two same-shape streams into one map of their width.

    Stage 1 (information exchange): each stream goes through Dense(2C') ->
    ReLU (``C' = C / reduction``) and is split into a residual part ``y`` and
    an attention part ``u``. Per head, a stream's global context is
    ``softmax(scale * K^T V)`` (a head_dim x head_dim matrix, softmax over
    the key channels; K, V = bias-free Dense of ``u``), and each stream's
    queries (``u`` itself) read the *other* stream's context. Then
    ``x + Dense(C)(concat(y, attended))`` is layer-normalized per stream.
    Stage 2 (ChannelEmbed): ``concat`` of both (2C) goes through 1x1 conv
    (C / reduction) -> depthwise 3x3 -> ReLU -> 1x1 conv (C) -> BN, plus a
    bias-free 1x1 conv residual, then BN.

    Args:
        num_heads: heads of the cross-attention (must divide C / reduction).
        reduction: channel reduction of both stages (CMX: 1).
        synchronized_bn: synchronize BatchNormalization across replicas.

    Call args:
        inputs: ``[a, b]`` maps of the same shape (B, H, W, C).

    Returns:
        Fused (B, H, W, C) map.
    """

    def __init__(self, num_heads=1, reduction=1, synchronized_bn=False, **kwargs):
        super().__init__(**kwargs)
        self.num_heads = int(num_heads)
        self.reduction = int(reduction)
        self.synchronized_bn = bool(synchronized_bn)
        self.embed_depthwise = keras.layers.DepthwiseConv2D(3, padding="same", name="embed_depthwise")
        self.embed_norm = batch_norm(self.synchronized_bn, "embed_norm")
        self.norm = batch_norm(self.synchronized_bn, "norm")
        self.stream_norms = [
            keras.layers.LayerNormalization(epsilon=1e-5, name=f"stream_norm_{s}") for s in "ab"
        ]
        self.projections, self.key_values, self.end_projections = [], [], []
        self.residual = self.embed_in = self.embed_out = None

    def build(self, input_shape):
        shape_a, shape_b = input_shape
        if tuple(shape_a[1:]) != tuple(shape_b[1:]):
            raise ValueError(f"FeatureFusion needs equal shapes, got {shape_a} and {shape_b}.")
        channels = shape_a[-1]
        reduced = channels // self.reduction
        if reduced % self.num_heads:
            raise ValueError(f"num_heads ({self.num_heads}) must divide the {reduced} attention channels.")
        self.projections = [keras.layers.Dense(2 * reduced, name=f"projection_{s}") for s in "ab"]
        self.key_values = [
            keras.layers.Dense(2 * reduced, use_bias=False, name=f"key_value_{s}") for s in "ab"
        ]
        self.end_projections = [keras.layers.Dense(channels, name=f"end_projection_{s}") for s in "ab"]
        self.residual = keras.layers.Conv2D(channels, 1, use_bias=False, name="residual")
        self.embed_in = keras.layers.Conv2D(reduced, 1, name="embed_in")
        self.embed_out = keras.layers.Conv2D(channels, 1, name="embed_out")
        spatial = tuple(shape_a[:-1])
        for projection, key_value, end, norm in zip(
            self.projections, self.key_values, self.end_projections, self.stream_norms
        ):
            projection.build(shape_a)
            key_value.build(spatial + (reduced,))
            end.build(spatial + (2 * reduced,))
            norm.build(shape_a)
        for layer in (self.residual, self.embed_in):
            layer.build(spatial + (2 * channels,))
        self.embed_depthwise.build(spatial + (reduced,))
        self.embed_out.build(spatial + (reduced,))
        self.embed_norm.build(shape_a)
        self.norm.build(shape_a)

    def call(self, inputs, training=None):
        shape = ops.shape(inputs[0])
        batch, height, width = shape[0], shape[1], shape[2]
        residuals, queries, contexts = [], [], []
        for x, projection, key_value in zip(inputs, self.projections, self.key_values):
            y, u = ops.split(ops.relu(projection(x)), 2, axis=-1)
            head_dim = u.shape[-1] // self.num_heads
            keys, values = ops.split(key_value(u), 2, axis=-1)
            heads = (batch, -1, self.num_heads, head_dim)
            keys, values = ops.reshape(keys, heads), ops.reshape(values, heads)
            # A sum over every position: float32 also under mixed precision.
            context = ops.einsum("bnhd,bnhe->bhde", ops.cast(keys, "float32"),
                                 ops.cast(values, "float32")) * (head_dim**-0.5)
            residuals.append(y)
            queries.append(ops.reshape(u, heads))
            contexts.append(ops.cast(ops.softmax(context, axis=-2), u.dtype))
        streams = []
        for x, y, query, context, end, norm in zip(
            inputs, residuals, queries, contexts[::-1], self.end_projections, self.stream_norms
        ):
            attended = ops.einsum("bnhd,bhde->bnhe", query, context)
            attended = ops.reshape(attended, (batch, height, width, -1))
            streams.append(norm(x + end(ops.concatenate([y, attended], axis=-1))))
        merged = ops.concatenate(streams, axis=-1)
        embedded = self.embed_out(ops.relu(self.embed_depthwise(self.embed_in(merged))))
        embedded = self.embed_norm(embedded, training=training)
        return self.norm(self.residual(merged) + embedded, training=training)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[0])

    def get_config(self):
        config = super().get_config()
        config.update(num_heads=self.num_heads, reduction=self.reduction,
                      synchronized_bn=self.synchronized_bn)
        return config
