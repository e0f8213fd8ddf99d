"""Sliding-window whole-scene prediction and GeoTIFF/PNG writing.

``predict_scene`` lives in :mod:`mfafnet_tf.inference.predict_scene`. The names
below load on first use, so that :mod:`mfafnet_tf.inference.predict_settings`
imports without TensorFlow (for ``mfafnet --help``).
"""

from mfafnet_tf import lazy_attributes

# Public name -> module that defines it, imported on first access.
_PUBLIC = {
    "ModelRunner": "mfafnet_tf.inference.model_runner",
    "iter_scene_predictions": "mfafnet_tf.inference.scene_predictions",
    "load_model": "mfafnet_tf.inference.model_loading",
}

__all__ = list(_PUBLIC)

__getattr__ = lazy_attributes(globals(), _PUBLIC)
