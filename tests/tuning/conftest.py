"""Fixtures for the tuning tests: tiny synthetic tiles and a one-level MFAFNet recipe."""

import pytest
import yaml


@pytest.fixture(scope="session")
def tiles(tmp_path_factory):
    """Six 64x64 synthetic scenes tiled into 32-pixel patches (16 train, 4 val)."""
    from mfafnet_tf.data import get_dataset, synthesize, tile_dataset

    root = tmp_path_factory.mktemp("tuning_data")
    split_file = synthesize(root / "scenes", scenes=6, size=(64, 64), seed=0, progress=False)
    dataset = get_dataset("whu_opt_sar", str(root / "scenes"), split_file=split_file)
    tile_dataset(dataset, root / "tiles", 32, progress=False)
    return {"root": str(root / "scenes"), "tiles": str(root / "tiles"), "split_file": split_file}


@pytest.fixture(scope="session")
def recipe(tiles, tmp_path_factory):
    """A recipe training a one-level MFAFNet for one 2-patch step per epoch.

    Its space searches per-level lists, a string choice and log ranges, and
    pins the preset and the widths.
    """
    data = {
        "name": "tune_test",
        "model": {"name": "mfafnet", "preset": "tiny", "options": {"num_heads": [1]}},
        "data": {
            "dataset": "whu_opt_sar", "root": tiles["root"], "tile_dir": tiles["tiles"],
            "split_file": tiles["split_file"], "patch": 32, "augment": False,
        },
        "train": {"epochs": 1, "steps_per_epoch": 1, "validation_steps": 1, "batch_size": 2},
        "runtime": {"verbose": 0},
        "tune": {
            "tuner": "random",
            "max_trials": 2,
            "space": {
                "preset": {"search": False, "default": "tiny"},
                "widths": {"search": False, "default": [8]},
                "low_freq_ratios": {"values": [[0.25], [0.5]], "default": [0.25]},
                "sr_ratios": {"values": [[2], [1]], "default": [2]},
            },
        },
    }
    path = tmp_path_factory.mktemp("tuning_recipe") / "recipe.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return str(path)
