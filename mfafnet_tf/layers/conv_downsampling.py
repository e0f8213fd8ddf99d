"""Conventional downsampling baselines for the HWD ablation."""

import keras
from keras import ops

from mfafnet_tf.layers.shape_utils import batch_norm, scale_size

METHODS = ("strided_conv", "max_pool")


@keras.saving.register_keras_serializable(package="mfafnet_tf")
class ConvDownsampling(keras.layers.Layer):
    """Halves the resolution the usual, aliasing way (ablation of ``HaarDownsampling``).

    Args:
        filters: output channels.
        method: ``"strided_conv"`` (3x3 conv, stride 2 -> BN -> ReLU) or
            ``"max_pool"`` (2x2 max pool -> 1x1 conv -> BN -> ReLU).
        synchronized_bn: synchronize BatchNormalization across replicas.
    """

    def __init__(self, filters, method="strided_conv", synchronized_bn=False, **kwargs):
        super().__init__(**kwargs)
        if method not in METHODS:
            raise ValueError(f"method must be one of {METHODS}, got {method!r}.")
        self.filters = int(filters)
        self.method = method
        self.synchronized_bn = bool(synchronized_bn)
        strided = method == "strided_conv"
        self.conv = keras.layers.Conv2D(
            self.filters,
            3 if strided else 1,
            strides=2 if strided else 1,
            padding="same",
            use_bias=False,
            name="conv",
        )
        self.norm = batch_norm(self.synchronized_bn, "norm")

    def build(self, input_shape):
        self.conv.build(input_shape)
        self.norm.build(self.compute_output_shape(input_shape))

    def call(self, inputs, training=None):
        x = inputs
        if self.method == "max_pool":
            x = ops.max_pool(x, 2, strides=2)
        x = self.conv(x)
        return ops.relu(self.norm(x, training=training))

    def compute_output_shape(self, input_shape):
        batch, height, width, _ = input_shape
        return (batch, scale_size(height, 0.5), scale_size(width, 0.5), self.filters)

    def get_config(self):
        config = super().get_config()
        config.update(
            filters=self.filters,
            method=self.method,
            synchronized_bn=self.synchronized_bn,
        )
        return config
