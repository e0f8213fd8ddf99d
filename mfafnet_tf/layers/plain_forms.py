"""The plain (unfused) forms of the layers whose ``call`` runs a fused equivalent.

Each function computes a layer's output with its own weights the way the
paper writes it; the tests check the fused ``call`` against it and
bench/model_throughput.py times both in one run. ``PLAIN_FORMS`` maps each
such layer class to ``(method name, plain replacement)``.
"""

from keras import ops

from mfafnet_tf.layers.affine_coupling import AffineCoupling
from mfafnet_tf.layers.cross_feature_fusion import CrossFeatureFusion
from mfafnet_tf.layers.feature_decomposition import FeatureDecomposition
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


def affine_coupling_call(layer, inputs):
    """``AffineCoupling.call`` with a channel split and concatenation per block."""
    z1, z2 = ops.split(inputs, 2, axis=-1)
    z2 = z2 + layer.phi(z1)
    z1 = z1 * ops.exp(layer._log_scale(z2)) + layer.eta(z2)
    return ops.concatenate([z1, z2], axis=-1)


def feature_decomposition_call(layer, inputs):
    """``FeatureDecomposition.call`` with the high branch as whole blocks."""
    low = inputs[..., : layer.low_channels]
    high = inputs[..., layer.low_channels :]
    for block in layer.low_blocks:
        low = block(low)
    for block in layer.high_blocks:
        update = block(high)
        high = update if layer.high_branch == "inn" else high + update
    x = ops.concatenate([low, high], axis=-1)
    x = x + layer.merge_depthwise(x)
    return layer.merge_project(x)


def cross_feature_fusion_call(layer, inputs, training=None):
    """``CrossFeatureFusion.call`` with one attention per stream, then the fuse conv."""
    optical, sar = inputs
    if layer.mode == "sum":
        merged = optical + sar
    elif layer.mode == "concat":
        merged = ops.concatenate([optical, sar], axis=-1)
    else:
        normed = [norm(x) for norm, x in zip(layer.norms, (optical, sar))]
        joint = ops.concatenate(normed, axis=-1)
        rebuilt = [
            x + attention(joint, n) for x, n, attention in zip((optical, sar), normed, layer.attentions)
        ]
        merged = ops.concatenate(rebuilt, axis=-1)
    return ops.relu(layer.fuse_norm(layer.fuse(merged), training=training))


PLAIN_FORMS = {
    CrossFeatureFusion: ("call", cross_feature_fusion_call),
    AffineCoupling: ("call", affine_coupling_call),
    FeatureDecomposition: ("call", feature_decomposition_call),
    HaarDownsampling: ("convolve", haar_downsampling_convolve),
    InverseHaarUpsampling: ("call", inverse_haar_upsampling_call),
}
