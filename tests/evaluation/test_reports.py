"""metrics.json / metrics.md / PNG outputs and the comparison table."""

import json

import numpy as np
import pytest

from mfafnet_tf.cli.main import main
from mfafnet_tf.evaluation.report import write_evaluation
from mfafnet_tf.evaluation.scores import segmentation_scores


def _evaluate(run_dir, confusion):
    scores = segmentation_scores(np.array(confusion), ["water", "forest"])
    return write_evaluation(str(run_dir), scores, confusion, "ignore_background", ["s1"])


def test_evaluation_files(tmp_path):
    paths = _evaluate(tmp_path, [[3, 1], [0, 0]])
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["aAcc"] == pytest.approx(0.75)
    assert metrics["per_class_acc"]["forest"] is None  # NaN written as null
    assert metrics["confusion_matrix"] == [[3, 1], [0, 0]]
    assert metrics["scenes"] == ["s1"]
    markdown = (tmp_path / "metrics.md").read_text()
    assert "| water | 75.00 | 75.00 |" in markdown
    with open(paths["png"], "rb") as stream:
        assert stream.read(8) == b"\x89PNG\r\n\x1a\n"
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_compare_cli(tmp_path, capsys):
    _evaluate(tmp_path / "fusion", [[5, 0], [0, 5]])
    _evaluate(tmp_path / "sar", [[4, 1], [1, 4]])
    out_json, out_md = tmp_path / "c.json", tmp_path / "c.md"
    code = main(
        ["compare", str(tmp_path / "fusion"), str(tmp_path / "sar"),
         "--json", str(out_json), "--markdown", str(out_md)]
    )
    assert code == 0
    table = json.loads(out_json.read_text())
    assert list(table) == ["fusion", "sar"]
    assert table["sar"] == {
        "aAcc": pytest.approx(0.8), "mIoU": pytest.approx(4 / 6),
        "per_class_iou": {"water": pytest.approx(4 / 6), "forest": pytest.approx(4 / 6)},
    }
    printed = capsys.readouterr().out
    assert "| run | aAcc | mIoU | water | forest |" in printed
    assert "| sar | 80.00 | 66.67 | 66.67 | 66.67 |" in printed
    assert out_md.read_text() in printed


def test_compare_missing_metrics(tmp_path, capsys):
    assert main(["compare", str(tmp_path)]) == 1
    assert "metrics.json" in capsys.readouterr().err


def test_compare_refuses_runs_with_the_same_name(tmp_path, capsys):
    _evaluate(tmp_path / "a" / "small", [[5, 0], [0, 5]])
    _evaluate(tmp_path / "b" / "small", [[4, 1], [1, 4]])
    assert main(["compare", str(tmp_path / "a" / "small"), str(tmp_path / "b" / "small")]) == 1
    assert "['small'] occur more than once" in capsys.readouterr().err
