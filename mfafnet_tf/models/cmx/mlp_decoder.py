"""SegFormer's all-MLP decoder, as CMX uses it on the fused features."""

import keras
from keras import ops

from mfafnet_tf.layers.bilinear_upsampling import BilinearUpsampling
from mfafnet_tf.layers.shape_utils import batch_norm


@keras.saving.register_keras_serializable(package="mfafnet_tf")
class MLPDecoder(keras.layers.Layer):
    """Unifies a feature pyramid at the first level's resolution.

    Every level goes through a linear layer to ``embed_dim`` channels and is
    bilinearly upsampled (half-pixel centres, PyTorch's
    ``align_corners=False``) to the size of the first level; the levels are
    concatenated deepest first, fused by a 1x1 conv -> BN -> ReLU and passed
    through channel-wise dropout (``SpatialDropout2D``, PyTorch's
    ``Dropout2d``). The linear classifier is left to the task, so that its
    logits can be float32 under mixed precision.

    Args:
        embed_dim: channels of the per-level embeddings and of the output.
        dropout: channel dropout rate (SegFormer and CMX: 0.1).
        synchronized_bn: synchronize BatchNormalization across replicas.

    Call args:
        inputs: list of maps, level ``i`` at ``2 ** i`` times the stride of
            level 0 (sizes exact multiples).

    Returns:
        (B, H0, W0, embed_dim) at the first level's size.
    """

    def __init__(self, embed_dim=512, dropout=0.1, synchronized_bn=False, **kwargs):
        super().__init__(**kwargs)
        self.embed_dim = int(embed_dim)
        self.dropout = float(dropout)
        self.synchronized_bn = bool(synchronized_bn)
        self.fuse = keras.layers.Conv2D(self.embed_dim, 1, name="fuse")
        self.fuse_norm = batch_norm(self.synchronized_bn, "fuse_norm")
        self.channel_dropout = keras.layers.SpatialDropout2D(self.dropout, name="dropout")
        self.embeddings = []
        self.upsamplings = []

    def build(self, input_shape):
        self.embeddings = [
            keras.layers.Dense(self.embed_dim, name=f"embedding_{i}") for i in range(len(input_shape))
        ]
        self.upsamplings = [BilinearUpsampling(2 ** i, name=f"upsampling_{i}")
                            for i in range(1, len(input_shape))]
        for embedding, shape in zip(self.embeddings, input_shape):
            embedding.build(shape)
        output_shape = self.compute_output_shape(input_shape)
        self.fuse.build(tuple(output_shape[:-1]) + (len(input_shape) * self.embed_dim,))
        self.fuse_norm.build(output_shape)

    def call(self, inputs, training=None):
        levels = [self.embeddings[0](inputs[0])]
        for x, embedding, upsampling in zip(inputs[1:], self.embeddings[1:], self.upsamplings):
            levels.append(upsampling(embedding(x)))
        x = self.fuse(ops.concatenate(levels[::-1], axis=-1))
        x = ops.relu(self.fuse_norm(x, training=training))
        return self.channel_dropout(x, training=training)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[0][:-1]) + (self.embed_dim,)

    def get_config(self):
        config = super().get_config()
        config.update(embed_dim=self.embed_dim, dropout=self.dropout,
                      synchronized_bn=self.synchronized_bn)
        return config
