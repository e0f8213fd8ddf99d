"""mfafnet_tf: MFAFNet optical + SAR land-cover segmentation for TensorFlow/Keras."""

__version__ = "0.1.0"
