"""Haar wavelet downsampling (HWD): DWT -> 1x1 conv -> BN -> ReLU."""

import keras

from mfafnet_tf.layers.downsampling_block import DownsamplingBlock
from mfafnet_tf.layers.haar_dwt import HaarDWT


@keras.saving.register_keras_serializable(package="mfafnet_tf")
class HaarDownsampling(DownsamplingBlock):
    """Halves the resolution without discarding frequencies (Xu et al. 2023).

    Args:
        filters: output channels.
        synchronized_bn: synchronize BatchNormalization across replicas.
    """

    band_factor = 4

    def __init__(self, filters, synchronized_bn=False, **kwargs):
        super().__init__(filters, synchronized_bn, **kwargs)
        self.dwt = HaarDWT(name="dwt")
        self.conv = keras.layers.Conv2D(self.filters, 1, use_bias=False, name="conv")

    def build(self, input_shape):
        self.dwt.build(input_shape)
        super().build(input_shape)

    def transform(self, inputs):
        return self.dwt(inputs)
