"""The best hyperparameters of a search as an ``--override-file``."""

import os

import yaml

from mfafnet_tf.data.atomic import write_text

BEST_OVERRIDES = "best_overrides.yaml"


def write_best_overrides(path, overrides, trial_id, objective, score):
    """Writes the override mapping of the best trial as YAML, atomically.

    The file is the nested shape that ``mfafnet train --override-file``
    merges over the recipe, headed by comments naming the trial and its score.

    Args:
        path: Destination file.
        overrides: Nested mapping, e.g. ``{"train": {"learning_rate": 0.001}}``.
        trial_id: Id of the best trial.
        objective: Name of the objective metric.
        score: The trial's objective value.

    Returns:
        ``path``.
    """
    header = (
        f"# Best hyperparameters of the search in {os.path.dirname(os.path.abspath(path))}:\n"
        f"# trial {trial_id}, {objective} = {score:.6g}.\n"
        f"# Use: mfafnet train --recipe RECIPE --override-file {os.path.basename(path)} "
        f"--run-dir RUN_DIR\n"
    )
    write_text(path, header + yaml.safe_dump(overrides, sort_keys=False))
    return path
