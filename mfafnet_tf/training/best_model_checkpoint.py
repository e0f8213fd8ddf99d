"""Keeps the best model of a run as a ``.keras`` file, written atomically."""

import math

import keras

from mfafnet_tf.data.atomic import atomic_path

MODEL_TEMP_SUFFIX = ".tmp.keras"


class BestModelCheckpoint(keras.callbacks.Callback):
    """Saves the whole model whenever ``monitor`` improves (maximized).

    Unlike ``keras.callbacks.ModelCheckpoint`` the file is written to a
    temporary name in the same directory and renamed, so a run killed while
    saving leaves the previous best model intact; and the best value so far
    can be given, so a resumed run does not overwrite a better earlier model.

    Args:
        filepath: Destination ``.keras`` path.
        monitor: Logged metric to maximize.
        best: Best value reached before this run (from the backup it resumes).
    """

    def __init__(self, filepath, monitor="val_mean_iou", best=-math.inf):
        super().__init__()
        self.filepath = filepath
        self.monitor = monitor
        self.best = best

    def on_epoch_end(self, epoch, logs=None):
        value = (logs or {}).get(self.monitor)
        if value is None or not value > self.best:
            return
        self.best = float(value)
        save_model_atomic(self.model, self.filepath)


def save_model_atomic(model, path):
    """Saves ``model`` to the ``.keras`` file ``path`` via a temporary file
    (``.<name>.<random>.tmp.keras``), flushed to disk before the rename."""
    with atomic_path(path, suffix=MODEL_TEMP_SUFFIX, durable=True) as temporary:
        model.save(temporary)
