"""End-to-end training runs: outputs, MFAFNet-tiny, mirrored replicas."""

import csv
import json
import os

import keras
import numpy as np
import pytest

from mfafnet_tf.cli.main import main
from mfafnet_tf.config import load_config
from mfafnet_tf.training import train


def _rows(run_dir):
    with open(os.path.join(run_dir, "history.csv"), newline="") as stream:
        return list(csv.DictReader(stream))


@pytest.mark.slow
def test_two_step_mfafnet_tiny_run_writes_outputs(tiny_recipe, tmp_path):
    run_dir = str(tmp_path / "run")
    overrides = ["model.name=mfafnet", "model.preset=tiny", "model.widths=null",
                 "train.epochs=1", "train.steps_per_epoch=2"]
    args = ["train", "--recipe", tiny_recipe, "--run-dir", run_dir]
    for override in overrides:
        args += ["--override", override]
    assert main(args) == 0

    resolved = load_config(os.path.join(run_dir, "config.yaml"))
    assert resolved == load_config(tiny_recipe, overrides)
    rows = _rows(run_dir)
    assert [row["epoch"] for row in rows] == ["0"]
    assert {"loss", "mean_iou", "pixel_accuracy", "val_mean_iou"} <= set(rows[0])
    assert np.isfinite(float(rows[0]["loss"]))
    events = [name for _, _, names in os.walk(os.path.join(run_dir, "logs")) for name in names]
    assert any(name.startswith("events.out.tfevents") for name in events)
    with open(os.path.join(run_dir, "backup", "epoch-000001.json")) as stream:
        assert json.load(stream)["epoch"] == 1

    import mfafnet_tf.models  # noqa: F401  (registers the layers for loading)

    best = keras.saving.load_model(os.path.join(run_dir, "best.keras"))
    assert type(best).__name__ == "MFAFNet"
    assert best.optimizer.iterations.numpy() == 2  # saved after the two steps
    assert os.path.getsize(os.path.join(run_dir, "model.keras")) > 0


@pytest.mark.slow
def test_mirrored_strategy_over_two_cpu_devices(tiny_recipe, tmp_path):
    config = load_config(
        tiny_recipe,
        ["runtime.strategy=mirrored", "runtime.devices=['/cpu:0', '/cpu:1']", "train.epochs=2"],
    )
    seen = {}

    class Probe(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            seen["replicas"] = self.model.distribute_strategy.num_replicas_in_sync

    model, history = train(config, str(tmp_path / "run"), callbacks=[Probe()])
    assert seen["replicas"] == 2
    norms = [layer for layer in model._flatten_layers() if isinstance(layer, keras.layers.BatchNormalization)]
    assert norms and all(layer.synchronized for layer in norms)
    assert len(history.history["loss"]) == 2
    assert all(np.isfinite(history.history["val_loss"]))
    assert history.history["loss"][1] < history.history["loss"][0] * 1.5


def test_bad_recipe_exits_with_message(tmp_path, capsys):
    recipe = tmp_path / "r.yaml"
    recipe.write_text("train: {epochz: 3}\n")
    code = main(["train", "--recipe", str(recipe), "--run-dir", str(tmp_path / "run")])
    assert code == 1
    error = capsys.readouterr().err
    assert "train.epochz" in error and "epochs" in error
    assert not (tmp_path / "run").exists()
