"""Streaming segmentation metrics."""

from mfafnet_tf.metrics.pixel_accuracy import PixelAccuracy

__all__ = ["PixelAccuracy"]
