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


def test_compare_names_runs_of_the_same_name_by_their_paths(tmp_path, capsys):
    _evaluate(tmp_path / "a" / "small", [[5, 0], [0, 5]])
    _evaluate(tmp_path / "b" / "small", [[4, 1], [1, 4]])
    assert main(["compare", str(tmp_path / "a" / "small"), str(tmp_path / "b" / "small")]) == 0
    out = capsys.readouterr().out
    assert "| a/small |" in out and "| b/small |" in out


def _history(run_dir, values):
    rows = ["epoch,loss,mean_iou,val_loss,val_mean_iou"]
    rows += [f"{i},{1 / (i + 1)},{v},{1.2 / (i + 1)},{v - 0.05}" for i, v in enumerate(values)]
    (run_dir / "history.csv").write_text("\n".join(rows) + "\n")


def _embedded_images(page):
    return page.count('src="data:image/png;base64,')


def test_compare_writes_a_self_contained_html_report(tmp_path, capsys):
    from mfafnet_tf.evaluation.scene_panels import PANEL_DIR

    _evaluate(tmp_path / "fusion", [[5, 0], [0, 5]])
    _evaluate(tmp_path / "sar", [[4, 1], [1, 4]])
    _history(tmp_path / "fusion", [0.3, 0.5, 0.6])
    (tmp_path / "sar" / PANEL_DIR).mkdir()
    (tmp_path / "sar" / PANEL_DIR / "s1.png").write_bytes(b"\x89PNG\r\n\x1a\npanel")
    out = tmp_path / "report.html"
    assert main(["compare", str(tmp_path / "fusion"), str(tmp_path / "sar"),
                 "--html", str(out)]) == 0
    assert f"wrote {out}" in capsys.readouterr().out
    page = out.read_text()
    assert page.startswith("<!DOCTYPE html>") and "Comparison of 2 runs" in page
    assert "<td>sar</td><td>80.00</td><td>66.67</td>" in page            # metrics table
    assert "<td>water</td><td>100.00</td>" in page                       # per-class table
    # IoU chart, two confusion matrices, the curves, one panel; nothing fetched.
    assert _embedded_images(page) == 5
    assert "iVBORw0KGgpwYW5lbA==" in page                                # the panel's bytes
    assert "No history.csv for sar" in page
    assert "http" not in page.replace("http-equiv", "") and "<script" not in page


def test_html_report_of_one_run_without_history_or_panels(tmp_path):
    from mfafnet_tf.evaluation.html_report import load_run, report_html

    _evaluate(tmp_path / "run", [[3, 1], [0, 0]])
    page = report_html([load_run(tmp_path / "run")], "Evaluation of run")
    assert _embedded_images(page) == 2                                   # IoU chart, confusion
    assert "No panels." in page and "No history.csv for run" in page
    assert "<td>forest</td><td>0.00</td><td>-</td>" in page              # NaN as '-'
