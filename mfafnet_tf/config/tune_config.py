"""The ``tune:`` section of a recipe (read by ``mfafnet tune``)."""

import dataclasses

from mfafnet_tf.config.tune_space import TuneSpace


@dataclasses.dataclass
class TuneConfig:
    """KerasTuner settings and search space.

    Attributes:
        tuner: ``hyperband``, ``bayesian`` or ``random``.
        max_trials: Trial budget (bayesian/random).
        max_epochs: Most epochs one trial trains (hyperband).
        factor: Hyperband reduction factor.
        executions_per_trial: Models trained per trial.
        objective: Metric to optimize.
        direction: ``max`` or ``min``.
        space: The hyperparameters and their ranges.
    """

    tuner: str = "hyperband"
    max_trials: int = 10
    max_epochs: int = 10
    factor: int = 3
    executions_per_trial: int = 1
    objective: str = "val_mean_iou"
    direction: str = "max"
    space: TuneSpace = dataclasses.field(default_factory=TuneSpace)
