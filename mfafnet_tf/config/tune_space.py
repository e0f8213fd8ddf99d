"""The ``tune.space`` section: the hyperparameters a search explores."""

import dataclasses

from mfafnet_tf.config.hyperparameter_spec import HyperparameterSpec


def _spec(**kwargs):
    return dataclasses.field(default_factory=lambda: HyperparameterSpec(**kwargs))


@dataclasses.dataclass
class TuneSpace:
    """Search space over MFAFNet's architecture and optimizer, with defaults.

    A hyperparameter named like an MFAFNet option (``MFAFNetOptions``) sets
    ``model.options.<name>``. Per-level settings (``widths``, ``low_freq_ratios``, ``sr_ratios``) are
    choices among whole lists, one entry per encoder level.
    """

    preset: HyperparameterSpec = _spec(values=["tiny", "small"], default="tiny")
    widths: HyperparameterSpec = _spec(values=None, default=None, search=False)
    low_freq_ratios: HyperparameterSpec = _spec(
        values=[[0.25, 0.5, 0.75, 0.875], [0.5, 0.5, 0.5, 0.5]],
        default=[0.25, 0.5, 0.75, 0.875],
    )
    sr_ratios: HyperparameterSpec = _spec(
        values=[[8, 4, 2, 1], [4, 2, 1, 1]], default=[8, 4, 2, 1]
    )
    alignment_weight: HyperparameterSpec = _spec(
        min=0.01, max=1.0, sampling="log", default=0.1
    )
    alignment: HyperparameterSpec = _spec(
        values=["gaussian_mmd", "linear_mmd"], default="gaussian_mmd"
    )
    learning_rate: HyperparameterSpec = _spec(
        min=1e-4, max=3e-3, sampling="log", default=1e-3
    )
    weight_decay: HyperparameterSpec = _spec(
        min=1e-6, max=1e-3, sampling="log", default=1e-4
    )
