"""The recipe's ``tune.space`` as KerasTuner hyperparameters, and back to overrides.

Each entry of ``tune.space`` becomes one hyperparameter of the same name:

- ``values: [...]`` -> ``hp.Choice``. KerasTuner choices must be scalars of one
  type, so lists (per-level settings such as ``low_freq_ratios``) are offered
  as text like ``"0.25,0.5,0.75,0.875"`` and decoded back to the listed value.
- ``min``/``max`` -> ``hp.Float`` (``sampling: linear`` or ``log``), or
  ``hp.Int`` when both bounds and the default are whole numbers.
- ``search: false`` -> ``hp.Fixed`` at ``default`` (not declared when
  ``default`` is null, so the recipe's own value stays).

The chosen values map onto recipe keys (``TARGETS``) and form a nested
override mapping, the same shape as an ``--override-file``.
"""

import dataclasses
import math

from mfafnet_tf.config.conversion import from_dict, to_dict
from mfafnet_tf.config.experiment_config import ExperimentConfig
from mfafnet_tf.config.loading import merge
from mfafnet_tf.errors import ConfigError
from mfafnet_tf.models.mfafnet.mfafnet_options import OPTION_NAMES

# ``tune.space`` name -> the dotted recipe key its value sets: an MFAFNet
# option sets ``model.options.<name>``, except those the recipe keeps elsewhere.
TARGETS = {
    **{name: f"model.options.{name}" for name in OPTION_NAMES},
    "preset": "model.preset",
    "widths": "model.widths",
    "alignment_weight": "train.alignment_weight",
    "learning_rate": "train.learning_rate",
    "weight_decay": "train.weight_decay",
}
# The entries every model takes (the optimizer's); the others are MFAFNet's.
OPTIMIZER_NAMES = ("learning_rate", "weight_decay")
SAMPLINGS = ("linear", "log")
_SCALARS = (bool, int, float, str)


def declare(hp, space, names=None):
    """Declares every hyperparameter of ``space`` (or those in ``names``) on ``hp``.

    Declaring again returns the values already chosen in ``hp``, so the same
    call reads a trial's values back.

    Args:
        hp: ``keras_tuner.HyperParameters``.
        space: ``TuneSpace`` (the recipe's ``tune.space``).
        names: The entries to declare; None: all.

    Returns:
        ``{name: value}`` of the declared hyperparameters, decoded to recipe
        values (lists for per-level settings).

    Raises:
        ConfigError: A malformed entry, named by its key.
    """
    values = {}
    for field in dataclasses.fields(space):
        name = field.name
        if name not in TARGETS:
            raise ConfigError(
                f"tune.space.{name}: no recipe key is known for it "
                f"(known: {', '.join(TARGETS)})"
            )
        spec = getattr(space, name)
        if names is not None and name not in names:
            continue
        if spec.search or spec.default is not None:
            values[name] = _declare_one(hp, name, spec, f"tune.space.{name}")
    return values


def to_overrides(values):
    """Returns the nested override mapping that sets decoded ``values``.

    For example ``{"learning_rate": 0.001, "alignment": "linear_mmd"}``
    gives ``{"train": {"learning_rate": 0.001}, "model": {"options":
    {"alignment": "linear_mmd"}}}``.
    """
    overrides = {}
    for name, value in values.items():
        *parents, key = TARGETS[name].split(".")
        node = overrides
        for part in parents:
            node = node.setdefault(part, {})
        node[key] = list(value) if isinstance(value, tuple) else value
    return overrides


def apply_overrides(config, overrides):
    """Returns a copy of ``config`` with a nested override mapping merged in.

    Merges the way ``--override-file`` does, so a trial trains exactly the
    config that its override file gives.
    """
    return from_dict(ExperimentConfig, merge(to_dict(config), overrides))


def _declare_one(hp, name, spec, where):
    if not spec.search:
        hp.Fixed(name, _encode_one(spec.default, where))
        return spec.default
    if spec.values is not None:
        return _declare_choice(hp, name, spec, where)
    return _declare_range(hp, name, spec, where)


def _declare_choice(hp, name, spec, where):
    if not isinstance(spec.values, list) or not spec.values:
        raise ConfigError(f"{where}.values: expected a non-empty list, found {spec.values!r}")
    encoded = _encode_all(spec.values, where)
    table = dict(zip(encoded, spec.values))
    if len(table) < len(spec.values):
        raise ConfigError(f"{where}.values: expected distinct values, found {spec.values!r}")
    default = None
    if spec.default is not None:
        if spec.default not in spec.values:
            raise ConfigError(
                f"{where}.default: expected one of {spec.values!r}, found {spec.default!r}"
            )
        default = encoded[spec.values.index(spec.default)]
    return table[hp.Choice(name, encoded, default=default)]


def _declare_range(hp, name, spec, where):
    low, high, default = spec.min, spec.max, spec.default
    if low is None or high is None:
        raise ConfigError(
            f"{where}: expected 'values' (a choice) or both 'min' and 'max' (a range), "
            f"found min={low!r}, max={high!r}"
        )
    if not low < high:
        raise ConfigError(f"{where}: expected min < max, found min={low!r}, max={high!r}")
    if spec.sampling not in SAMPLINGS:
        raise ConfigError(
            f"{where}.sampling: expected one of {', '.join(SAMPLINGS)}, found {spec.sampling!r}"
        )
    if spec.sampling == "log" and low <= 0:
        raise ConfigError(f"{where}: log sampling needs min > 0, found min={low!r}")
    if default is not None:
        if isinstance(default, bool) or not isinstance(default, (int, float)):
            raise ConfigError(f"{where}.default: expected a number, found {default!r}")
        if not low <= default <= high:
            raise ConfigError(
                f"{where}.default: expected a value in [{low}, {high}], found {default!r}"
            )
    if isinstance(default, int) and _whole(low) and _whole(high):
        return hp.Int(name, int(low), int(high), sampling=spec.sampling, default=default)
    return hp.Float(
        name, float(low), float(high), sampling=spec.sampling,
        default=None if default is None else float(default),
    )


def _whole(number):
    return math.isfinite(number) and float(number).is_integer()


def _encode_all(values, where):
    """Encodes choice values as scalars of one type (text for lists)."""
    kinds = {type(value) for value in values}
    if len(kinds) == 1 and kinds <= set(_SCALARS):
        return list(values)
    if kinds <= {int, float}:
        return [float(value) for value in values]
    return [_encode_one(value, where, as_text=True) for value in values]


def _encode_one(value, where, as_text=False):
    if isinstance(value, (list, tuple)) and all(
        isinstance(item, _SCALARS) for item in value
    ):
        return ",".join(str(item) for item in value)
    if isinstance(value, _SCALARS):
        return str(value) if as_text else value
    raise ConfigError(
        f"{where}: expected scalars or lists of scalars, found {value!r}"
    )
