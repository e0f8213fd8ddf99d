"""GDAL scene I/O, dataset adapters, synthetic scenes, tiling, statistics, tf.data."""

from mfafnet_tf.data.scene import Scene, SceneWindow, Window, open_scene

__all__ = ["Scene", "SceneWindow", "Window", "open_scene"]
