"""Sliding-window whole-scene prediction and GeoTIFF/PNG writing.

``predict_scene`` lives in :mod:`mfafnet_tf.inference.predict_scene`. The names
below load on first use, so that :mod:`mfafnet_tf.inference.predict_settings`
imports without TensorFlow (for ``mfafnet --help``).
"""

import importlib

# Public name -> module that defines it, imported on first access.
_PUBLIC = {
    "ModelRunner": "mfafnet_tf.inference.model_runner",
    "iter_scene_predictions": "mfafnet_tf.inference.scene_predictions",
    "load_model": "mfafnet_tf.inference.model_loading",
}

__all__ = list(_PUBLIC)


def __getattr__(name):
    if name not in _PUBLIC:
        raise AttributeError(f"module 'mfafnet_tf.inference' has no attribute {name!r}")
    value = getattr(importlib.import_module(_PUBLIC[name]), name)
    globals()[name] = value
    return value
