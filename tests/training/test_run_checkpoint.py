"""Backup generations survive kills and damage; a resumed run's history and best
score continue from the generation its weights come from."""

import csv
import math
import os

import keras
import numpy as np
import pytest

from mfafnet_tf.errors import DataError
from mfafnet_tf.training.callbacks import cut_history, resume_run
from mfafnet_tf.training.run_checkpoint import RunState, restore_run, save_generation


def _model(seed=0, units=2):
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(units)])
    model.compile(keras.optimizers.Adam(0.1), "mse")
    return model


def _train_step(model):
    model.fit(np.ones((4, 3)), np.ones((4, model.output_shape[-1])), verbose=0)
    return [w.copy() for w in model.get_weights()]


@pytest.fixture()
def two_generations(tmp_path):
    """A backup with generations after epochs 1 and 2, and the weights of each."""
    backup = str(tmp_path / "run" / "backup")
    model = _model()
    first = _train_step(model)
    save_generation(model, backup, RunState(1, 0.3))
    second = _train_step(model)
    save_generation(model, backup, RunState(2, 0.5))
    return backup, first, second


def _assert_weights(model, expected):
    for got, want in zip(model.get_weights(), expected):
        np.testing.assert_array_equal(got, want)


def test_newest_generation_restores_weights_optimizer_epoch_and_best(two_generations):
    backup, _, second = two_generations
    model = _model(seed=1)
    assert restore_run(model, backup) == RunState(2, 0.5)
    _assert_weights(model, second)
    assert int(model.optimizer.iterations.numpy()) == 2


@pytest.mark.parametrize("share", [0.0, 0.001, 0.3, 0.5, 0.9, 0.9999])
def test_truncated_newest_generation_falls_back_to_the_previous(two_generations, share, capsys):
    backup, first, _ = two_generations
    newest = os.path.join(backup, "epoch-000002.weights.h5")
    with open(newest, "r+b") as stream:
        stream.truncate(int(os.path.getsize(newest) * share))
    model = _model(seed=1)
    assert restore_run(model, backup) == RunState(1, 0.3)
    _assert_weights(model, first)
    out = capsys.readouterr().out
    assert out.startswith(f"{newest}: incomplete (") and "resuming from the previous backup (epoch 1)" in out


@pytest.mark.parametrize("offset", [0, 0.1, 0.5, 0.98])
def test_damaged_newest_generation_falls_back_with_a_printed_line(two_generations, offset, capsys):
    backup, first, _ = two_generations
    newest = os.path.join(backup, "epoch-000002.weights.h5")
    data = bytearray(open(newest, "rb").read())
    start = int(len(data) * offset)
    data[start:start + 200] = b"\xff" * 200  # the size stays right
    open(newest, "wb").write(bytes(data))
    model = _model(seed=1)
    assert restore_run(model, backup) == RunState(1, 0.3)
    _assert_weights(model, first)
    out = capsys.readouterr().out
    assert out.startswith(f"{newest}: ") and "resuming from the previous backup (epoch 1)" in out


def test_unreadable_only_generation_starts_afresh_with_the_initial_weights(tmp_path, capsys):
    backup = str(tmp_path / "backup")
    model = _model()
    _train_step(model)
    save_generation(model, backup, RunState(1, 0.3))
    weights = os.path.join(backup, "epoch-000001.weights.h5")
    size = os.path.getsize(weights)
    with open(weights, "r+b") as stream:
        stream.truncate(1000)
    fresh = _model(seed=1)
    initial = [w.copy() for w in fresh.get_weights()]
    assert restore_run(fresh, backup) == RunState()
    _assert_weights(fresh, initial)
    assert capsys.readouterr().out == f"{weights}: incomplete (1000 of {size} bytes); training starts afresh\n"
    fresh.fit(np.ones((4, 3)), np.ones((4, 2)), verbose=0)  # trains from scratch


def test_kill_during_the_first_write_leaves_a_startable_run(tmp_path):
    backup = tmp_path / "backup"
    backup.mkdir()
    # What SIGKILLs during the first save leave: a partial temporary file;
    # and, killed between the two renames, weights without their JSON.
    (backup / ".epoch-000001.weights.h5.k3j2l1.weights.h5").write_bytes(b"\x89HDF\r\n" * 50)
    (backup / "epoch-000002.weights.h5").write_bytes(b"\x89HDF\r\n" * 50)
    (backup / ".epoch-000002.json.x9y8.tmp").write_text('{"epo')
    (backup / "notes.txt").write_text("mine")
    model = _model()
    assert restore_run(model, str(backup)) == RunState()
    assert sorted(os.listdir(backup)) == ["notes.txt"]


def test_only_two_generations_are_kept(tmp_path):
    backup = str(tmp_path / "backup")
    model = _model()
    for epoch in range(1, 5):
        save_generation(model, backup, RunState(epoch, -math.inf))
    assert sorted(os.listdir(backup)) == [
        "epoch-000003.json", "epoch-000003.weights.h5", "epoch-000004.json", "epoch-000004.weights.h5"]
    assert restore_run(_model(), backup) == RunState(4, -math.inf)


def test_backup_of_another_model_is_an_error_not_a_fresh_start(two_generations):
    backup, _, _ = two_generations
    with pytest.raises(DataError, match=r"epoch-000002\.weights\.h5: cannot resume, the backup "
                                        r"was written for a different model .*use a new run directory"):
        restore_run(_model(units=5), backup)
    assert len(os.listdir(backup)) == 4  # nothing deleted


def _write_history(path, rows):
    with open(path, "w", newline="") as stream:
        stream.write("epoch,loss,val_mean_iou\n" + "".join(rows))


def _history(path):
    with open(path, newline="") as stream:
        return [(row["epoch"], row["val_mean_iou"]) for row in csv.DictReader(stream)]


def test_history_is_cut_to_the_epochs_of_the_backup(tmp_path):
    path = str(tmp_path / "history.csv")
    # Epochs 0-2 logged, a resume after epoch 1 logged epoch 1 again, then a
    # kill after logging epoch 2 a second time and in the middle of epoch 3's row.
    _write_history(path, ["0,1.0,0.2\n", "1,0.9,0.3\n", "2,0.8,0.44\n",
                          "1,0.9,0.31\n", "2,0.8,0.35\n", "3,0.7"])
    cut_history(path, 2)
    assert _history(path) == [("0", "0.2"), ("1", "0.31")]
    cut_history(path, 0)
    assert not os.path.exists(path)
    cut_history(path, 3)  # no history: nothing to do


def test_resume_run_restores_best_and_history_from_the_same_generation(two_generations, capsys):
    backup, first, _ = two_generations
    run_dir = os.path.dirname(backup)
    history = os.path.join(run_dir, "history.csv")
    # Epochs 0 and 1 logged; epoch 1's backup was cut short by a kill after its
    # row and best.keras were written: the history's 0.44 is no saved backup's.
    _write_history(history, ["0,1.0,0.3\n", "1,0.9,0.44\n"])
    with open(os.path.join(backup, "epoch-000002.weights.h5"), "r+b") as stream:
        stream.truncate(10)
    leftovers = [".best.keras.4242.tmp.keras", ".model.keras.x1y2abcd.tmp.keras",
                 ".history.csv.abc_defg.tmp"]
    others = ["best.keras.tmp.keras", "notes.best.keras", ".best.keras", "config.yaml"]
    for name in leftovers + others:
        open(os.path.join(run_dir, name), "w").close()

    model = _model(seed=1)
    state = resume_run(model, run_dir)
    assert state == RunState(1, 0.3)
    _assert_weights(model, first)
    assert _history(history) == [("0", "0.3")]
    remaining = set(os.listdir(run_dir))
    assert not remaining & set(leftovers) and set(others) <= remaining
