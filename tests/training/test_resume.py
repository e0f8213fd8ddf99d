"""A training process killed with SIGKILL resumes after its last completed epoch."""

import csv
import glob
import os
import signal
import subprocess
import sys
import time

import keras
import numpy as np
import pytest

from mfafnet_tf.config import load_config
from mfafnet_tf.training import build_model, compile_model, train
from mfafnet_tf.training.best_model_checkpoint import BestModelCheckpoint
from mfafnet_tf.training.data_setup import load_dataset_info

OVERRIDES = ["train.epochs=400", "train.steps_per_epoch=1", "train.validation_steps=1"]


def _completed_epochs(run_dir):
    names = glob.glob(os.path.join(run_dir, "backup", "epoch-*.json"))
    return max((int(os.path.basename(name)[6:12]) for name in names), default=0)


def _history_epochs(run_dir):
    with open(os.path.join(run_dir, "history.csv"), newline="") as stream:
        return [int(row["epoch"]) for row in csv.DictReader(stream)]


@pytest.mark.slow
def test_sigkilled_run_resumes_with_restored_weights(tiny_recipe, tmp_path):
    run_dir = str(tmp_path / "run")
    command = [sys.executable, "-m", "mfafnet_tf.cli.main", "train",
               "--recipe", tiny_recipe, "--run-dir", run_dir]
    for override in OVERRIDES:
        command += ["--override", override]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 240
    try:
        while _completed_epochs(run_dir) < 3:
            assert process.poll() is None, process.stderr.read().decode()[-3000:]
            assert time.monotonic() < deadline, "no epoch completed in time"
            time.sleep(0.2)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    assert process.returncode == -signal.SIGKILL

    completed = _completed_epochs(run_dir)
    config = load_config(tiny_recipe, OVERRIDES)
    info = load_dataset_info(config)
    keras.utils.set_random_seed(config.runtime.seed)
    checkpoint = compile_model(build_model(config, info), config, 1)
    fresh = [w.copy() for w in checkpoint.get_weights()]  # what a restart without restore has
    checkpoint.optimizer.build(checkpoint.trainable_variables)
    checkpoint.load_weights(os.path.join(run_dir, "backup", f"epoch-{completed:06d}.weights.h5"))

    seen = {}

    class Probe(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            seen["weights"] = [w.copy() for w in self.model.get_weights()]
            seen["iterations"] = int(self.model.optimizer.iterations.numpy())

        def on_epoch_begin(self, epoch, logs=None):
            seen.setdefault("first_epoch", epoch)

        def on_epoch_end(self, epoch, logs=None):
            self.model.stop_training = True

    # The same recipe, overrides and run directory as the killed command.
    train(config, run_dir, callbacks=[Probe()])

    assert seen["first_epoch"] == completed >= 3
    assert seen["iterations"] == completed  # one step per epoch, optimizer state restored
    for restored, saved in zip(seen["weights"], checkpoint.get_weights()):
        np.testing.assert_array_equal(restored, saved)
    assert any(not np.array_equal(a, b) for a, b in zip(seen["weights"], fresh))
    # One row per epoch: a row the kill logged for an epoch without a backup is dropped.
    assert _history_epochs(run_dir) == list(range(completed + 1))


@pytest.mark.slow
def test_backup_of_another_model_is_a_clear_error(tiny_recipe, tmp_path, capsys):
    from mfafnet_tf.cli.main import main

    run_dir = str(tmp_path / "run")
    assert main(["train", "--recipe", tiny_recipe, "--run-dir", run_dir]) == 0
    wider = ["--override", "model.widths=[8, 16, 64]"]
    assert main(["train", "--recipe", tiny_recipe, "--run-dir", run_dir, *wider]) == 1
    assert "run: holds a run of another recipe (model.widths: [8, 16, 32] there, [8, 16, 64] now)" \
        in capsys.readouterr().err
    # Without the recipe it was trained with, the backup itself is checked.
    os.remove(os.path.join(run_dir, "config.yaml"))
    assert main(["train", "--recipe", tiny_recipe, "--run-dir", run_dir, *wider]) == 1
    error = capsys.readouterr().err
    assert "backup/epoch-000001.weights.h5: cannot resume" in error
    assert "use a new run directory" in error


def _newest_backup_weights(run_dir):
    names = glob.glob(os.path.join(run_dir, "backup", "*.weights.h5*"))
    return max(names, key=os.path.getmtime)


def _log_row_of_unsaved_epoch(run_dir, epoch):
    """Appends what a kill after the CSV row, before the backup, leaves."""
    with open(os.path.join(run_dir, "history.csv"), newline="") as stream:
        fields = next(csv.reader(stream))
    row = {field: "0.999" for field in fields} | {"epoch": str(epoch)}
    with open(os.path.join(run_dir, "history.csv"), "a", newline="") as stream:
        csv.DictWriter(stream, fields).writerow(row)


@pytest.mark.slow
def test_run_whose_only_backup_is_truncated_starts_afresh(tiny_recipe, tmp_path, capsys):
    """A kill during the first backup write (issue 24): the rerun starts over
    with a printed line, drops the stale history and the killed run's temporary file."""
    run_dir = str(tmp_path / "run")
    train(load_config(tiny_recipe), run_dir)
    newest = _newest_backup_weights(run_dir)
    with open(newest, "r+b") as stream:
        stream.truncate(os.path.getsize(newest) // 3)
    _log_row_of_unsaved_epoch(run_dir, 1)
    leftover = os.path.join(run_dir, ".best.keras.4242.tmp.keras")
    open(leftover, "wb").close()
    capsys.readouterr()

    train(load_config(tiny_recipe, ["train.epochs=2"]), run_dir)
    out = capsys.readouterr().out
    assert f"{newest}: incomplete" in out and "training starts afresh" in out
    assert _history_epochs(run_dir) == [0, 1]
    assert not os.path.exists(leftover)


@pytest.mark.slow
def test_history_and_best_resume_from_the_backup_epoch(tiny_recipe, tmp_path, monkeypatch):
    """A kill after an epoch's CSV row, before its backup (issue 24): the rerun
    redoes that epoch once and does not hold the unsaved score as the best."""
    run_dir = str(tmp_path / "run")
    train(load_config(tiny_recipe), run_dir)
    with open(os.path.join(run_dir, "history.csv"), newline="") as stream:
        (first_epoch,) = csv.DictReader(stream)
    _log_row_of_unsaved_epoch(run_dir, 1)
    best_at_start = []
    monkeypatch.setattr(BestModelCheckpoint, "on_train_begin",
                        lambda self, logs=None: best_at_start.append(self.best), raising=False)

    train(load_config(tiny_recipe, ["train.epochs=2"]), run_dir)
    assert _history_epochs(run_dir) == [0, 1]
    with open(os.path.join(run_dir, "history.csv"), newline="") as stream:
        assert "0.999" not in stream.read()
    # best.keras holds epoch 0's model: epoch 1 must beat its score, not 0.999.
    assert best_at_start == [pytest.approx(float(first_epoch["val_mean_iou"]), rel=1e-6)]
