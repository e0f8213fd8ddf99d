"""CMX: the backbone (two MiT streams with FRM and FFM), the segmenter, its layers and presets."""

from mfafnet_tf.models.cmx.cmx import CMX
from mfafnet_tf.models.cmx.cmx_backbone import CMXBackbone
from mfafnet_tf.models.cmx.efficient_self_attention import EfficientSelfAttention
from mfafnet_tf.models.cmx.feature_fusion import FeatureFusion
from mfafnet_tf.models.cmx.feature_rectification import FeatureRectification
from mfafnet_tf.models.cmx.mit_presets import PRESETS
from mfafnet_tf.models.cmx.mix_transformer_block import MixTransformerBlock
from mfafnet_tf.models.cmx.mlp_decoder import MLPDecoder
from mfafnet_tf.models.cmx.overlap_patch_embedding import OverlapPatchEmbedding

__all__ = [
    "CMX",
    "CMXBackbone",
    "EfficientSelfAttention",
    "FeatureFusion",
    "FeatureRectification",
    "MLPDecoder",
    "MixTransformerBlock",
    "OverlapPatchEmbedding",
    "PRESETS",
]
