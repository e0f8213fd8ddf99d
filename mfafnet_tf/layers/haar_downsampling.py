"""Haar wavelet downsampling (HWD): DWT -> 1x1 conv -> BN -> ReLU."""

import keras
from keras import ops

from mfafnet_tf.layers.downsampling_block import DownsamplingBlock
from mfafnet_tf.layers.haar_dwt import HaarDWT
from mfafnet_tf.layers.haar_filters import analysis_kernel, check_even


@keras.saving.register_keras_serializable(package="mfafnet_tf")
class HaarDownsampling(DownsamplingBlock):
    """Halves the resolution without discarding frequencies (Xu et al. 2023).

    The weights are those of the paper's form, a 1x1 convolution over the
    ``HaarDWT`` bands; both are linear, so ``convolve`` runs them as one 2x2
    stride-2 convolution whose kernel is their product (same outputs, without
    slicing the input into the four pixels of each block).

    Args:
        filters: output channels.
        synchronized_bn: synchronize BatchNormalization across replicas.
    """

    band_factor = 4

    def __init__(self, filters, synchronized_bn=False, **kwargs):
        super().__init__(filters, synchronized_bn, **kwargs)
        self.conv = keras.layers.Conv2D(self.filters, 1, use_bias=False, name="conv")

    def build(self, input_shape):
        check_even(input_shape, "HaarDownsampling")
        super().build(input_shape)

    def convolve(self, inputs):
        kernel = analysis_kernel(ops.cast(self.conv.kernel, inputs.dtype))
        return ops.conv(inputs, kernel, strides=2)

    def plain_convolve(self, inputs):
        """``convolve`` as eq. 1 writes it: the Haar DWT, then the 1x1 convolution."""
        return self.conv(HaarDWT()(inputs))
