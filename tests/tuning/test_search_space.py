"""The recipe's tune.space as KerasTuner hyperparameters, and back to recipe overrides."""

import keras_tuner
import pytest

from mfafnet_tf.config import load_config
from mfafnet_tf.config.conversion import from_dict
from mfafnet_tf.config.tune_space import TuneSpace
from mfafnet_tf.errors import ConfigError
from mfafnet_tf.training import prepare_data
from mfafnet_tf.tuning import MFAFNetHyperModel
from mfafnet_tf.tuning.search_space import apply_overrides, declare, to_overrides


def _space(**entries):
    return from_dict(TuneSpace, entries)


def test_default_space_declares_typed_hyperparameters():
    hp = keras_tuner.HyperParameters()
    values = declare(hp, TuneSpace())
    kinds = {item.name: type(item).__name__ for item in hp.space}
    assert kinds == {
        "preset": "Choice", "low_freq_ratios": "Choice", "sr_ratios": "Choice",
        "alignment_weight": "Float", "alignment": "Choice",
        "learning_rate": "Float", "weight_decay": "Float",
    }  # widths: not searched and no default, so the preset decides
    by_name = {item.name: item for item in hp.space}
    assert by_name["low_freq_ratios"].values == ["0.25,0.5,0.75,0.875", "0.5,0.5,0.5,0.5"]
    assert by_name["learning_rate"].sampling == "log"
    assert (by_name["learning_rate"].min_value, by_name["learning_rate"].max_value) == (1e-4, 3e-3)
    # Defaults are decoded back to recipe values (lists for per-level settings).
    assert values == {
        "preset": "tiny", "low_freq_ratios": [0.25, 0.5, 0.75, 0.875],
        "sr_ratios": [8, 4, 2, 1], "alignment_weight": 0.1,
        "alignment": "gaussian_mmd", "learning_rate": 1e-3, "weight_decay": 1e-4,
    }


def test_chosen_values_decode_to_lists_and_map_onto_recipe_keys():
    hp = keras_tuner.HyperParameters()
    declare(hp, TuneSpace())
    hp.values.update(
        low_freq_ratios="0.5,0.5,0.5,0.5", sr_ratios="4,2,1,1",
        alignment="linear_mmd", learning_rate=2e-4, preset="small",
    )
    values = declare(hp, TuneSpace())
    assert values["low_freq_ratios"] == [0.5, 0.5, 0.5, 0.5]
    assert values["sr_ratios"] == [4, 2, 1, 1]
    overrides = to_overrides(values)
    assert overrides["model"] == {
        "preset": "small",
        "options": {
            "low_freq_ratios": [0.5, 0.5, 0.5, 0.5], "sr_ratios": [4, 2, 1, 1],
            "alignment": "linear_mmd",
        },
    }
    assert overrides["train"] == {
        "alignment_weight": 0.1, "learning_rate": 2e-4, "weight_decay": 1e-4,
    }


def test_fixed_and_integer_entries():
    space = _space(
        widths={"search": False, "default": [8, 16]},
        weight_decay={"min": 1, "max": 5, "default": 2},
        learning_rate={"search": False, "default": 0.02},
    )
    hp = keras_tuner.HyperParameters()
    values = declare(hp, space)
    by_name = {item.name: item for item in hp.space}
    assert type(by_name["widths"]).__name__ == "Fixed"
    assert by_name["widths"].value == "8,16"
    assert values["widths"] == [8, 16] and values["learning_rate"] == 0.02
    assert type(by_name["weight_decay"]).__name__ == "Int"
    assert values["weight_decay"] == 2


def test_trial_config_applies_values_over_the_recipe(tmp_path):
    recipe = tmp_path / "recipe.yaml"
    recipe.write_text(
        "model: {preset: tiny, options: {num_heads: [1, 1, 2, 2]}}\n"
        "train: {learning_rate: 0.5, batch_size: 3}\n", encoding="utf-8"
    )
    config = load_config(recipe)
    hypermodel = MFAFNetHyperModel(config)
    hp = keras_tuner.HyperParameters()
    hypermodel.values(hp)
    hp.values.update(learning_rate=3e-4, sr_ratios="4,2,1,1")
    trial = hypermodel.trial_config(hp)
    assert trial.train.learning_rate == 3e-4
    assert trial.train.batch_size == 3  # untouched recipe values stay
    assert trial.model.options == {
        "num_heads": [1, 1, 2, 2], "low_freq_ratios": [0.25, 0.5, 0.75, 0.875],
        "sr_ratios": [4, 2, 1, 1], "alignment": "gaussian_mmd",
    }
    assert config.train.learning_rate == 0.5  # the recipe itself is not changed
    assert apply_overrides(config, {}) == config


@pytest.mark.parametrize(
    "entries, expected",
    [
        ({"preset": {"values": ["tiny", "small"], "default": "base"}},
         "tune.space.preset.default: expected one of ['tiny', 'small'], found 'base'"),
        ({"learning_rate": {"min": 0.0, "max": 0.1, "sampling": "log"}},
         "tune.space.learning_rate: log sampling needs min > 0"),
        ({"weight_decay": {"min": None, "max": None, "values": None}},
         "tune.space.weight_decay: expected 'values' (a choice) or both 'min' and 'max'"),
        ({"alignment_weight": {"min": 0.5, "max": 0.1}},
         "tune.space.alignment_weight: expected min < max"),
        ({"alignment_weight": {"min": 0.1, "max": 0.5, "default": 2.0}},
         "tune.space.alignment_weight.default: expected a value in [0.1, 0.5], found 2.0"),
        ({"learning_rate": {"min": 0.1, "max": 0.5, "sampling": "cubic"}},
         "tune.space.learning_rate.sampling: expected one of linear, log, found 'cubic'"),
        ({"sr_ratios": {"values": [{"a": 1}, [1, 2]]}},
         "tune.space.sr_ratios: expected scalars or lists of scalars, found {'a': 1}"),
        ({"preset": {"values": []}}, "tune.space.preset.values: expected a non-empty list"),
    ],
)
def test_malformed_entries_name_the_key(entries, expected):
    with pytest.raises(ConfigError) as error:
        declare(keras_tuner.HyperParameters(), _space(**entries))
    assert expected in str(error.value)


@pytest.mark.parametrize("model", ["unet", "cmx", "mcanet"])
def test_other_models_search_the_optimizer_entries_only(model):
    config = load_config(overrides=[f"model.name={model}"])
    hp = keras_tuner.HyperParameters()
    values = MFAFNetHyperModel(config).values(hp)
    assert sorted(values) == ["learning_rate", "weight_decay"] == sorted(hp.values)
    assert set(MFAFNetHyperModel(load_config()).values(keras_tuner.HyperParameters())) > set(values)


def test_a_choice_that_makes_an_invalid_model_stops_the_search(recipe):
    config = load_config(recipe, ["tune.space.sr_ratios={values: [[2], [2, 1]], default: [2]}"])
    hypermodel = MFAFNetHyperModel(config)
    hp = keras_tuner.HyperParameters()
    hypermodel.values(hp)
    hp.values["sr_ratios"] = "2,1"
    with pytest.raises(ConfigError) as error:
        hypermodel.build(hp)
    assert isinstance(error.value, keras_tuner.errors.FatalError)
    assert "sr_ratios: expected 1 values (one per level of widths), found 2" in str(error.value)


def test_built_model_schedules_the_learning_rate_over_the_recipe_steps(recipe):
    config = load_config(recipe, ["train.steps_per_epoch=null", "train.epochs=3"])
    info = prepare_data(config)
    hypermodel = MFAFNetHyperModel(config, info)
    hp = keras_tuner.HyperParameters()
    hypermodel.values(hp)
    schedule = hypermodel.build(hp).optimizer._learning_rate
    steps = info.split_patches["train"] // config.train.batch_size
    assert steps > 1
    assert schedule.warmup_steps + schedule.decay_steps == 3 * steps


def test_searching_the_preset_under_fixed_widths_is_an_error():
    config = load_config(overrides=["model.widths=[8, 16, 32, 64]"])
    assert config.tune.space.preset.search
    with pytest.raises(ConfigError, match="tune.space.preset: searching the preset has no effect"):
        MFAFNetHyperModel(config)
    pinned = load_config(overrides=["model.widths=[8, 16, 32, 64]", "tune.space.preset.search=false"])
    assert MFAFNetHyperModel(pinned).config is pinned
