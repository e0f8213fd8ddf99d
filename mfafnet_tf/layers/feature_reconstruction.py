"""Decoder block of the feature reconstruction module."""

import keras
from keras import ops

from mfafnet_tf.layers.shape_utils import batch_norm


@keras.saving.register_keras_serializable(package="mfafnet_tf")
class FeatureReconstruction(keras.layers.Layer):
    """``D_i = block(concat(inputs))``: 1x1 conv -> BN -> ReLU -> 3x3 conv -> BN -> ReLU.

    Args:
        filters: output channels.
        synchronized_bn: synchronize BatchNormalization across replicas.

    Call args:
        inputs: list of same-resolution maps, e.g. ``[Phi_o, Phi_s, Phi, Up(D_next)]``.
    """

    def __init__(self, filters, synchronized_bn=False, **kwargs):
        super().__init__(**kwargs)
        self.filters = int(filters)
        self.synchronized_bn = bool(synchronized_bn)
        self.reduce = keras.layers.Conv2D(self.filters, 1, use_bias=False, name="reduce")
        self.reduce_norm = batch_norm(self.synchronized_bn, "reduce_norm")
        self.conv = keras.layers.Conv2D(self.filters, 3, padding="same", use_bias=False, name="conv")
        self.conv_norm = batch_norm(self.synchronized_bn, "conv_norm")

    def build(self, input_shape):
        channels = sum(shape[-1] for shape in input_shape)
        merged = tuple(input_shape[0][:-1]) + (channels,)
        out = self.compute_output_shape(input_shape)
        self.reduce.build(merged)
        self.reduce_norm.build(out)
        self.conv.build(out)
        self.conv_norm.build(out)

    def call(self, inputs, training=None):
        x = ops.concatenate(list(inputs), axis=-1)
        x = ops.relu(self.reduce_norm(self.reduce(x), training=training))
        return ops.relu(self.conv_norm(self.conv(x), training=training))

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[0][:-1]) + (self.filters,)

    def get_config(self):
        config = super().get_config()
        config.update(filters=self.filters, synchronized_bn=self.synchronized_bn)
        return config
