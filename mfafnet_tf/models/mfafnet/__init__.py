"""MFAFNet: the backbone (the paper's network), the segmenter, its options and presets."""

from mfafnet_tf.models.mfafnet.mfafnet import MFAFNet
from mfafnet_tf.models.mfafnet.mfafnet_backbone import MFAFNetBackbone
from mfafnet_tf.models.mfafnet.mfafnet_options import MFAFNetOptions

__all__ = ["MFAFNet", "MFAFNetBackbone", "MFAFNetOptions"]
