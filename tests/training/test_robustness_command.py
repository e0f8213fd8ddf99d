"""``mfafnet robustness`` on trained run directories."""

import csv
import os

import pytest

from mfafnet_tf.cli.main import main


@pytest.mark.slow
def test_robustness_command_scores_every_run_share_and_modality(tiny_recipe, tmp_path, capsys):
    runs = {"fusion": [], "sar_only": ["--override", "model.modalities=[sar]"]}
    for name, overrides in runs.items():
        assert main(["train", "--recipe", tiny_recipe, "--run-dir", str(tmp_path / name), *overrides]) == 0
    out = tmp_path / "robust"
    assert main(["robustness", *(str(tmp_path / name) for name in runs), "--out", str(out),
                 "--tile", "32", "--overlap", "8", "--quiet", "--names", ",".join(runs)]) == 0
    printed = capsys.readouterr().out
    assert "mIoU (%) with the optical removed" in printed and "| run | 0 % | 25 % | 50 % | 75 % | 100 % |" in printed
    with open(out / "robustness.csv", encoding="utf-8") as stream:
        rows = list(csv.DictReader(stream))
    assert len(rows) == 2 * 2 * 5
    score = {(row["run"], row["removed"], float(row["share"])): float(row["mIoU"]) for row in rows}
    pixels = {row["pixels"] for row in rows}
    assert len(pixels) == 1 and int(pixels.pop()) > 0  # the same pixels everywhere
    # The SAR-only run ignores the optical, and has no class at all without SAR.
    assert len({score[("sar_only", "optical", share)] for share in (0, 0.25, 0.5, 0.75, 1.0)}) == 1
    assert score[("sar_only", "sar", 1.0)] == 0.0
    assert score[("fusion", "optical", 0.0)] == score[("fusion", "sar", 0.0)]
    assert os.path.getsize(out / "robustness.png") > 1000
