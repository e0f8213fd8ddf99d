"""The leaderboard of several models over seeds: each model at its best configuration.

A run is one model, one seed and one training configuration: with the
recipe's missing-data dropout (cloud, SAR-gap, modality) or without it. A
model's clear-data score is that of its better configuration (mean over the
seeds); its missing-data scores (``missing_data.json``: mIoU with 100 % of the
optical and with 100 % of the SAR removed) are those of its dropout
configuration, the one trained for missing data. Single-modality models see no
dropout, so their one configuration is both.
"""

import json
import os
import statistics

from mfafnet_tf.config import load_config
from mfafnet_tf.data.atomic import write_text
from mfafnet_tf.errors import DataError
from mfafnet_tf.evaluation.comparison import ordered_union, read_metrics

MISSING_DATA_JSON = "missing_data.json"
MODEL_COST_JSON = "model_cost.json"
COST_COLUMNS = (
    ("parameters", "params (M)", 1e-6, 2),
    ("gflops", "GFLOPs / 256²", 1.0, 2),
    ("train_images_per_s", "train img/s", 1.0, 2),
    ("infer_images_per_s", "infer img/s", 1.0, 2),
    ("dense_ratio_train", "train / dense", 1.0, 2),
    ("dense_ratio_infer", "infer / dense", 1.0, 2),
)


def trained_with_dropout(config):
    """Whether the run trained with missing-data dropout (a model of both modalities only)."""
    data = config.data
    both = set(config.model.input_modalities) == {"optical", "sar"}
    return both and max(data.cloud_dropout, data.sar_gap_dropout, data.modality_dropout) > 0


def write_missing_data(run_dir, progress=False):
    """Scores a run with 100 % of each modality removed; writes ``missing_data.json``.

    Returns:
        ``{"optical": mIoU, "sar": mIoU}`` (0..1) on the recipe's test scenes.
    """
    from mfafnet_tf.evaluation.robustness import robustness_table

    rows = robustness_table([run_dir], shares=(1.0,), progress=progress, names=["run"])
    scores = {row["removed"]: row["mIoU"] for row in rows}
    write_text(os.path.join(run_dir, MISSING_DATA_JSON), json.dumps(scores, indent=1) + "\n")
    return scores


def _read_json(run_dir, name):
    path = os.path.join(run_dir, name)
    if not os.path.exists(path):
        return None
    try:
        with open(path, encoding="utf-8") as stream:
            return json.load(stream)
    except json.JSONDecodeError as error:
        raise DataError(f"{path}: not valid JSON: {error}") from None


def load_leaderboard_runs(run_dirs):
    """Reads each evaluated run: its model name, seed, dropout, metrics and extras.

    Returns:
        ``{model name: {"dropout" | "clear": {seed: run}}}`` where a run is
        ``{"dir", "mIoU", "per_class_iou", "missing" (or None), "cost" (or None)}``.

    Raises:
        DataError: A run has no ``metrics.json`` (it is named), or two runs
            share model, configuration and seed.
    """
    models = {}
    for run_dir in run_dirs:
        config = load_config(os.path.join(run_dir, "config.yaml"))
        metrics = read_metrics(run_dir)
        setting = "dropout" if trained_with_dropout(config) else "clear"
        seeds = models.setdefault(config.name, {}).setdefault(setting, {})
        seed = config.runtime.seed
        if seed in seeds:
            raise DataError(
                f"runs {seeds[seed]['dir']} and {run_dir}: both are {config.name} ({setting}) "
                f"with seed {seed}; give each run its own recipe name or seed")
        seeds[seed] = {
            "dir": run_dir,
            "mIoU": metrics["mIoU"],
            "per_class_iou": dict(metrics["per_class_iou"]),
            "missing": _read_json(run_dir, MISSING_DATA_JSON),
            "cost": _read_json(run_dir, MODEL_COST_JSON),
        }
    return models


def _mean(values):
    return statistics.mean(values) if values else float("nan")


def _mean_std(values):
    """Mean ± sample std in % (the value alone from one seed), or — without values."""
    values = [100 * v for v in values if v is not None and v == v]
    if not values:
        return "—"
    if len(values) == 1:
        return f"{values[0]:.2f}"
    return f"{statistics.mean(values):.2f} ± {statistics.stdev(values):.2f}"


def best_settings(settings):
    """(clear-data setting, missing-data setting) of one model's runs.

    The clear-data setting is the one with the higher mean test mIoU over the
    seeds both settings have (all seeds where they share none): the rule of
    the leaderboard, each model at its better configuration.
    """
    shared = set.intersection(*(set(runs) for runs in settings.values()))

    def mean(setting):
        runs = settings[setting]
        return _mean([runs[seed]["mIoU"] for seed in (shared or runs)])

    clear = max(settings, key=mean)
    return clear, "dropout" if "dropout" in settings else clear


def leaderboard_markdown(models, reference=None):
    """The leaderboard table; rows sorted by clear-data mIoU.

    Args:
        models: ``load_leaderboard_runs``'s result.
        reference: Model name the paired Δ column is taken against (same
            seed, each at its best clear-data setting); None: no Δ column.

    Raises:
        DataError: ``reference`` is not one of the models.
    """
    if reference is not None and reference not in models:
        raise DataError(
            f"reference model {reference!r}: not among the runs' models "
            f"({', '.join(sorted(models))})")
    rows = []
    for name, settings in models.items():
        clear, missing = best_settings(settings)
        rows.append((name, clear, settings[clear], settings[missing]))
    rows.sort(key=lambda row: -_mean([r["mIoU"] for r in row[2].values()]))
    classes = ordered_union(r["per_class_iou"] for row in rows for r in row[2].values())
    costs = [key for key, *_ in COST_COLUMNS
             if any(r["cost"] and key in r["cost"] for row in rows for r in row[2].values())]
    base = None
    if reference is not None:
        base = models[reference][best_settings(models[reference])[0]]
    header = ["model", "seeds", "clear: setting", "clear mIoU"]
    header += [f"Δ vs {reference} (paired)"] if base else []
    header += classes + ["optical removed", "SAR removed"]
    header += [title for key, title, *_ in COST_COLUMNS if key in costs]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for name, setting, clear_runs, missing_runs in rows:
        cells = [name, str(len(clear_runs)), setting, _mean_std([r["mIoU"] for r in clear_runs.values()])]
        if base:
            shared = sorted(set(clear_runs) & set(base))
            cells.append("—" if name == reference or not shared else _mean_std(
                [clear_runs[s]["mIoU"] - base[s]["mIoU"] for s in shared]))
        cells += [_mean_std([r["per_class_iou"].get(c) for r in clear_runs.values()]) for c in classes]
        for modality in ("optical", "sar"):
            cells.append(_mean_std([r["missing"][modality] for r in missing_runs.values() if r["missing"]]))
        for key, _, scale, digits in COST_COLUMNS:
            if key in costs:
                values = [r["cost"][key] for r in clear_runs.values() if r["cost"] and key in r["cost"]]
                cells.append(f"{scale * _mean(values):.{digits}f}" if values else "—")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
