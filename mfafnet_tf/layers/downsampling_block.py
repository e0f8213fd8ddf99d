"""Shared base of the downsampling layers: transform -> conv -> BN -> ReLU."""

import keras
from keras import ops

from mfafnet_tf.layers.shape_utils import batch_norm, scale_size


class DownsamplingBlock(keras.layers.Layer):
    """Base of ``HaarDownsampling`` and ``ConvDownsampling``.

    Computes ``ReLU(BN(convolve(x)))`` at half resolution. Subclasses create
    ``self.conv``, override ``convolve`` (``self.conv`` alone here) and may set
    ``band_factor`` (channels the conv sees per input channel).

    Args:
        filters: output channels.
        synchronized_bn: synchronize BatchNormalization across replicas.
    """

    band_factor = 1

    def __init__(self, filters, synchronized_bn=False, **kwargs):
        super().__init__(**kwargs)
        self.filters = int(filters)
        self.synchronized_bn = bool(synchronized_bn)
        self.norm = batch_norm(self.synchronized_bn, "norm")

    def convolve(self, inputs):
        """The linear part: input -> ``filters`` channels at half resolution."""
        return self.conv(inputs)

    def build(self, input_shape):
        self.conv.build(tuple(input_shape[:-1]) + (input_shape[-1] * self.band_factor,))
        self.norm.build(self.compute_output_shape(input_shape))

    def call(self, inputs, training=None):
        x = self.convolve(inputs)
        return ops.relu(self.norm(x, training=training))

    def compute_output_shape(self, input_shape):
        batch, height, width, _ = input_shape
        return (batch, scale_size(height, 0.5), scale_size(width, 0.5), self.filters)

    def get_config(self):
        config = super().get_config()
        config.update(filters=self.filters, synchronized_bn=self.synchronized_bn)
        return config
