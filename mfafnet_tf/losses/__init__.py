"""Segmentation losses."""

from mfafnet_tf.losses.segmentation_cross_entropy import SegmentationCrossEntropy

__all__ = ["SegmentationCrossEntropy"]
