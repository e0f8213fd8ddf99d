"""Strategy choice, worker roles, learning-rate schedule and class weights."""

import json
import os

import numpy as np
import pytest
import tensorflow as tf

from mfafnet_tf.config import load_config
from mfafnet_tf.errors import ConfigError, DataError
from mfafnet_tf.training import select_strategy, steps_per_epoch
from mfafnet_tf.training.class_weights import class_weights
from mfafnet_tf.training.data_setup import DatasetInfo, build_datasets
from mfafnet_tf.training.schedule import learning_rate_schedule

RECIPES = os.path.join(os.path.dirname(__file__), "..", "..", "recipes")
from mfafnet_tf.training.strategy import worker_role


def test_auto_strategy_without_tf_config_or_gpus_is_default(monkeypatch):
    monkeypatch.delenv("TF_CONFIG", raising=False)
    strategy = select_strategy(load_config())
    assert strategy is tf.distribute.get_strategy()
    assert strategy.num_replicas_in_sync == 1


def test_forced_strategies():
    mirrored = select_strategy(load_config(
        overrides=["runtime.strategy=mirrored", "runtime.devices=['/cpu:0', '/cpu:1']"]))
    assert isinstance(mirrored, tf.distribute.MirroredStrategy)
    assert mirrored.num_replicas_in_sync == 2
    single = select_strategy(load_config(overrides=["runtime.strategy=one_device"]))
    assert isinstance(single, tf.distribute.OneDeviceStrategy)
    with pytest.raises(ConfigError, match="runtime.strategy: expected one of"):
        select_strategy(load_config(overrides=["runtime.strategy=tpu"]))


@pytest.mark.parametrize(
    "cluster, task, expected",
    [
        ({"worker": ["a", "b"]}, {"type": "worker", "index": 0}, (True, 0)),
        ({"worker": ["a", "b"]}, {"type": "worker", "index": 1}, (False, 1)),
        ({"chief": ["c"], "worker": ["a"]}, {"type": "worker", "index": 0}, (False, 0)),
        ({"chief": ["c"], "worker": ["a"]}, {"type": "chief", "index": 0}, (True, 0)),
    ],
)
def test_worker_role(monkeypatch, cluster, task, expected):
    monkeypatch.setenv("TF_CONFIG", json.dumps({"cluster": cluster, "task": task}))
    assert worker_role() == expected


def test_bad_tf_config(monkeypatch):
    monkeypatch.setenv("TF_CONFIG", "{not json")
    with pytest.raises(ConfigError, match="TF_CONFIG"):
        worker_role()


def test_warmup_then_cosine_decay():
    config = load_config(overrides=[
        "train.learning_rate=0.01", "train.warmup_fraction=0.1",
        "train.final_learning_rate_fraction=0.1"])
    schedule = learning_rate_schedule(config.train, total_steps=100)
    rates = [float(schedule(step)) for step in (0, 5, 10, 55, 100)]
    assert rates[0] == 0.0
    assert rates[1] == pytest.approx(0.005)  # half-way through the warmup
    assert rates[2] == pytest.approx(0.01)   # peak
    assert rates[3] == pytest.approx(0.01 * (0.1 + 0.9 * 0.5))  # half-way through the decay
    assert rates[4] == pytest.approx(0.001)  # final fraction
    constant = load_config(overrides=["train.schedule=constant"]).train
    assert learning_rate_schedule(constant, 100) == constant.learning_rate


def _info(pixels):
    return DatasetInfo("tiles", 32, len(pixels), [], 4, 1, {}, {}, pixels)


def test_class_weights_from_pixel_counts():
    info = _info([100, 400, 0])
    inverse = class_weights(load_config(overrides=["train.class_weights=inverse"]), info)
    # raw 5, 1.25, 0; pixel-weighted mean (500 + 500) / 500 = 2 -> 2.5, 0.625, 0.
    np.testing.assert_allclose(inverse, [2.5, 0.625, 0.0])
    root = class_weights(load_config(overrides=["train.class_weights=inverse_sqrt"]), info)
    assert np.dot(root, [100, 400, 0]) / 500 == pytest.approx(1.0)
    assert root[0] / root[1] == pytest.approx(2.0)
    assert class_weights(load_config(), info) is None
    with pytest.raises(ConfigError, match="expected 3 weights, found 2"):
        class_weights(load_config(overrides=["train.class_weights=[1, 2]"]), info)


def test_steps_per_epoch_is_one_pass_unless_the_recipe_sets_it():
    info = DatasetInfo("tiles", 32, 2, [], 4, 1, {}, {"train": 10, "val": 2}, [1, 1])
    assert steps_per_epoch(load_config(overrides=["train.batch_size=4"]), info) == 2
    assert steps_per_epoch(load_config(overrides=["train.steps_per_epoch=7"]), info) == 7
    with pytest.raises(DataError, match="tiles: split 'train' has 10 patches, too few for "
                                        "train.batch_size 16"):
        steps_per_epoch(load_config(overrides=["train.batch_size=16"]), info)


def test_an_empty_validation_split_names_val_fraction():
    info = DatasetInfo("tiles", 32, 2, [], 4, 1, {}, {"train": 10, "val": 0}, [1, 1])
    with pytest.raises(DataError, match="split 'val' has 0 patches.*data.options.val_fraction"):
        build_datasets(load_config(overrides=["train.batch_size=4"]), info)


def test_model_options_the_unet_does_not_take_are_a_config_error():
    from mfafnet_tf.training import build_model

    info = DatasetInfo("tiles", 32, 7, [f"c{i}" for i in range(7)], 4, 1, None,
                       {"train": 10}, [1] * 7)
    config = load_config(overrides=["model.name=unet", "model.options={fusion: concat}"])
    with pytest.raises(ConfigError, match="model.options: the UNet baseline takes no options.*fusion"):
        build_model(config, info)


def test_alignment_weight_has_one_key():
    from mfafnet_tf.training import build_model

    info = DatasetInfo("tiles", 32, 7, [f"c{i}" for i in range(7)], 4, 1, None,
                       {"train": 10}, [1] * 7)
    config = load_config(overrides=["model.options={alignment_weight: 0.5}"])
    with pytest.raises(ConfigError, match="set the alignment weight as train.alignment_weight"):
        build_model(config, info)
    model = build_model(load_config(overrides=["train.alignment_weight=0.25",
                                               "model.options={alignment_tokens: 64}"]), info)
    assert model.get_layer("alignment").weight == 0.25


def test_models_record_the_tiled_bands_of_their_inputs(tmp_path):
    from mfafnet_tf.data import get_dataset, synthesize, tile_dataset
    from mfafnet_tf.training import build_model
    from mfafnet_tf.training.data_setup import load_dataset_info

    root = tmp_path / "scenes"
    split_file = synthesize(root, scenes=2, size=(16, 16), seed=1, progress=False)
    index = tile_dataset(get_dataset("whu_opt_sar", root, split_file=split_file,
                                     optical_bands=(4, 3, 2, 1)),
                         tmp_path / "tiles", 16, progress=False)
    assert (index["optical_bands"], index["sar_bands"]) == ([4, 3, 2, 1], [1])
    config = load_config(overrides=[
        f"data.tile_dir={tmp_path / 'tiles'}", "model.name=unet", "model.modalities=[sar]",
        "model.widths=[4, 8]"])
    (tmp_path / "tiles" / "stats.json").write_text("null")
    info = load_dataset_info(config)
    assert info.input_bands == {"optical": [4, 3, 2, 1], "sar": [1]}
    model = build_model(config, info)
    assert model.input_bands == {"sar": [1]}
    # The training patch too: prediction tiles by twice it.
    assert model.training_patch == config.data.patch == model.get_config()["training_patch"]
    info.input_bands = None                      # tiles written before bands were recorded
    assert build_model(config, info).input_bands is None


def test_preparing_data_names_scenes_that_lose_every_patch(tmp_path, capsys):
    from osgeo import gdal

    from mfafnet_tf.data import get_dataset, synthesize
    from mfafnet_tf.training.data_setup import prepare_data

    root = tmp_path / "scenes"
    split_file = synthesize(root, scenes=3, size=(16, 16), seed=1, progress=False)
    (test_scene,) = get_dataset("whu_opt_sar", root, split_file=split_file).scenes("test")
    optical = gdal.Open(test_scene.optical, gdal.GA_Update)
    optical.GetRasterBand(1).WriteArray(np.zeros((16, 16), np.uint8))   # nodata everywhere
    optical = None
    prepare_data(load_config(overrides=[
        "data.dataset=whu_opt_sar", f"data.root={root}", f"data.split_file={split_file}",
        f"data.tile_dir={tmp_path / 'tiles'}", "data.patch=16"]))
    assert f"warning: scene {test_scene.name} (test) lost all its patches" in capsys.readouterr().out


@pytest.mark.parametrize("recipe, cls, size", [
    ("synthetic_demo_cmx.yaml", "CMX", ("backbone", "mit_b0")),
    ("synthetic_realistic_mcanet.yaml", "MCANet", ("depth", 50)),
])
def test_the_peer_recipes_build_their_peer_with_the_data_and_metadata(recipe, cls, size):
    from mfafnet_tf import models
    from mfafnet_tf.training import build_model

    info = DatasetInfo("tiles", 32, 7, [f"c{i}" for i in range(7)], 4, 2, None,
                       {"train": 10}, [1] * 7)
    config = load_config(os.path.join(RECIPES, recipe))
    model = build_model(config, info)
    assert type(model) is getattr(models, cls)
    assert model.get_config()[size[0]] == size[1]
    assert (model.sar_channels, model.training_patch, model.num_classes) == (2, 64, 7)
    with pytest.raises(ConfigError, match="model.widths: .* sizes itself with model.options"):
        build_model(load_config(os.path.join(RECIPES, recipe), ["model.widths=[8, 16]"]), info)


def test_peer_options_and_model_names_are_checked_when_the_recipe_loads():
    with pytest.raises(ConfigError, match="model.options.backbon: unknown cmx option .*did you mean backbone"):
        load_config(overrides=["model.name=cmx", "model.options={backbon: mit_b0}"])
    with pytest.raises(ConfigError, match="model.name: expected one of mfafnet, unet, cmx, mcanet, found 'segformer'"):
        load_config(overrides=["model.name=segformer"])


def test_a_run_directory_of_another_recipe_is_not_resumed(tmp_path):
    from mfafnet_tf.config import write_config
    from mfafnet_tf.training.trainer import check_resumable

    write_config(load_config(overrides=["data.cloud_dropout=0.3"]), str(tmp_path))
    check_resumable(load_config(overrides=["data.cloud_dropout=0.0"]), str(tmp_path))  # nothing to resume
    (tmp_path / "backup").mkdir()
    check_resumable(load_config(overrides=["data.cloud_dropout=0.3", "train.epochs=9"]), str(tmp_path))
    with pytest.raises(ConfigError, match=r"holds a run of another recipe \(data.cloud_dropout: 0.3 there, 0.0 now\)"):
        check_resumable(load_config(overrides=["data.cloud_dropout=0.0"]), str(tmp_path))
