"""The leaderboard: each model at its better setting on clear data, its dropout setting under missing data."""

import json

import numpy as np
import pytest

from mfafnet_tf.cli.main import main
from mfafnet_tf.config import load_config, write_config
from mfafnet_tf.evaluation.leaderboard import leaderboard_markdown, load_leaderboard_runs
from mfafnet_tf.evaluation.report import write_evaluation
from mfafnet_tf.evaluation.scores import segmentation_scores

NO_DROPOUT = ["data.cloud_dropout=0.0", "data.sar_gap_dropout=0.0", "data.modality_dropout=0.0"]
DROPOUT = ["data.cloud_dropout=0.3", "data.sar_gap_dropout=0.3", "data.modality_dropout=0.3"]


def _run(root, model, setting, seed, correct, missing=None, cost=None, overrides=()):
    """An evaluated run: ``correct`` of 10 pixels of each class right."""
    run_dir = root / model / setting / f"seed{seed}"
    config = load_config(overrides=[f"name={model}", f"runtime.seed={seed}", *overrides,
                                    *(NO_DROPOUT if setting == "clear" else DROPOUT)])
    write_config(config, str(run_dir))
    confusion = np.array([[correct, 10 - correct], [10 - correct, correct]])
    write_evaluation(str(run_dir), segmentation_scores(confusion, ["water", "forest"]), confusion,
                     "ignore_background", ["s1"])
    if missing:
        (run_dir / "missing_data.json").write_text(json.dumps(dict(zip(("optical", "sar"), missing))))
    if cost:
        (run_dir / "model_cost.json").write_text(json.dumps(cost))
    return str(run_dir)


def _iou(correct):
    return 100 * correct / (20 - correct)


@pytest.fixture
def runs(tmp_path):
    cost = {"parameters": 2.5e6, "gflops": 1.25, "train_images_per_s": 20.0}
    return [
        # MFAFNet-small: better with the dropout, which also gives its missing-data scores.
        _run(tmp_path, "mfafnet_small", "dropout", 0, 9, (0.5, 0.6), cost),
        _run(tmp_path, "mfafnet_small", "dropout", 1, 8, (0.7, 0.8), cost),
        _run(tmp_path, "mfafnet_small", "clear", 0, 7, (0.1, 0.1), cost),
        _run(tmp_path, "mfafnet_small", "clear", 1, 7, (0.1, 0.1), cost),
        # The early-fusion UNet: better without the dropout on clear data.
        _run(tmp_path, "unet_optical_sar", "dropout", 0, 6, (0.3, 0.2),
             overrides=["model.name=unet"]),
        _run(tmp_path, "unet_optical_sar", "dropout", 1, 6, (0.3, 0.4),
             overrides=["model.name=unet"]),
        _run(tmp_path, "unet_optical_sar", "clear", 0, 9, (0.0, 0.0), overrides=["model.name=unet"]),
        _run(tmp_path, "unet_optical_sar", "clear", 1, 9, (0.0, 0.0), overrides=["model.name=unet"]),
        # A single-modality UNet has one setting (the dropout does not apply).
        _run(tmp_path, "unet_sar", "clear", 0, 5, (0.25, 0.0),
             overrides=["model.name=unet", "model.modalities=[sar]"]),
    ]


def test_each_model_at_its_best_setting_with_the_paired_delta(runs):
    models = load_leaderboard_runs(runs)
    assert set(models["unet_sar"]) == {"clear"}
    lines = leaderboard_markdown(models, "mfafnet_small").splitlines()
    rows = {line.split(" | ")[0].strip("| "): line.split(" | ") for line in lines[2:]}
    assert [line.split(" | ")[0].strip("| ") for line in lines[2:]] == [
        "unet_optical_sar", "mfafnet_small", "unet_sar"]
    header = [cell.strip("| ") for cell in lines[0].split(" | ")]
    column = {name: header.index(name) for name in header}
    small, unet = rows["mfafnet_small"], rows["unet_optical_sar"]
    assert small[column["clear: setting"]] == "dropout" and unet[column["clear: setting"]] == "clear"
    mean_small = (_iou(9) + _iou(8)) / 2
    assert small[column["clear mIoU"]].startswith(f"{mean_small:.2f} ± ")
    # Paired per seed against MFAFNet-small's best (dropout) runs.
    deltas = [_iou(9) - _iou(9), _iou(9) - _iou(8)]
    assert unet[column["Δ vs mfafnet_small (paired)"]] == f"{np.mean(deltas):.2f} ± {np.std(deltas, ddof=1):.2f}"
    # Missing data: the dropout runs' scores, not the clear runs'.
    assert unet[column["optical removed"]] == "30.00 ± 0.00"
    assert unet[column["SAR removed"]] == f"30.00 ± {np.std([20, 40], ddof=1):.2f}"
    assert small[column["optical removed"]] == f"60.00 ± {np.std([50, 70], ddof=1):.2f}"
    assert rows["unet_sar"][column["optical removed"]] == "25.00"  # one seed: no spread
    assert small[column["params (M)"]] == "2.50" and unet[column["params (M)"]] == "—"


def test_compare_leaderboard_prints_the_same_table(runs, tmp_path, capsys):
    assert main(["compare", "--leaderboard", "--reference", "mfafnet_small", *runs,
                 "--markdown", str(tmp_path / "board.md"), "--json", str(tmp_path / "board.json")]) == 0
    expected = leaderboard_markdown(load_leaderboard_runs(runs), "mfafnet_small")
    assert expected in capsys.readouterr().out
    assert (tmp_path / "board.md").read_text() == expected
    board = json.loads((tmp_path / "board.json").read_text())
    assert board["unet_sar"]["clear"]["0"]["missing"] == {"optical": 0.25, "sar": 0.0}


def test_plain_compare_names_seeded_runs_by_recipe_and_seed(runs, capsys):
    assert main(["compare", *runs[:2]]) == 0
    assert "| mfafnet_small/seed0 |" in capsys.readouterr().out


def test_the_same_model_setting_and_seed_twice_is_an_error(runs, tmp_path, capsys):
    again = _run(tmp_path / "again", "unet_sar", "clear", 0, 5)
    assert main(["compare", "--leaderboard", runs[-1], again]) == 1
    assert "both are unet_sar (clear) with seed 0" in capsys.readouterr().err


def test_an_unknown_reference_is_an_error_naming_the_models(runs, capsys):
    assert main(["compare", "--leaderboard", "--reference", "mfafnet_base", *runs]) == 1
    assert "'mfafnet_base': not among the runs' models (mfafnet_small, unet_optical_sar, unet_sar)" \
        in capsys.readouterr().err
    assert main(["compare", "--reference", "mfafnet_small", *runs[:2]]) == 1
