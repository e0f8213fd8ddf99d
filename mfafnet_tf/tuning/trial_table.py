"""A plain-text table of the trials of a search."""

TUNER_PREFIX = "tuner/"


def format_trial_table(trials, objective, best_id=None):
    """Returns one row per trial: id, status, objective value, hyperparameters.

    Floats are shown to 4 significant digits; the best-hyperparameter file
    keeps them in full.

    Args:
        trials: ``keras_tuner`` trials, in the order they ran.
        objective: Name of the objective metric (the column title).
        best_id: Id of the best trial, marked with ``*``.
    """
    header = ("trial", "status", objective, "hyperparameters")
    rows = [header]
    for trial in trials:
        values = trial.hyperparameters.values
        settings = [
            f"{name}={_short(value)}" for name, value in values.items()
            if not name.startswith(TUNER_PREFIX)
        ]
        if f"{TUNER_PREFIX}epochs" in values:
            settings.append(f"epochs={values[TUNER_PREFIX + 'epochs']}")
        score = "-" if trial.score is None else f"{trial.score:.4f}"
        mark = " *" if trial.trial_id == best_id else ""
        rows.append((f"{trial.trial_id}{mark}", trial.status, score, "  ".join(settings)))
    widths = [max(len(str(row[column])) for row in rows) for column in range(3)]
    lines = [
        "  ".join(str(cell).ljust(width) for cell, width in zip(row[:3], widths)) + "  " + row[3]
        for row in rows
    ]
    return "\n".join(line.rstrip() for line in lines)


def _short(value):
    return f"{value:.4g}" if isinstance(value, float) else value
