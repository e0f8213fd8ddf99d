"""MFAFNet building blocks as Keras 3 layers (importing registers them all)."""

from mfafnet_tf.layers.affine_coupling import AffineCoupling
from mfafnet_tf.layers.atrous_conv import AtrousConv2D
from mfafnet_tf.layers.bilinear_upsampling import BilinearUpsampling
from mfafnet_tf.layers.conv_downsampling import ConvDownsampling
from mfafnet_tf.layers.conv_feed_forward import ConvFeedForward
from mfafnet_tf.layers.cross_feature_fusion import CrossFeatureFusion
from mfafnet_tf.layers.feature_decomposition import FeatureDecomposition
from mfafnet_tf.layers.feature_reconstruction import FeatureReconstruction
from mfafnet_tf.layers.haar_downsampling import HaarDownsampling
from mfafnet_tf.layers.haar_dwt import HaarDWT
from mfafnet_tf.layers.haar_idwt import HaarIDWT
from mfafnet_tf.layers.input_normalization import InputNormalization
from mfafnet_tf.layers.inverse_haar_upsampling import InverseHaarUpsampling
from mfafnet_tf.layers.lite_transformer_block import LiteTransformerBlock
from mfafnet_tf.layers.semantic_alignment import SemanticAlignment
from mfafnet_tf.layers.spatial_crop import SpatialCrop
from mfafnet_tf.layers.spatial_padding import SpatialPadding
from mfafnet_tf.layers.spatial_reduction_attention import SpatialReductionAttention
from mfafnet_tf.layers.validity_gate import ValidityGate

__all__ = [
    "AffineCoupling",
    "AtrousConv2D",
    "BilinearUpsampling",
    "ConvDownsampling",
    "ConvFeedForward",
    "CrossFeatureFusion",
    "FeatureDecomposition",
    "FeatureReconstruction",
    "HaarDWT",
    "HaarDownsampling",
    "HaarIDWT",
    "InputNormalization",
    "InverseHaarUpsampling",
    "LiteTransformerBlock",
    "SemanticAlignment",
    "SpatialCrop",
    "SpatialPadding",
    "SpatialReductionAttention",
    "ValidityGate",
]
