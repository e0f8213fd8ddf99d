"""Stops a run whose training loss is no longer finite, before the epoch is saved."""

import math

import keras

from mfafnet_tf.errors import TrainingError


class DivergedLossGuard(keras.callbacks.Callback):
    """Raises ``TrainingError`` at the end of an epoch whose mean loss is NaN or infinite.

    Placed before the callbacks that write the epoch (history, best model,
    backup), so a diverged epoch is never recorded and the run directory keeps
    the last finite one to resume from. Checked once per epoch: a NaN step
    makes the epoch's mean loss NaN, and no step pays for a host round trip.

    Args:
        out_dir: the run directory, named in the error.
    """

    def __init__(self, out_dir):
        super().__init__()
        self.out_dir = out_dir

    def on_epoch_end(self, epoch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is None or math.isfinite(float(loss)):
            return
        raise TrainingError(
            f"{self.out_dir}: the training loss of epoch {epoch + 1} is {float(loss)}, so the "
            f"weights are no longer finite; nothing of this epoch was written, and the run "
            f"directory keeps its {epoch} earlier epoch(s) to resume from. Lower train.learning_rate, or "
            f"check the inputs (a model given only zeros where data are missing, say)")
