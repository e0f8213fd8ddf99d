"""A SAR-only manifest: tiling, statistics, a SAR UNet's training and evaluation, mismatches."""

import json
import math
import os

import numpy as np
import pytest
import yaml

from mfafnet_tf.config import load_config
from mfafnet_tf.errors import ConfigError
from mfafnet_tf.evaluation.scene_evaluation import evaluate_run, evaluate_scenes
from mfafnet_tf.models.unet.unet import UNet
from mfafnet_tf.training.data_setup import open_dataset, prepare_data
from mfafnet_tf.training.trainer import train
from tiny_rasters import write_raster

SIZE, PATCH = 64, 32
SPLITS = {"s0": "train", "s1": "train", "s2": "val", "s3": "test"}


@pytest.fixture(scope="module")
def sar_manifest(tmp_path_factory):
    """Four 64x64 SAR-only scenes (dB, NaN nodata) whose water (code 2) is dark."""
    root = tmp_path_factory.mktemp("sar_only")
    rng = np.random.default_rng(3)
    lines = ["name,sar,label,split"]
    for index, (name, split) in enumerate(SPLITS.items()):
        yy, xx = np.mgrid[:SIZE, :SIZE]
        water = (xx + yy * (index + 1) / 3) % 40 < 16
        sar = np.where(water, -20.0, -6.0) + rng.normal(0, 1.0, (SIZE, SIZE))
        sar = sar.astype(np.float32)
        sar[:2, :3] = np.nan                       # nodata
        write_raster(root / f"{name}_s1.tif", sar)
        write_raster(root / f"{name}_lc.tif", np.where(water, 2, 1).astype(np.uint8))
        lines.append(f"{name},{name}_s1.tif,{name}_lc.tif,{split}")
    (root / "manifest.csv").write_text("\n".join(lines) + "\n")
    return root


def _recipe(root, tile_dir, **model):
    data = {
        "name": "sar_only",
        "task": {"num_classes": 2, "class_names": ["land", "water"]},
        "model": {"name": "unet", "modalities": ["sar"], "widths": [8, 16], **model},
        "data": {
            "dataset": "manifest", "root": str(root / "manifest.csv"),
            "tile_dir": str(root / tile_dir), "patch": PATCH,
            "options": {"class_names": ["land", "water"], "label_map": "1:0,2:1"},
        },
        "train": {"epochs": 3, "steps_per_epoch": 4, "batch_size": 4,
                  "learning_rate": 0.01, "schedule": "constant"},
        "runtime": {"verbose": 0},
    }
    path = root / f"{tile_dir}.yaml"
    path.write_text(yaml.safe_dump(data))
    return load_config(str(path))


@pytest.mark.slow
def test_sar_only_manifest_trains_and_evaluates_a_sar_unet(sar_manifest, tmp_path):
    config = _recipe(sar_manifest, "tiles")
    model, history = train(config, str(tmp_path / "run"))

    with open(sar_manifest / "tiles" / "index.json") as stream:
        index = json.load(stream)
    assert (index["optical_channels"], index["sar_channels"]) == (0, 1)
    assert {s: e["patches"] for s, e in index["splits"].items()} == {
        "test": 4, "train": 8, "val": 4}
    with open(sar_manifest / "tiles" / "stats.json") as stream:
        stats = json.load(stream)
    assert stats["optical"] == {"mean": [], "std": [], "transform": "none", "count": 0}
    assert stats["sar"]["count"] == 2 * (SIZE * SIZE - 6)
    assert -20.0 < stats["sar"]["mean"][0] < -6.0

    assert set(model.input) == {"sar"}
    losses = history.history["loss"]
    assert all(math.isfinite(loss) for loss in losses) and losses[-1] < losses[0]
    assert 0.0 <= history.history["val_mean_iou"][-1] <= 1.0
    assert 0.0 <= history.history["pixel_accuracy"][-1] <= 1.0

    scores, paths = evaluate_run(config, str(tmp_path / "run" / "model.keras"),
                                 str(tmp_path / "eval"), tile=PATCH, overlap=8,
                                 progress=False)
    assert scores["pixels"] == SIZE * SIZE - 6    # the test scene's valid pixels
    assert set(scores["per_class_iou"]) == {"land", "water"}
    with open(paths["json"]) as stream:
        assert json.load(stream)["pixels"] == SIZE * SIZE - 6


def test_model_needing_a_missing_modality_is_a_config_error(sar_manifest):
    manifest = str(sar_manifest / "manifest.csv")
    cases = (({"name": "mfafnet", "widths": None}, "model mfafnet needs optical and sar"),
             ({"modalities": ["optical"]}, "modalities [optical] needs optical"))
    for tile_dir, (model, needs) in zip(("tiles_mfafnet", "tiles_optical"), cases):
        with pytest.raises(ConfigError) as error:
            prepare_data(_recipe(sar_manifest, tile_dir, **model))
        message = str(error.value)
        assert manifest in message and needs in message
        assert "has sar input(s)" in message and "so optical is missing" in message
        assert not os.path.exists(sar_manifest / tile_dir)    # before any tiling

    dataset = open_dataset(_recipe(sar_manifest, "tiles_eval"))
    optical_model = UNet(2, modalities=("optical",), optical_channels=4, widths=(4, 8))
    with pytest.raises(ConfigError, match="the model needs optical, so optical is missing"):
        evaluate_scenes(optical_model, dataset, dataset.scenes("test"),
                        tile=PATCH, overlap=8, batch_size=2, progress=False)
