"""Robustness evaluation: deterministic cloud masks, degraded scenes, scores and reports."""

import csv
import types

import numpy as np
import pytest
import tensorflow as tf

from mfafnet_tf.cli.main import main
from mfafnet_tf.data import Window, get_dataset, synthesize
from mfafnet_tf.errors import ConfigError
from mfafnet_tf.evaluation.degradation import CloudMask, DegradedScene
from mfafnet_tf.evaluation.robustness import degraded_scores, robustness_markdown, write_robustness
from mfafnet_tf.inference import ModelRunner

NUM_CLASSES = 7


def test_cloud_masks_are_deterministic_per_seed_and_nested():
    shape = (150, 200)
    whole = Window(0, 0, 200, 150)
    half = CloudMask(shape, 0.5, seed=3, name="a").window(whole)
    np.testing.assert_array_equal(half, CloudMask(shape, 0.5, seed=3, name="a").window(whole))
    assert not np.array_equal(half, CloudMask(shape, 0.5, seed=4, name="a").window(whole))
    assert not np.array_equal(half, CloudMask(shape, 0.5, seed=3, name="b").window(whole))
    for share in (0.25, 0.5, 0.75):
        assert abs(CloudMask(shape, share, seed=3, name="a").window(whole).mean() - share) < 0.03
    quarter = CloudMask(shape, 0.25, seed=3, name="a").window(whole)
    assert (half[quarter]).all()  # a larger share covers the smaller one's clouds
    assert (half[:, 1:] == half[:, :-1]).mean() > 0.95  # cloud-shaped, not salt and pepper
    # A window of the mask is the same part of the whole mask.
    np.testing.assert_array_equal(CloudMask(shape, 0.5, 3, "a").window(Window(30, 20, 50, 40)),
                                  half[20:60, 30:80])
    assert not CloudMask(shape, 0.0).window(whole).any() and CloudMask(shape, 1.0).window(whole).all()
    with pytest.raises(ConfigError, match="removed share: expected 0..1, found 1.5"):
        CloudMask(shape, 1.5)


def _sar_threshold_runner():
    """Class 3 (water) where the SAR is dark, else class 1; needs only the SAR."""
    def predict(optical, sar):
        dark = tf.cast(sar[..., 0] < 60.0, tf.int32)
        return tf.one_hot(1 + 2 * dark, NUM_CLASSES)

    return ModelRunner(predict, None, 1, NUM_CLASSES, None)


def _optical_runner():
    """Class 1 everywhere the optical is given (it takes only the optical)."""
    def predict(optical, sar):
        return tf.one_hot(tf.fill(tf.shape(optical)[:3], 1), NUM_CLASSES)

    return ModelRunner(predict, 4, None, NUM_CLASSES, None)


@pytest.fixture(scope="module")
def scenes(tmp_path_factory):
    root = tmp_path_factory.mktemp("scenes")
    split_file = synthesize(str(root), scenes=3, size=(64, 80), seed=2, progress=False)
    dataset = get_dataset("whu_opt_sar", str(root), split_file=split_file)
    return dataset, dataset.scenes()


def test_degraded_scene_removes_the_modality_under_the_mask(scenes):
    dataset, records = scenes
    with dataset.open(records[0]) as scene:
        mask = CloudMask((scene.height, scene.width), 0.5, 1, records[0].name)
        window = Window(8, 4, 40, 30)
        plain, degraded = scene.read(window), DegradedScene(scene, "optical", mask).read(window)
        covered = mask.window(window)
        assert np.isnan(degraded.optical[covered]).all()
        np.testing.assert_array_equal(degraded.optical[~covered], plain.optical[~covered])
        np.testing.assert_array_equal(degraded.sar, plain.sar)
        np.testing.assert_array_equal(degraded.valid, plain.valid & ~covered)
        assert DegradedScene(scene, "optical", mask).width == scene.width


def test_scores_count_pixels_without_a_class_as_wrong(scenes):
    dataset, records = scenes
    options = dict(tile=32, overlap=8, batch_size=2)
    sar_model = _sar_threshold_runner()
    clear = degraded_scores(sar_model, dataset, records, "optical", 0.0, **options)
    # A SAR-only model does not care about the optical.
    np.testing.assert_equal(degraded_scores(sar_model, dataset, records, "optical", 1.0, **options),
                            clear)  # NaN (a class not in the scenes) equals NaN
    # Without any SAR it gives no class anywhere: every scored pixel is wrong.
    gone = degraded_scores(sar_model, dataset, records, "sar", 1.0, **options)
    assert gone["pixels"] == clear["pixels"] > 0 and gone["mIoU"] == 0.0 and gone["aAcc"] == 0.0
    # Per-class IoU by class name; the mIoU is their mean over the classes seen.
    assert list(clear["per_class_iou"]) == list(dataset.class_names)
    seen = [iou for iou in clear["per_class_iou"].values() if np.isfinite(iou)]
    assert clear["mIoU"] == pytest.approx(np.mean(seen)) and max(seen) > 0
    assert all(iou == 0.0 for iou in gone["per_class_iou"].values() if np.isfinite(iou))
    # An optical-only constant model: accuracy falls with the share removed.
    accuracies = [degraded_scores(_optical_runner(), dataset, records, "optical", share, **options)["aAcc"]
                  for share in (0.0, 0.5, 1.0)]
    assert accuracies[0] > accuracies[1] > accuracies[2] == 0.0


def test_reports_have_a_row_per_evaluation_and_a_plot(tmp_path):
    rows = [{"run": run, "removed": modality, "share": share, "mIoU": score, "aAcc": score,
             "pixels": 10}
            for run, base in (("fusion", 0.8), ("unet_sar", 0.6))
            for modality in ("optical", "sar")
            for share, score in ((0.0, base), (1.0, base / 2))]
    paths = write_robustness(tmp_path, rows)
    with open(paths["csv"], encoding="utf-8") as stream:
        written = list(csv.DictReader(stream))
    assert len(written) == 8 and written[1] == {
        "run": "fusion", "removed": "optical", "share": "1.0", "mIoU": "0.4", "aAcc": "0.4", "pixels": "10"}
    markdown = robustness_markdown(rows)
    assert "| run | 0 % | 100 % |" in markdown and "| unet_sar | 60.00 | 30.00 |" in markdown
    assert markdown.count("removed from a share") == 2
    with open(paths["plot"], "rb") as stream:
        assert stream.read(8) == b"\x89PNG\r\n\x1a\n"


def test_seed_averaged_rows_keep_their_spread(tmp_path):
    rows = [{"run": "fusion", "removed": "optical", "share": share, "mIoU": 0.8 - share / 2,
             "mIoU_std": 0.015, "aAcc": 0.9, "pixels": 10} for share in (0.0, 1.0)]
    paths = write_robustness(tmp_path, rows)
    with open(paths["csv"], encoding="utf-8") as stream:
        assert next(csv.DictReader(stream))["mIoU_std"] == "0.015"
    markdown = robustness_markdown(rows)
    assert "mean ± std over the seeds" in markdown
    assert "| fusion | 80.00 ± 1.50 | 30.00 ± 1.50 |" in markdown


def test_command_rejects_a_bad_share_and_a_missing_run(tmp_path, capsys):
    assert main(["robustness", str(tmp_path), "--out", str(tmp_path / "o")]) == 1
    assert "expected a run directory with config.yaml" in capsys.readouterr().err
    (tmp_path / "config.yaml").write_text("name: x\n")
    assert main(["robustness", str(tmp_path), "--out", str(tmp_path / "o"), "--shares", "0,150"]) == 1
    assert "--shares: expected percentages in 0..100, found '0,150'" in capsys.readouterr().err


@pytest.fixture
def stubbed_runs(tmp_path, monkeypatch):
    """Writes run directories ``<variant>/seed0`` (config.yaml only); evaluation is stubbed."""
    from mfafnet_tf.evaluation import robustness

    class Dataset:
        name = "stub"

        def scenes(self, split):
            return ["scene"]

    monkeypatch.setattr(robustness, "open_dataset", lambda config: Dataset())
    monkeypatch.setattr(robustness, "run_model_path", lambda run_dir: run_dir)
    monkeypatch.setattr(robustness, "load_model", lambda path: types.SimpleNamespace(training_patch=None))
    monkeypatch.setattr(robustness, "degraded_scores", lambda runner, *args, **options: {
        "mIoU": 0.5, "aAcc": 0.5, "pixels": 1, "per_class_iou": {}})

    def make(*recipes):
        run_dirs = []
        for variant, recipe in recipes:
            run_dir = tmp_path / variant / "seed0"
            run_dir.mkdir(parents=True)
            (run_dir / "config.yaml").write_text(recipe)
            run_dirs.append(str(run_dir))
        return run_dirs

    return make


def _robustness_runs(run_dirs, out, *options):
    assert main(["robustness", *run_dirs, "--out", str(out), "--modalities", "sar",
                 "--shares", "0,100", "--quiet", *options]) == 0
    with open(out / "robustness.csv", encoding="utf-8") as stream:
        return list(dict.fromkeys(row["run"] for row in csv.DictReader(stream)))


def test_runs_are_named_by_recipe_and_seed_not_by_folder(stubbed_runs, tmp_path, capsys):
    distinct = stubbed_runs(("a", "name: mfafnet\n"), ("b", "name: unet\n"))
    assert _robustness_runs(distinct, tmp_path / "o1") == ["mfafnet", "unet"]
    assert "| mfafnet | 50.00 | 50.00 |\n| unet | 50.00 | 50.00 |" in capsys.readouterr().out
    assert _robustness_runs(distinct, tmp_path / "o2", "--names", "fusion, sar") == ["fusion", "sar"]
    seeds = stubbed_runs(("c", "name: tiny\n"), ("d", "name: tiny\nruntime: {seed: 1}\n"))
    assert _robustness_runs(seeds, tmp_path / "o3") == ["tiny/seed0", "tiny/seed1"]


def test_duplicate_run_names_are_refused(stubbed_runs, tmp_path, capsys):
    same = stubbed_runs(("a", "name: tiny\n"), ("b", "name: tiny\n"))
    for options, expected in (
            ([], f"run names: {same[0]} and {same[1]} are both named 'tiny/seed0'; give each "
                 f"run its own name with --names"),
            (["--names", "x,x"], "are both named 'x'"),
            (["--names", "x"], "--names: expected 2 names (one per run directory), found 1: x")):
        assert main(["robustness", *same, "--out", str(tmp_path / "o"), *options]) == 1
        assert expected in capsys.readouterr().err
    assert not (tmp_path / "o").exists()
