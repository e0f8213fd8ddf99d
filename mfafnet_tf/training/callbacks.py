"""The callbacks of a training run and the files they write."""

import csv
import math
import os

import keras

from mfafnet_tf.training.best_model_checkpoint import BestModelCheckpoint

BACKUP_DIR = "backup"
BEST_MODEL = "best.keras"
FINAL_MODEL = "model.keras"
HISTORY_CSV = "history.csv"
TENSORBOARD_DIR = "logs"
MONITOR = "val_mean_iou"


def worker_dir(run_dir, is_chief=True, task_id=0):
    """Where a worker writes: the run directory for the chief, else
    ``<run_dir>/workers/worker-<id>`` (multi-worker training needs every
    worker to save, since saving takes part in collective ops)."""
    if is_chief:
        return run_dir
    return os.path.join(run_dir, "workers", f"worker-{task_id}")


def build_callbacks(out_dir):
    """Returns the callbacks of a run writing into ``out_dir``.

    - ``BackupAndRestore`` in ``<out_dir>/backup``: a killed run started
      again with the same command continues after the last completed epoch,
      weights, optimizer state and epoch counter restored. The backup is kept
      after the end, so re-running a finished command trains no further.
    - ``best.keras``: the model with the highest validation mean IoU so far.
    - ``history.csv`` (appended on resume) and TensorBoard logs in ``logs/``.
    """
    history = os.path.join(out_dir, HISTORY_CSV)
    return [
        # The CSV row first: on resume the best score so far is read back from
        # it, so it must never lag behind best.keras.
        keras.callbacks.CSVLogger(history, append=True),
        BestModelCheckpoint(
            os.path.join(out_dir, BEST_MODEL), MONITOR, best_logged(history, MONITOR)
        ),
        keras.callbacks.TensorBoard(os.path.join(out_dir, TENSORBOARD_DIR), profile_batch=0),
        # Last, so that an epoch counts as completed only once everything else
        # about it has been written.
        keras.callbacks.BackupAndRestore(
            os.path.join(out_dir, BACKUP_DIR), double_checkpoint=True, delete_checkpoint=False
        ),
    ]


def completed_epochs(out_dir):
    """Epochs a run in ``out_dir`` has completed (0 without a backup to resume from)."""
    history = os.path.join(out_dir, HISTORY_CSV)
    if not (os.path.isdir(os.path.join(out_dir, BACKUP_DIR)) and os.path.exists(history)):
        return 0
    with open(history, newline="", encoding="utf-8") as stream:
        return sum(1 for _ in csv.DictReader(stream))


def best_logged(history_csv, monitor):
    """Returns the largest ``monitor`` value in a CSV log (-inf if none)."""
    if not os.path.exists(history_csv):
        return -math.inf
    with open(history_csv, newline="", encoding="utf-8") as stream:
        values = [row.get(monitor) for row in csv.DictReader(stream)]
    numbers = [float(value) for value in values if value not in (None, "")]
    return max(numbers, default=-math.inf)
