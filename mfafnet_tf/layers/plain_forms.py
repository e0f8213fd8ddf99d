"""The plain (unfused) forms of the layers whose ``call`` runs a fused equivalent.

Each function computes a layer's output with its own weights the way the
paper writes it; the tests check the fused ``call`` against it and
bench/model_throughput.py times both in one run. ``PLAIN_FORMS`` maps each
such layer class to ``(method name, plain replacement)``.
"""

from keras import ops

from mfafnet_tf.layers.haar_downsampling import HaarDownsampling
from mfafnet_tf.layers.haar_dwt import HaarDWT
from mfafnet_tf.layers.haar_idwt import HaarIDWT
from mfafnet_tf.layers.inverse_haar_upsampling import InverseHaarUpsampling


def haar_downsampling_convolve(layer, inputs):
    """``HaarDownsampling.convolve`` as DWT, then the 1x1 convolution."""
    return layer.conv(HaarDWT()(inputs))


def inverse_haar_upsampling_call(layer, inputs):
    """``InverseHaarUpsampling.call`` as the 1x1 convolution, then the IDWT."""
    return HaarIDWT()(layer.conv(inputs))


PLAIN_FORMS = {
    HaarDownsampling: ("convolve", haar_downsampling_convolve),
    InverseHaarUpsampling: ("call", inverse_haar_upsampling_call),
}
