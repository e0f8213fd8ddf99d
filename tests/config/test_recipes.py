"""Recipe parsing, overrides, override files and their errors."""

import glob
import os

import pytest
import yaml

from mfafnet_tf.config import ExperimentConfig, load_config, write_config
from mfafnet_tf.config.model_config import MODEL_NAMES
from mfafnet_tf.errors import ConfigError

RECIPES = os.path.join(os.path.dirname(__file__), "..", "..", "recipes")


def _write(path, data):
    path.write_text(yaml.safe_dump(data))
    return str(path)


def test_recipe_values_and_defaults(tmp_path):
    recipe = _write(
        tmp_path / "r.yaml",
        {"name": "x", "train": {"epochs": 3, "learning_rate": 1}, "model": {"preset": "small"}},
    )
    config = load_config(recipe)
    assert config.name == "x"
    assert config.train.epochs == 3
    assert isinstance(config.train.learning_rate, float)  # int accepted as float
    assert config.model.preset == "small"
    assert config.train.batch_size == ExperimentConfig().train.batch_size


def test_unknown_key_names_closest_valid_keys(tmp_path):
    recipe = _write(tmp_path / "r.yaml", {"train": {"learning_rat": 0.1}})
    with pytest.raises(ConfigError) as error:
        load_config(recipe)
    message = str(error.value)
    assert "train.learning_rat" in message
    assert "learning_rate" in message
    assert "r.yaml" in message


def test_unknown_mfafnet_option_fails_when_the_recipe_loads():
    with pytest.raises(ConfigError, match=r"model\.options\.stream_supervison: unknown MFAFNet option.*"
                                          r"did you mean stream_supervision"):
        load_config(None, ["model.options.stream_supervison=0.5"])
    assert load_config(None, ["model.options.all_weather=false"]).model.options == {"all_weather": False}
    # The UNet's options are refused when its model is built, not by MFAFNet's names.
    unet = load_config(None, ["model.name=unet", "model.options.stream_supervison=1"])
    assert unet.model.options == {"stream_supervison": 1}


def test_a_run_config_with_the_old_tune_key_still_loads(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text("tune:\n  space:\n    alignment_kernel: {values: [linear_mmd], default: linear_mmd}\n")
    assert load_config(path).tune.space.alignment.values == ["linear_mmd"]


def test_unknown_section_is_an_error(tmp_path):
    recipe = _write(tmp_path / "r.yaml", {"trian": {"epochs": 1}})
    with pytest.raises(ConfigError, match="did you mean train"):
        load_config(recipe)


def test_overrides_are_typed_and_repeatable(tmp_path):
    config = load_config(
        overrides=[
            "train.epochs=7",
            "train.epochs=9",
            "model.widths=[8, 16, 32, 64]",
            "train.steps_per_epoch=null",
            "runtime.mixed_precision=true",
            "train.class_weights=[1, 2.5]",
            "model.options.low_freq_ratios=[0.5, 0.5, 0.5, 0.5]",
        ]
    )
    assert config.train.epochs == 9
    assert config.model.widths == [8, 16, 32, 64]
    assert config.train.steps_per_epoch is None
    assert config.runtime.mixed_precision is True
    assert config.train.class_weights == [1.0, 2.5]
    assert config.model.options == {"low_freq_ratios": [0.5, 0.5, 0.5, 0.5]}


@pytest.mark.parametrize(
    "override, expected",
    [
        ("train.epochs=many", "'train.epochs': expected int, found str 'many'"),
        ("train.epochs=2.5", "expected int, found float"),
        ("runtime.jit_compile=3", "expected bool, found int"),
        ("model.widths=16", "expected list[int] or null, found int"),
        ("train.class_weights=3", "expected str or list[float]"),
        ("train.epoch=3", "did you mean epochs"),
        ("train", "expected KEY=VALUE"),
        ("train.epochs.value=3", "'train.epochs': expected int, found dict"),
    ],
)
def test_bad_overrides(override, expected):
    with pytest.raises(ConfigError) as error:
        load_config(overrides=[override])
    assert expected in str(error.value)
    assert override in str(error.value)


@pytest.mark.parametrize(
    "override, expected",
    [
        ("train.learning_rate=-1", "'train.learning_rate': expected a number > 0, found -1.0"),
        ("train.learning_rate=0", "'train.learning_rate': expected a number > 0, found 0.0"),
        ("train.learning_rate=.nan", "'train.learning_rate': expected a number > 0, found nan"),
        ("train.weight_decay=-0.1", "'train.weight_decay': expected a number >= 0"),
        ("train.epochs=0", "'train.epochs': expected an integer >= 1, found 0"),
        ("train.steps_per_epoch=-2", "'train.steps_per_epoch': expected an integer >= 1"),
        ("train.batch_size=0", "'train.batch_size': expected an integer >= 1"),
        ("train.warmup_fraction=1.5", "'train.warmup_fraction': expected a number in 0..1"),
        ("data.patch=0", "'data.patch': expected an integer >= 1"),
        ("data.stride=-8", "'data.stride': expected an integer >= 1"),
        ("data.modality_dropout=-0.1", "'data.modality_dropout': expected a number in 0..1"),
        ("data.cloud_dropout=2", "'data.cloud_dropout': expected a number in 0..1, found 2.0"),
        ("train={learning_rate: -1}", "'train.learning_rate': expected a number > 0"),
    ],
)
def test_out_of_range_values_are_refused_when_the_recipe_loads(tmp_path, override, expected):
    with pytest.raises(ConfigError) as error:
        load_config(overrides=[override])
    assert expected in str(error.value)
    assert f"--override '{override}'" in str(error.value)

    key, _, value = override.partition("=")
    section, field = key.split(".") if "." in key else (key, None)
    data = {section: {field: yaml.safe_load(value)} if field else yaml.safe_load(value)}
    recipe = _write(tmp_path / "r.yaml", data)
    with pytest.raises(ConfigError) as error:
        load_config(recipe)
    assert str(error.value).startswith(f"{recipe}: {expected}")


def test_a_range_error_names_the_file_that_set_the_value(tmp_path):
    recipe = _write(tmp_path / "r.yaml", {"train": {"learning_rate": -0.004}})
    fixed = load_config(recipe, overrides=["train.learning_rate=0.004"])
    assert fixed.train.learning_rate == 0.004  # the override wins, nothing is refused
    with pytest.raises(ConfigError, match=r"r\.yaml: 'train\.learning_rate'.*found -0\.004$"):
        load_config(recipe)
    extra = _write(tmp_path / "extra.yaml", {"train": {"epochs": 0}})
    with pytest.raises(ConfigError, match=r"extra\.yaml: 'train\.epochs': expected an integer >= 1"):
        load_config(recipe, override_files=[extra])


def test_partial_nested_override_keeps_sibling_defaults():
    config = load_config(overrides=["tune.space.learning_rate.default=0.01"])
    spec = config.tune.space.learning_rate
    assert spec.default == 0.01
    assert spec.min == ExperimentConfig().tune.space.learning_rate.min
    assert spec.sampling == "log"


def test_override_file_then_overrides(tmp_path):
    recipe = _write(tmp_path / "r.yaml", {"train": {"epochs": 3, "batch_size": 4}})
    extra = _write(tmp_path / "best.yaml", {"train": {"epochs": 5, "weight_decay": 0.5}})
    config = load_config(recipe, overrides=["train.epochs=6"], override_files=[extra])
    assert (config.train.epochs, config.train.batch_size) == (6, 4)
    assert config.train.weight_decay == 0.5


def test_bad_override_file_is_named(tmp_path):
    extra = _write(tmp_path / "bad.yaml", {"train": {"epoks": 5}})
    with pytest.raises(ConfigError, match=r"bad\.yaml.*train\.epoks"):
        load_config(override_files=[extra])


def test_base_recipe_is_merged(tmp_path):
    _write(tmp_path / "base.yaml", {"train": {"epochs": 3, "batch_size": 4}})
    child = _write(tmp_path / "child.yaml", {"base": "base.yaml", "train": {"epochs": 8}})
    config = load_config(child)
    assert (config.train.epochs, config.train.batch_size) == (8, 4)


@pytest.mark.parametrize(
    "content, expected",
    [("[1, 2]", "expected a mapping"), ("train: [", "not valid YAML")],
)
def test_malformed_files(tmp_path, content, expected):
    path = tmp_path / "r.yaml"
    path.write_text(content)
    with pytest.raises(ConfigError, match=expected):
        load_config(str(path))


def test_missing_recipe(tmp_path):
    with pytest.raises(ConfigError, match="nope.yaml: recipe file not found"):
        load_config(str(tmp_path / "nope.yaml"))


def test_yaml_tags_are_not_executed(tmp_path):
    path = tmp_path / "r.yaml"
    path.write_text("name: !!python/object/apply:os.getcwd []\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(str(path))


def test_resolved_config_round_trips(tmp_path):
    config = load_config(overrides=["train.epochs=4", "model.widths=[8, 16]"])
    path = write_config(config, str(tmp_path / "run"))
    assert os.path.basename(path) == "config.yaml"
    assert load_config(path) == config
    assert [p.name for p in (tmp_path / "run").iterdir()] == ["config.yaml"]


@pytest.mark.parametrize(
    "recipe", sorted(glob.glob(os.path.join(RECIPES, "**", "*.yaml"), recursive=True))
)
def test_shipped_recipes_parse(recipe):
    from mfafnet_tf.models.mfafnet.mfafnet_options import MFAFNetOptions
    from mfafnet_tf.training.data_setup import open_dataset

    config = load_config(recipe)
    assert config.name != ExperimentConfig().name
    assert config.model.name in MODEL_NAMES
    if config.model.name == "mfafnet":
        MFAFNetOptions.resolve(config.model.preset, **config.model.options)
    dataset = open_dataset(config)  # adapter options are valid (no file is read)
    assert dataset.num_classes == config.task.num_classes


@pytest.mark.parametrize("run", ["unet_sar", "unet_optical", "unet_optical_sar"])
def test_manifest_unet_baseline_recipes_build_the_demos_baselines(run):
    from mfafnet_tf.config.demo_runs import RUNS
    from mfafnet_tf.models.unet.unet import UNet
    from mfafnet_tf.training.data_setup import DatasetInfo, open_dataset
    from mfafnet_tf.training.model_building import build_model

    config = load_config(os.path.join(RECIPES, f"sentinel_manifest_{run}.yaml"))
    demo = load_config(os.path.join(RECIPES, "sentinel_manifest.yaml"), RUNS[run])
    assert config.name == f"sentinel_manifest_{run}"
    assert (config.model.name, config.model.modalities) == (
        demo.model.name, demo.model.modalities)
    assert config.model.widths == [64, 128, 256, 512, 1024]
    assert (config.data.root, config.task) == (demo.data.root, demo.task)
    dataset = open_dataset(config)
    single = config.model.modalities != ["optical", "sar"]
    assert (config.data.tile_dir != demo.data.tile_dir) == single
    bands = {"optical": [3, 2, 1, 4], "sar": [1, 2]}   # the base recipe's
    assert dataset.optical_bands == (bands["optical"] if "optical" in config.model.modalities
                                     else None)
    assert dataset.sar_bands == (bands["sar"] if "sar" in config.model.modalities else None)

    info = DatasetInfo(
        tile_dir=config.data.tile_dir, patch=256, num_classes=6,
        class_names=list(config.task.class_names), optical_channels=4, sar_channels=2,
        normalization={"optical": {"mean": [0.0] * 4, "std": [1.0] * 4},
                       "sar": {"mean": [0.0] * 2, "std": [1.0] * 2}},
        split_patches={}, class_pixels=[])
    model = build_model(config, info)
    assert isinstance(model, UNet)
    assert sorted(model.input) == sorted(config.model.modalities)
    assert model.widths == (64, 128, 256, 512, 1024)
    assert model.output_shape[-1] == 6


def _runtime_keys(path):
    """runtime keys a recipe sets itself or through its ``base`` chain."""
    with open(path, encoding="utf-8") as stream:
        recipe = yaml.safe_load(stream)
    keys = set(recipe.get("runtime", {}))
    if "base" in recipe:
        keys |= _runtime_keys(os.path.join(os.path.dirname(path), recipe["base"]))
    return keys


@pytest.mark.parametrize(
    "recipe", sorted(glob.glob(os.path.join(RECIPES, "**", "*.yaml"), recursive=True)), ids=os.path.basename
)
def test_every_recipe_sets_precision_and_xla_explicitly(recipe):
    assert {"mixed_precision", "jit_compile"} <= _runtime_keys(recipe)
