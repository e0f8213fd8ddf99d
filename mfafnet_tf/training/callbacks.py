"""The callbacks of a training run and the files they write."""

import csv
import math
import os

import keras

from mfafnet_tf.data.atomic import remove_stale, temporary_pattern, write_csv
from mfafnet_tf.training.best_model_checkpoint import MODEL_TEMP_SUFFIX, BestModelCheckpoint
from mfafnet_tf.training.diverged_loss_guard import DivergedLossGuard
from mfafnet_tf.training.run_checkpoint import RunCheckpoint, restore_run

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


def build_callbacks(out_dir, best=-math.inf):
    """Returns the callbacks of a run writing into ``out_dir``.

    - ``best.keras``: the model with the highest validation mean IoU so far
      (``best``: the highest value of the epochs being resumed from).
    - ``history.csv`` (appended on resume) and TensorBoard logs in ``logs/``.
    - :class:`DivergedLossGuard`: an epoch whose training loss is not finite
      stops the run with a ``TrainingError`` before anything of it is written.
    - :class:`RunCheckpoint` in ``<out_dir>/backup``: a killed run started
      again with the same command continues after the last completed epoch
      (see :func:`resume_run`). The backup is kept after the end, so
      re-running a finished command trains no further.
    """
    best_model = BestModelCheckpoint(os.path.join(out_dir, BEST_MODEL), MONITOR, best)
    return [
        # First, so that a diverged epoch (NaN loss) is written nowhere.
        DivergedLossGuard(out_dir),
        keras.callbacks.CSVLogger(os.path.join(out_dir, HISTORY_CSV), append=True),
        best_model,
        keras.callbacks.TensorBoard(os.path.join(out_dir, TENSORBOARD_DIR), profile_batch=0),
        # Last, so that an epoch counts as completed only once everything else
        # about it has been written.
        RunCheckpoint(os.path.join(out_dir, BACKUP_DIR), best_model),
    ]


def resume_run(model, out_dir):
    """Prepares ``out_dir`` for a (re)started run of the compiled ``model``.

    Removes the temporary files of earlier killed runs, restores the newest
    readable backup generation and cuts ``history.csv`` back to the epochs
    that generation completed, so that the weights, the history and the best
    score all continue from the same epoch.

    Returns:
        The :class:`RunState` resumed from (epoch 0 for a fresh start).
    """
    # (config.yaml's were removed when it was written at the start of the run.)
    for name, suffix in ((BEST_MODEL, MODEL_TEMP_SUFFIX), (FINAL_MODEL, MODEL_TEMP_SUFFIX),
                         (HISTORY_CSV, ".tmp")):
        remove_stale(out_dir, temporary_pattern(os.path.join(out_dir, name), suffix))
    state = restore_run(model, os.path.join(out_dir, BACKUP_DIR))
    cut_history(os.path.join(out_dir, HISTORY_CSV), state.epoch)
    return state


def cut_history(history_csv, epochs):
    """Keeps the complete rows of the first ``epochs`` epochs in a CSV log.

    Rows of later epochs (logged before a kill cut their backup short),
    repeated epochs and partly written rows are dropped; without any epoch
    to keep the file is removed.
    """
    if not os.path.exists(history_csv):
        return
    with open(history_csv, newline="", encoding="utf-8") as stream:
        reader = csv.DictReader(stream)
        rows = {}
        for row in reader:
            complete = None not in row and None not in row.values()
            epoch = row.get("epoch") or ""
            if complete and epoch.isdigit() and int(epoch) < epochs:
                rows[int(epoch)] = row
        fields = reader.fieldnames
    if rows:
        write_csv(history_csv, [rows[epoch] for epoch in sorted(rows)], fields)
    else:
        os.remove(history_csv)
