"""``mfafnet evaluate`` on a trained run directory (whole test scenes)."""

import json
import os

import numpy as np
import pytest

from mfafnet_tf.cli.main import main
from mfafnet_tf.config import load_config
from mfafnet_tf.data import Window
from mfafnet_tf.training.data_setup import open_dataset


@pytest.mark.slow
def test_evaluate_run_dir(tiny_recipe, tmp_path, capsys):
    run_dir = str(tmp_path / "run")
    assert main(["train", "--recipe", tiny_recipe, "--run-dir", run_dir]) == 0
    assert main(["evaluate", "--run-dir", run_dir, "--tile", "32", "--overlap", "8"]) == 0
    printed = capsys.readouterr().out
    assert "| aAcc | mIoU | mAcc | mF1 | kappa |" in printed

    dataset = open_dataset(load_config(tiny_recipe))
    records = dataset.scenes("test")
    scored = 0
    for record in records:
        with dataset.open(record) as scene:
            whole = scene.read(Window(0, 0, scene.width, scene.height))
        labels = dataset.map_labels(whole.label)
        scored += int(((labels < dataset.num_classes) & whole.valid).sum())
    with open(os.path.join(run_dir, "metrics.json")) as stream:
        metrics = json.load(stream)
    assert metrics["scenes"] == [record.name for record in records]
    assert metrics["protocol"] == "ignore_background"
    assert metrics["pixels"] == scored == np.sum(metrics["confusion_matrix"])
    assert 0.0 <= metrics["aAcc"] <= 1.0
    for name in ("metrics.md", "confusion_matrix.png"):
        assert os.path.exists(os.path.join(run_dir, name))

    # The model has 7 classes; counting background as a class needs 8.
    assert main(["evaluate", "--run-dir", run_dir, "--protocol", "with_background"]) == 1
    assert "predicts 7 classes" in capsys.readouterr().err


@pytest.mark.parametrize("out", [None, "elsewhere"])
def test_evaluate_run_dir_writes_into_out_or_the_run_directory(tmp_path, monkeypatch, capsys, out):
    from mfafnet_tf.evaluation import report, scene_evaluation

    run_dir = tmp_path / "run"
    run_dir.mkdir()
    (run_dir / "config.yaml").write_text("name: tiny\n")
    (run_dir / "best.keras").write_bytes(b"")
    written = []

    def evaluate_run(config, model_path, out_dir, **options):
        written.append((config.name, model_path, out_dir))
        return {"protocol": "ignore_background"}, {"metrics": os.path.join(out_dir, "metrics.json")}

    monkeypatch.setattr(scene_evaluation, "evaluate_run", evaluate_run)
    monkeypatch.setattr(report, "metrics_markdown", lambda scores, protocol: "")
    arguments = ["evaluate", "--run-dir", str(run_dir)]
    assert main(arguments + (["--out", str(tmp_path / out)] if out else [])) == 0
    expected = str(tmp_path / out) if out else str(run_dir)
    assert written == [("tiny", str(run_dir / "best.keras"), expected)]
    assert f"wrote {expected}" in capsys.readouterr().out
