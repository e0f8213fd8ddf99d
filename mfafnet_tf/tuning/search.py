"""Running a resumable KerasTuner search from a recipe."""

import dataclasses
import os

import keras_tuner

from mfafnet_tf.errors import ConfigError, MfafnetError
from mfafnet_tf.training.trainer import start_run
from mfafnet_tf.tuning.best_overrides import BEST_OVERRIDES, write_best_overrides
from mfafnet_tf.tuning.mfafnet_hypermodel import MFAFNetHyperModel
from mfafnet_tf.tuning.trial_table import format_trial_table

TUNERS = ("hyperband", "bayesian", "random")
DIRECTIONS = ("max", "min")


@dataclasses.dataclass
class SearchResult:
    """What a search left behind.

    Attributes:
        tuner: The ``keras_tuner.Tuner`` (its project is ``<out>/<tuner name>``).
        best_overrides: Path of the best-hyperparameter override file, or
            ``None`` on non-chief workers.
        table: The trial summary table as printed.
    """

    tuner: keras_tuner.Tuner
    best_overrides: str
    table: str


def make_tuner(hypermodel, tune, directory, tuner=None, max_trials=None,
               distribution_strategy=None, seed=None):
    """Creates (or reloads, when ``directory`` holds one) a KerasTuner tuner.

    The project lives in ``<directory>/<tuner name>``; with ``overwrite=False``
    an existing project is reloaded and its search continues.

    Args:
        hypermodel: ``MFAFNetHyperModel``.
        tune: ``TuneConfig`` (objective, direction, tuner settings).
        directory: Output directory.
        tuner: ``hyperband``, ``bayesian`` or ``random``; ``None`` uses
            ``tune.tuner``.
        max_trials: Trial budget; ``None`` uses ``tune.max_trials``
            (bayesian/random) or no cap (hyperband, whose schedule follows
            ``tune.max_epochs`` and ``tune.factor``).
        distribution_strategy: ``tf.distribute.Strategy`` of the trials.
        seed: Seed of the oracle.

    Raises:
        ConfigError: Unknown tuner name or direction, or a trial budget below 1.
    """
    name = tuner or tune.tuner
    if name not in TUNERS:
        raise ConfigError(f"tune.tuner: expected one of {', '.join(TUNERS)}, found {name!r}")
    if tune.direction not in DIRECTIONS:
        raise ConfigError(
            f"tune.direction: expected one of {', '.join(DIRECTIONS)}, found {tune.direction!r}"
        )
    for key, value in (("max_trials", max_trials or tune.max_trials),
                       ("executions_per_trial", tune.executions_per_trial)):
        if value < 1:
            raise ConfigError(f"tune.{key}: expected at least 1, found {value}")
    common = dict(
        objective=keras_tuner.Objective(tune.objective, tune.direction),
        executions_per_trial=tune.executions_per_trial,
        distribution_strategy=distribution_strategy,
        directory=directory,
        project_name=name,
        overwrite=False,
        seed=seed,
    )
    if name == "hyperband":
        if tune.max_epochs < 1 or tune.factor < 2:
            raise ConfigError(
                f"tune.max_epochs/tune.factor: expected >= 1 and >= 2, "
                f"found {tune.max_epochs} and {tune.factor}"
            )
        result = keras_tuner.Hyperband(
            hypermodel, max_epochs=tune.max_epochs, factor=tune.factor, **common
        )
        result.oracle.max_trials = max_trials
        return result
    trials = max_trials or tune.max_trials
    if name == "bayesian":
        return keras_tuner.BayesianOptimization(hypermodel, max_trials=trials, **common)
    return keras_tuner.RandomSearch(hypermodel, max_trials=trials, **common)


def run_search(config, out_dir, tuner=None, max_trials=None):
    """Searches the recipe's ``tune.space``, resuming a search found in ``out_dir``.

    Prepares the data as ``mfafnet train`` does, runs the trials under the
    recipe's distribution strategy (Hyperband trials use a learning-rate
    schedule over ``tune.max_epochs``), prints the trial table and writes the
    best trial's values to ``<out_dir>/best_overrides.yaml``.

    Args:
        config: ``ExperimentConfig`` of an MFAFNet recipe.
        out_dir: Output directory; running again continues its search.
        tuner: Tuner name; ``None`` uses ``tune.tuner``.
        max_trials: Trial budget; ``None`` uses ``tune.max_trials``.

    Returns:
        ``SearchResult``.

    Raises:
        MfafnetError: No trial completed.
    """
    name = tuner or config.tune.tuner
    if name == "hyperband":
        config = dataclasses.replace(
            config, train=dataclasses.replace(config.train, epochs=config.tune.max_epochs)
        )
    strategy, is_chief, task_id, info = start_run(config)
    directory = out_dir if is_chief else os.path.join(out_dir, f"worker-{task_id}")
    hypermodel = MFAFNetHyperModel(config, info)
    search = make_tuner(
        hypermodel, config.tune, directory, name, max_trials, strategy, config.runtime.seed
    )
    search.search(verbose=config.runtime.verbose)
    oracle = search.oracle
    best = oracle.get_best_trials(1)
    trials = [oracle.trials[trial_id] for trial_id in dict.fromkeys(oracle.start_order)]
    table = format_trial_table(trials, config.tune.objective, best[0].trial_id if best else None)
    print(f"\nsearch in {search.project_dir}:\n{table}")
    if not best:
        raise MfafnetError(
            f"{search.project_dir}: no trial completed; see the trial messages above"
        )
    path = None
    if is_chief:
        path = write_best_overrides(
            os.path.join(out_dir, BEST_OVERRIDES),
            hypermodel.overrides(best[0].hyperparameters.copy()),
            best[0].trial_id,
            config.tune.objective,
            best[0].score,
        )
    return SearchResult(search, path, table)
