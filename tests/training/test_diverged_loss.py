"""A run whose training loss turns NaN stops with a clear error and writes nothing of that epoch."""

import csv
import glob
import os

import pytest

from mfafnet_tf.config import load_config
from mfafnet_tf.errors import TrainingError
from mfafnet_tf.training import train
from mfafnet_tf.training.diverged_loss_guard import DivergedLossGuard


def test_guard_raises_on_nan_and_inf_only():
    guard = DivergedLossGuard("runs/x")
    guard.on_epoch_end(0, {"loss": 0.5})
    guard.on_epoch_end(0, {})
    for value in (float("nan"), float("inf")):
        with pytest.raises(TrainingError, match=r"runs/x: the training loss of epoch 3 is"):
            guard.on_epoch_end(2, {"loss": value})


@pytest.mark.slow
def test_diverged_epoch_is_not_recorded_and_the_run_resumes(tiny_recipe, tmp_path):
    run_dir = str(tmp_path / "run")
    train(load_config(tiny_recipe), run_dir)
    best = os.path.join(run_dir, "best.keras")
    best_written = os.path.getmtime(best)

    # A learning rate that blows the weights up in the second epoch's first step.
    with pytest.raises(TrainingError, match=rf"{run_dir}: the training loss of epoch 2 is"):
        train(load_config(tiny_recipe, ["train.epochs=2", "train.learning_rate=1.0e+30"]), run_dir)
    with open(os.path.join(run_dir, "history.csv"), newline="") as stream:
        assert [int(row["epoch"]) for row in csv.DictReader(stream)] == [0]
    assert [os.path.basename(p) for p in glob.glob(os.path.join(run_dir, "backup", "epoch-*.json"))] \
        == ["epoch-000001.json"]
    assert os.path.getmtime(best) == best_written

    # The same run with a sane learning rate continues from epoch 1.
    train(load_config(tiny_recipe, ["train.epochs=2"]), run_dir)
    with open(os.path.join(run_dir, "history.csv"), newline="") as stream:
        assert [int(row["epoch"]) for row in csv.DictReader(stream)] == [0, 1]
