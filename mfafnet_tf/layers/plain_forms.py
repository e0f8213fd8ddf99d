"""The layers whose ``call`` runs a fused equivalent of the paper's form, and that form.

Each such layer has a public plain method computing its output with its own
weights the way the paper writes it; the tests check the fused method against
it and bench/model_throughput.py times both in one run. ``PLAIN_FORMS`` maps
each class to ``(fused method name, plain method name)``.
"""

from mfafnet_tf.layers.affine_coupling import AffineCoupling
from mfafnet_tf.layers.cross_feature_fusion import CrossFeatureFusion
from mfafnet_tf.layers.feature_decomposition import FeatureDecomposition
from mfafnet_tf.layers.haar_downsampling import HaarDownsampling
from mfafnet_tf.layers.inverse_haar_upsampling import InverseHaarUpsampling

PLAIN_FORMS = {
    CrossFeatureFusion: ("call", "plain_call"),
    AffineCoupling: ("call", "plain_call"),
    FeatureDecomposition: ("call", "plain_call"),
    HaarDownsampling: ("convolve", "plain_convolve"),
    InverseHaarUpsampling: ("call", "plain_call"),
}
