"""MFAFNet model and presets."""

from mfafnet_tf.models.mfafnet.mfafnet import MFAFNet

__all__ = ["MFAFNet"]
