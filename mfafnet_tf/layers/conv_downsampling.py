"""Conventional downsampling baselines for the HWD ablation."""

import keras
from keras import ops

from mfafnet_tf.layers.downsampling_block import DownsamplingBlock

METHODS = ("strided_conv", "max_pool")


@keras.saving.register_keras_serializable(package="mfafnet_tf")
class ConvDownsampling(DownsamplingBlock):
    """Halves the resolution the usual, aliasing way (ablation of ``HaarDownsampling``).

    Args:
        filters: output channels.
        method: ``"strided_conv"`` (3x3 conv, stride 2 -> BN -> ReLU) or
            ``"max_pool"`` (2x2 max pool -> 1x1 conv -> BN -> ReLU).
        synchronized_bn: synchronize BatchNormalization across replicas.
    """

    def __init__(self, filters, method="strided_conv", synchronized_bn=False, **kwargs):
        super().__init__(filters, synchronized_bn, **kwargs)
        if method not in METHODS:
            raise ValueError(f"method must be one of {METHODS}, got {method!r}.")
        self.method = method
        strided = method == "strided_conv"
        self.conv = keras.layers.Conv2D(
            self.filters,
            3 if strided else 1,
            strides=2 if strided else 1,
            padding="same",
            use_bias=False,
            name="conv",
        )

    def convolve(self, inputs):
        if self.method == "max_pool":
            inputs = ops.max_pool(inputs, 2, strides=2)
        return self.conv(inputs)

    def get_config(self):
        config = super().get_config()
        config.update(method=self.method)
        return config
