"""A training process killed with SIGKILL resumes after its last completed epoch."""

import csv
import json
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
from mfafnet_tf.training.data_setup import load_dataset_info

OVERRIDES = ["train.epochs=400", "train.steps_per_epoch=1", "train.validation_steps=1"]


def _completed_epochs(run_dir):
    path = os.path.join(run_dir, "backup", "training_metadata.json")
    if not os.path.exists(path):
        return 0
    try:
        with open(path) as stream:
            return json.load(stream)["epoch"]
    except ValueError:  # being written
        return 0


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
    checkpoint.load_weights(os.path.join(run_dir, "backup", "latest.weights.h5"))

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
    with open(os.path.join(run_dir, "history.csv"), newline="") as stream:
        epochs = [int(row["epoch"]) for row in csv.DictReader(stream)]
    assert epochs[-1] == completed  # the counter continues in the log
    assert epochs[:completed] == list(range(completed))


@pytest.mark.slow
def test_backup_of_another_model_is_a_clear_error(tiny_recipe, tmp_path, capsys):
    from mfafnet_tf.cli.main import main

    run_dir = str(tmp_path / "run")
    assert main(["train", "--recipe", tiny_recipe, "--run-dir", run_dir]) == 0
    wider = ["--override", "model.widths=[8, 16, 64]"]
    assert main(["train", "--recipe", tiny_recipe, "--run-dir", run_dir, *wider]) == 1
    error = capsys.readouterr().err
    assert "backup/latest.weights.h5: cannot resume" in error
    assert "use a new run directory" in error
