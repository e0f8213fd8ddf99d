"""Range checks of the numeric recipe fields, run when a recipe loads."""

import math

from mfafnet_tf.errors import ConfigError

_POSITIVE = (0, False, None)  # (bound, bound allowed, upper bound)
_COUNT = (1, True, None)
_NON_NEGATIVE = (0, True, None)
_SHARE = (0, True, 1)

RANGES = {
    "task.num_classes": _COUNT,
    "data.patch": _COUNT,
    "data.stride": _COUNT,
    "data.synthetic_scenes": _COUNT,
    "data.synthetic_size": _COUNT,
    "data.modality_dropout": _SHARE,
    "data.cloud_dropout": _SHARE,
    "data.sar_gap_dropout": _SHARE,
    "data.dropout_warmup": _SHARE,
    "train.epochs": _COUNT,
    "train.steps_per_epoch": _COUNT,
    "train.validation_steps": _COUNT,
    "train.batch_size": _COUNT,
    "train.learning_rate": _POSITIVE,
    "train.warmup_fraction": _SHARE,
    "train.final_learning_rate_fraction": _SHARE,
    "train.weight_decay": _NON_NEGATIVE,
    "train.gradient_clip_norm": _POSITIVE,
    "train.alignment_weight": _NON_NEGATIVE,
    "runtime.steps_per_execution": _COUNT,
    "runtime.verbose": (0, True, 2),
    "tune.max_trials": _COUNT,
    "tune.max_epochs": _COUNT,
    "tune.factor": (2, True, None),
    "tune.executions_per_trial": _COUNT,
}
"""Dotted field -> ``(lower bound, lower bound allowed, upper bound or None)``;
``None`` values (where a field allows them) are not checked."""


def check_ranges(config, keys=None):
    """Checks the numeric fields of ``config`` against :data:`RANGES`.

    Args:
        config: ``ExperimentConfig``.
        keys: Dotted fields or sections to check (others are skipped);
            ``None`` checks all.

    Raises:
        ConfigError: A value outside its range, naming the field, the range
            and the value.
    """
    for key, (lower, inclusive, upper) in RANGES.items():
        if keys is not None and not any(key == k or key.startswith(f"{k}.") for k in keys):
            continue
        value = config
        for part in key.split("."):
            value = getattr(value, part)
        if value is None:
            continue
        below = value < lower if inclusive else value <= lower
        if below or (upper is not None and value > upper) or not math.isfinite(value):
            expected = f"{'>=' if inclusive else '>'} {lower}"
            if upper is not None:
                expected = f"in {lower}..{upper}"
            kind = "an integer" if isinstance(value, int) else "a number"
            raise ConfigError(f"'{key}': expected {kind} {expected}, found {value!r}")


def dotted_keys(data, prefix=""):
    """Returns the dotted keys of the leaves of a nested mapping."""
    keys = set()
    for key, value in data.items():
        dotted = f"{prefix}{key}"
        keys |= dotted_keys(value, f"{dotted}.") if isinstance(value, dict) else {dotted}
    return keys
