"""Segmentation metrics, whole-scene evaluation and run comparison."""
