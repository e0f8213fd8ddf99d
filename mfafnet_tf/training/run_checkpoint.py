"""The resume state of a training run, kept as atomic generations in ``backup/``."""

import dataclasses
import glob
import json
import math
import os
import re

import keras

from mfafnet_tf.data.atomic import atomic_path, write_text
from mfafnet_tf.errors import DataError

GENERATIONS = 2
WEIGHTS_SUFFIX = ".weights.h5"
_STATE_NAME = re.compile(r"epoch-(\d{6})\.json$")


@dataclasses.dataclass
class RunState:
    """Where a run resumes: epochs completed and the best monitored value then."""

    epoch: int = 0
    best: float = -math.inf


class RunCheckpoint(keras.callbacks.Callback):
    """Writes a checkpoint generation at the end of every epoch.

    A generation is ``epoch-NNNNNN.weights.h5`` (weights and optimizer state)
    and ``epoch-NNNNNN.json`` (the best monitored value so far and the weights'
    size). Each file is written to a temporary name, flushed to disk and
    renamed, the JSON last, so a generation exists whole or not at all; the
    :data:`GENERATIONS` newest are kept. Put it after the callbacks that log
    the epoch, so that an epoch counts as completed only once they have run.

    Args:
        backup_dir: Directory of the generations (used for nothing else).
        best_model: The run's ``BestModelCheckpoint``, whose ``best`` is saved.
    """

    def __init__(self, backup_dir, best_model):
        super().__init__()
        self.backup_dir = backup_dir
        self.best_model = best_model

    def on_epoch_end(self, epoch, logs=None):
        save_generation(self.model, self.backup_dir, RunState(epoch + 1, self.best_model.best))


def save_generation(model, backup_dir, state):
    """Writes the generation of ``state`` atomically and drops older ones."""
    weights = _weights_path(backup_dir, state.epoch)
    # HDF5 locks the file it writes: the temporary is left unlocked for it.
    with atomic_path(weights, suffix=WEIGHTS_SUFFIX, durable=True, locked=False) as temporary:
        model.save_weights(temporary)
    best = state.best if math.isfinite(state.best) else None
    record = {"epoch": state.epoch, "best": best, "weights_bytes": os.path.getsize(weights)}
    write_text(_state_path(backup_dir, state.epoch), json.dumps(record) + "\n", durable=True)
    _prune(backup_dir)


def restore_run(model, backup_dir):
    """Loads the newest readable generation into the compiled ``model``.

    A generation that is incomplete or unreadable is skipped with a printed
    line, for the previous one or, when none is left, a fresh start; when no
    generation fits the model, the backup is another model's.
    Temporary files of killed writes and files of no kept generation are
    removed first.

    Returns:
        The :class:`RunState` restored (``RunState()`` for a fresh start).

    Raises:
        DataError: The backup was written for a different model.
    """
    _prune(backup_dir)
    epochs = _committed_epochs(backup_dir)
    if not epochs:
        return RunState()
    model.optimizer.build(model.trainable_variables)
    variables = model.weights + model.optimizer.variables
    initial = [variable.numpy() for variable in variables]
    mismatch = None
    for index, epoch in enumerate(epochs):
        weights = _weights_path(backup_dir, epoch)
        try:
            state = _read_state(backup_dir, epoch)
            model.load_weights(weights)
            return state
        except _Unreadable as error:
            problem = str(error)
        except ValueError as error:  # another model, or damaged data read as one
            mismatch = mismatch or (weights, error)
            problem = f"cannot be loaded ({_detail(error)})"
        except (OSError, RuntimeError, KeyError) as error:
            problem = f"cannot be read ({_detail(error)})"
        for variable, value in zip(variables, initial):
            variable.assign(value)
        if index + 1 == len(epochs) and mismatch:
            # No generation fits: the model changed, not a damaged file.
            raise DataError(
                f"{mismatch[0]}: cannot resume, the backup was written for a different "
                f"model ({_detail(mismatch[1])}...); use a new run directory or delete "
                f"{backup_dir}"
            ) from None
        after = (f"resuming from the previous backup (epoch {epochs[index + 1]})"
                 if index + 1 < len(epochs) else "training starts afresh")
        print(f"{weights}: {problem}; {after}", flush=True)
    return RunState()


class _Unreadable(Exception):
    """A generation whose files are incomplete or damaged."""


def _read_state(backup_dir, epoch):
    path = _state_path(backup_dir, epoch)
    try:
        with open(path, encoding="utf-8") as stream:
            record = json.load(stream)
        best, expected = record["best"], int(record["weights_bytes"])
    except (ValueError, KeyError, TypeError) as error:
        raise _Unreadable(f"{path} is damaged ({error})") from None
    found = os.path.getsize(_weights_path(backup_dir, epoch))
    if found != expected:
        raise _Unreadable(f"incomplete ({found} of {expected} bytes)")
    return RunState(epoch, -math.inf if best is None else float(best))


def _detail(error):
    """The telling line of a load error (the shape line of a mismatch), cut short."""
    lines = str(error).strip().splitlines() or [type(error).__name__]
    return next((line for line in lines if "shape" in line), lines[0])[:200]


def _committed_epochs(backup_dir):
    """Epochs with a generation JSON (and its weights), newest first."""
    epochs = []
    for path in glob.glob(os.path.join(glob.escape(backup_dir), "epoch-*.json")):
        match = _STATE_NAME.search(os.path.basename(path))
        epoch = int(match.group(1)) if match else None
        if epoch is not None and os.path.isfile(_weights_path(backup_dir, epoch)):
            epochs.append(epoch)
    return sorted(epochs, reverse=True)


def _prune(backup_dir):
    """Removes the temporary files of killed writes (``.epoch-*``) and every
    generation file not among the kept ones."""
    keep = _committed_epochs(backup_dir)[:GENERATIONS]
    kept = {path(backup_dir, epoch) for epoch in keep for path in (_state_path, _weights_path)}
    # The JSON files first: a generation is gone once its JSON is.
    for pattern in (".epoch-*", "epoch-*.json", f"epoch-*{WEIGHTS_SUFFIX}"):
        for path in glob.glob(os.path.join(glob.escape(backup_dir), pattern)):
            if path not in kept and os.path.isfile(path):
                os.remove(path)


def _state_path(backup_dir, epoch):
    return os.path.join(backup_dir, f"epoch-{epoch:06d}.json")


def _weights_path(backup_dir, epoch):
    return os.path.join(backup_dir, f"epoch-{epoch:06d}{WEIGHTS_SUFFIX}")
