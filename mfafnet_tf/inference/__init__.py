"""Sliding-window whole-scene prediction and GeoTIFF/PNG writing.

``predict_scene`` lives in :mod:`mfafnet_tf.inference.predict_scene`.
"""

from mfafnet_tf.inference.model_loading import load_model
from mfafnet_tf.inference.model_runner import ModelRunner
from mfafnet_tf.inference.scene_predictions import iter_scene_predictions

__all__ = ["ModelRunner", "iter_scene_predictions", "load_model"]
