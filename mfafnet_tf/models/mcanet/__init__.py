"""MCANet (Li et al. 2022): the backbone, its fusion and pyramid layers, the segmenter."""

from mfafnet_tf.models.mcanet.aspp import ASPP
from mfafnet_tf.models.mcanet.mcanet import MCANet
from mfafnet_tf.models.mcanet.mcanet_backbone import MCANetBackbone
from mfafnet_tf.models.mcanet.multimodal_cross_attention import MultimodalCrossAttention

__all__ = ["ASPP", "MCANet", "MCANetBackbone", "MultimodalCrossAttention"]
