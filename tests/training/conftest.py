"""Tiny synthetic data and recipes shared by the training tests."""

import pytest
import yaml

from mfafnet_tf.config import load_config
from mfafnet_tf.training.data_setup import prepare_data


@pytest.fixture(scope="session")
def tiny_recipe(tmp_path_factory):
    """A recipe file over 5 synthetic 64x64 scenes tiled in 32x32 patches,
    with a small UNet; the data is prepared once per session."""
    root = tmp_path_factory.mktemp("tiny_data")
    recipe = {
        "name": "tiny",
        "model": {"name": "unet", "modalities": ["optical", "sar"], "widths": [8, 16, 32]},
        "data": {
            "dataset": "whu_opt_sar",
            "root": str(root / "scenes"),
            "tile_dir": str(root / "tiles"),
            "split_file": str(root / "scenes" / "split.txt"),
            "patch": 32,
            "synthesize": True,
            "synthetic_scenes": 5,
            "synthetic_size": 64,
        },
        "train": {
            "epochs": 1, "steps_per_epoch": 2, "batch_size": 4,
            "learning_rate": 0.01, "class_weights": "inverse_sqrt",
        },
        "runtime": {"verbose": 0},
    }
    path = root / "tiny.yaml"
    path.write_text(yaml.safe_dump(recipe))
    prepare_data(load_config(str(path)))
    return str(path)
