"""mfafnet_tf: MFAFNet optical + SAR land-cover segmentation for TensorFlow/Keras.

Importing the package is light (no TensorFlow), so ``mfafnet --help`` is fast:
the public names load on first use. Using one of them (or importing
``mfafnet_tf.models``) registers every layer, loss, metric and model with Keras,
so ``keras.saving.load_model("model.keras")`` needs no ``custom_objects``; when
Keras is already imported, importing the package registers them right away.
"""

import importlib
import sys

__version__ = "0.1.0"

# Public name -> module that defines it, imported on first access.
_PUBLIC = {
    "CMX": "mfafnet_tf.models.cmx.cmx",
    "MCANet": "mfafnet_tf.models.mcanet.mcanet",
    "MFAFNet": "mfafnet_tf.models.mfafnet.mfafnet",
    "MFAFNetBackbone": "mfafnet_tf.models.mfafnet.mfafnet_backbone",
    "MFAFNetOptions": "mfafnet_tf.models.mfafnet.mfafnet_options",
    "UNet": "mfafnet_tf.models.unet.unet",
    "predict_scene": "mfafnet_tf.inference.predict_scene",
}

__all__ = ["__version__", *_PUBLIC]


def lazy_attributes(namespace, public):
    """A module ``__getattr__`` that imports each name of ``public`` (name -> module) on first use.

    Args:
        namespace: The module's ``globals()``, where a loaded name is kept.
        public: Public name -> module that defines it.
    """
    def __getattr__(name):
        if name not in public:
            raise AttributeError(f"module {namespace['__name__']!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(public[name]), name)
        namespace[name] = value
        return value

    return __getattr__


__getattr__ = lazy_attributes(globals(), _PUBLIC)


if "keras" in sys.modules:
    importlib.import_module("mfafnet_tf.models")
