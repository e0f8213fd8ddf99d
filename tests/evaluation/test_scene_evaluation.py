"""Whole-scene evaluation counts every scored pixel of every scene once."""

import os

import numpy as np
import tensorflow as tf

from mfafnet_tf.config import load_config
from mfafnet_tf.data import Window, get_dataset, synthesize
from mfafnet_tf.evaluation.scene_evaluation import evaluate_run, evaluate_scenes
from mfafnet_tf.inference import ModelRunner
from mfafnet_tf.models.unet.unet import UNet

NUM_CLASSES = 7


def _constant_runner(class_id):
    def predict(optical, sar):
        shape = tf.shape(optical)[:3]
        return tf.one_hot(tf.fill(shape, class_id), NUM_CLASSES)

    return ModelRunner(predict, 4, 1, NUM_CLASSES, None)


def test_constant_model_confusion_equals_label_counts(tmp_path):
    split_file = synthesize(str(tmp_path), scenes=2, size=(70, 50), seed=3, progress=False)
    dataset = get_dataset("whu_opt_sar", str(tmp_path), split_file=split_file)
    records = dataset.scenes()
    expected = np.zeros(NUM_CLASSES, np.int64)
    for record in records:
        with dataset.open(record) as scene:
            whole = scene.read(Window(0, 0, scene.width, scene.height))
        labels = dataset.map_labels(whole.label)
        scored = (labels < NUM_CLASSES) & whole.valid
        expected += np.bincount(labels[scored], minlength=NUM_CLASSES)

    # Tiles of 32 with overlap 8 over 70x50 scenes: edges not multiples of the tile.
    confusion = evaluate_scenes(
        _constant_runner(2), dataset, records, tile=32, overlap=8, batch_size=3, progress=False
    )
    assert confusion.sum() == expected.sum() > 0
    np.testing.assert_array_equal(confusion[:, 2], expected)
    assert confusion[:, [0, 1, 3, 4, 5, 6]].sum() == 0


def _sar_only_run(tmp_path, size):
    """(config, model path, split file): three synthetic scenes and a SAR-only UNet, patch 16."""
    split_file = synthesize(str(tmp_path / "scenes"), scenes=3, size=size, seed=4, progress=False)
    model_path = str(tmp_path / "sar_unet.keras")
    UNet(NUM_CLASSES, modalities=("sar",), widths=(4, 8), training_patch=16).save(model_path)
    config = load_config(overrides=[
        "data.dataset=whu_opt_sar", f"data.root={tmp_path / 'scenes'}",
        f"data.split_file={split_file}", "data.patch=16"])
    return config, model_path, split_file


def test_evaluate_run_scores_a_single_modality_model(tmp_path):
    """A SAR-only .keras model is evaluated on scenes that also carry optical bands."""
    config, model_path, split_file = _sar_only_run(tmp_path, (48, 40))
    dataset = get_dataset("whu_opt_sar", str(tmp_path / "scenes"), split_file=split_file)
    scored = 0
    for record in dataset.scenes("test"):
        with dataset.open(record) as scene:
            whole = scene.read(Window(0, 0, scene.width, scene.height))
        scored += int(((dataset.map_labels(whole.label) < NUM_CLASSES) & whole.valid).sum())
    (tmp_path / "history.csv").write_text("epoch,loss,val_loss\n0,1.0,1.1\n1,0.8,0.9\n")
    scores, paths = evaluate_run(config, model_path, str(tmp_path / "out"), progress=False)
    assert scores["pixels"] == scored > 0
    assert all(os.path.exists(path) for path in paths.values())
    tests = [record.name for record in dataset.scenes("test")]
    assert sorted(os.listdir(paths["panels"])) == sorted(f"{name}.png" for name in tests)
    page = open(paths["html"], encoding="utf-8").read()
    assert paths["html"] == str(tmp_path / "out" / "report.html")
    assert [name for name in tests if f'alt="out: {name}"' in page] == tests
    assert 'alt="training curves"' in page       # from the history.csv beside the model


def test_declared_label_nodata_is_not_scored(tmp_path):
    """A label file's declared nodata (not a class code) is ignored, not an error."""
    from osgeo import gdal

    split_file = synthesize(str(tmp_path), scenes=1, size=(40, 30), seed=5, progress=False)
    dataset = get_dataset("whu_opt_sar", str(tmp_path), split_file=split_file)
    (record,) = dataset.scenes()
    with dataset.open(record) as scene:
        before = scene.read(Window(0, 0, scene.width, scene.height))
    raster = gdal.Open(record.label, gdal.GA_Update)
    band = raster.GetRasterBand(1)
    codes = band.ReadAsArray()
    codes[:10] = 99
    band.WriteArray(codes)
    band.SetNoDataValue(99)
    raster = band = None
    labels = dataset.map_labels(before.label)
    labels[:10] = 255
    expected = int(((labels < NUM_CLASSES) & before.valid).sum())
    confusion = evaluate_scenes(
        _constant_runner(1), dataset, [record], tile=16, overlap=4, batch_size=2, progress=False
    )
    assert confusion.sum() == expected > 0


def _overwrite(path, value):
    from osgeo import gdal

    raster = gdal.Open(path, gdal.GA_Update)
    band = raster.GetRasterBand(1)
    band.WriteArray(np.full((raster.RasterYSize, raster.RasterXSize), value, np.uint8))
    raster = band = None


def test_no_scorable_pixel_names_each_scene_and_why(tmp_path):
    import pytest

    from mfafnet_tf.errors import DataError

    split_file = synthesize(str(tmp_path), scenes=3, size=(24, 24), seed=6, progress=False)
    dataset = get_dataset("whu_opt_sar", str(tmp_path), split_file=split_file)
    first, second, third = dataset.scenes()
    _overwrite(first.label, 0)                   # background only: every label ignored
    for band_file in (second.optical, second.sar):
        _overwrite(band_file, 0)                 # the synthetic scenes' nodata
    options = dict(tile=16, overlap=4, batch_size=2, progress=False)
    with pytest.raises(DataError) as raised:
        evaluate_scenes(_constant_runner(1), dataset, [first, second], **options)
    message = str(raised.value)
    assert f"scene {first.name}: every label is ignore or nodata ({first.label})" in message
    assert f"scene {second.name}: every input pixel is nodata" in message
    # Among scorable scenes an unscorable one is a warning, not an error.
    confusion = evaluate_scenes(_constant_runner(1), dataset, [first, third], **options)
    assert confusion.sum() > 0


def test_evaluate_command_fails_without_scorable_pixels(tmp_path, capsys):
    from mfafnet_tf.cli.main import main

    split_file = synthesize(str(tmp_path / "scenes"), scenes=3, size=(24, 24), seed=6,
                            progress=False)
    dataset = get_dataset("whu_opt_sar", str(tmp_path / "scenes"), split_file=split_file)
    (test_scene,) = dataset.scenes("test")
    _overwrite(test_scene.label, 0)
    model_path = str(tmp_path / "sar_unet.keras")
    UNet(NUM_CLASSES, modalities=("sar",), widths=(4, 8), training_patch=16).save(model_path)
    recipe = tmp_path / "recipe.yaml"
    recipe.write_text(
        f"data:\n  dataset: whu_opt_sar\n  root: {tmp_path / 'scenes'}\n"
        f"  split_file: {split_file}\n  patch: 16\n")
    code = main(["evaluate", "--model", model_path, "--recipe", str(recipe),
                 "--out", str(tmp_path / "out")])
    assert code == 1
    error = capsys.readouterr().err
    assert f"scene {test_scene.name}: every label is ignore or nodata" in error
    assert not os.path.exists(tmp_path / "out" / "metrics.json")


def test_evaluate_tiles_scenes_as_predict_does_by_default(tmp_path, monkeypatch):
    """The score that `evaluate` reports is that of the map `predict` writes (same tiling)."""
    from mfafnet_tf.evaluation import scene_evaluation
    from mfafnet_tf.inference import predict_scene as predict_scene_module

    tilings = {}

    def spying(name, original):
        def spy(runner, scene, **options):
            tilings.setdefault(name, set()).add((options["tile"], options["overlap"]))
            return original(runner, scene, **options)
        return spy

    for name, module in (("evaluate", scene_evaluation), ("predict", predict_scene_module)):
        monkeypatch.setattr(module, "iter_scene_predictions", spying(name, module.iter_scene_predictions))
    config, model_path, split_file = _sar_only_run(tmp_path, (24, 20))
    evaluate_run(config, model_path, str(tmp_path / "out"), progress=False)
    (record,) = get_dataset("whu_opt_sar", str(tmp_path / "scenes"), split_file=split_file).scenes("test")
    predict_scene_module.predict_scene(model_path, None, record.sar, tmp_path / "map.tif", progress=False)
    # Twice the model's training patch, overlapping by a quarter.
    assert tilings["evaluate"] == tilings["predict"] == {(32, 8)}


def test_evaluation_draws_one_panel_per_scene_from_the_scored_pixels(tmp_path, monkeypatch):
    from mfafnet_tf.evaluation.scene_panels import ScenePanels
    from mfafnet_tf.inference import scene_panel

    split_file = synthesize(str(tmp_path), scenes=2, size=(70, 50), seed=3, progress=False)
    dataset = get_dataset("whu_opt_sar", str(tmp_path), split_file=split_file)
    records = dataset.scenes()
    drawn = {}
    monkeypatch.setattr(scene_panel, "write_scene_panel",
                        lambda out, optical, sar, predicted, *a, labels, title: drawn.update(
                            {title: (out, optical, sar, predicted, labels)}))
    panels = ScenePanels(tmp_path / "panels", dataset.class_names, max_size=32)
    evaluate_scenes(_constant_runner(2), dataset, records, tile=32, overlap=8, batch_size=3,
                    progress=False, panels=panels)
    assert sorted(drawn) == sorted(r.name for r in records)
    for record in records:
        out, optical, sar, predicted, labels = drawn[record.name]
        assert out == str(tmp_path / "panels" / f"{record.name}.png")
        with dataset.open(record) as scene:
            whole = scene.read(Window(0, 0, 50, 70), size=(23, 32))
        assert optical.shape == (32, 23, 4) and sar.shape == (32, 23, 1)
        np.testing.assert_array_equal(labels, dataset.map_labels(whole.label))
        np.testing.assert_array_equal(predicted, np.where(whole.valid, 2, 255))
