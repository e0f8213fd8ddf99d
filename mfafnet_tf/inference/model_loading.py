"""Loading a trained model from a ``.keras`` file or a SavedModel directory."""

import os
import zipfile
import zlib

import keras
import tensorflow as tf

from mfafnet_tf.errors import DataError
from mfafnet_tf.inference.model_runner import ModelRunner


def load_keras_model(path):
    """Loads a ``.keras`` file (safe mode) with the package's layers registered.

    Raises:
        DataError: The file is missing, not a ``.keras`` file, not a complete
            ``.keras`` (zip) archive, or cannot be loaded.
    """
    import mfafnet_tf.models  # noqa: F401  (registers the package's layers and models)

    path = os.fspath(path)
    if not os.path.isfile(path) or not path.endswith(".keras"):
        raise DataError(f"model {path}: expected an existing .keras file, found {_describe(path)}")
    damaged = (
        f"model {path}: cannot be loaded as a Keras model: the file exists "
        f"({os.path.getsize(path)} bytes) but is not a valid, complete .keras archive "
        "(truncated by an interrupted copy or save?)"
    )
    if not zipfile.is_zipfile(path):
        raise DataError(damaged)
    try:
        return keras.saving.load_model(path)
    except (zipfile.BadZipFile, zlib.error, EOFError):
        raise DataError(damaged) from None
    except (ValueError, OSError, TypeError) as error:
        raise DataError(f"model {path}: cannot be loaded as a Keras model ({error})") from None


def load_model(path):
    """Loads a ``.keras`` file or a SavedModel directory as a :class:`ModelRunner`.

    Raises:
        DataError: The path is neither, or cannot be loaded.
    """
    path = os.fspath(path)
    if os.path.isdir(path):
        if not os.path.isfile(os.path.join(path, "saved_model.pb")):
            raise DataError(f"model {path}: expected a SavedModel directory (with saved_model.pb), found none")
        try:
            loaded = tf.saved_model.load(path)
        except (ValueError, OSError, tf.errors.OpError) as error:
            raise DataError(f"model {path}: cannot be loaded as a SavedModel ({error})") from None
        if "serving_default" not in loaded.signatures:
            raise DataError(f"model {path}: expected a serving_default signature, found {sorted(loaded.signatures)}")
        return ModelRunner.wrap(loaded)
    return ModelRunner.wrap(load_keras_model(path))


def _describe(path):
    if not os.path.exists(path):
        return "no such file"
    return "a directory" if os.path.isdir(path) else "a file without the .keras extension"
