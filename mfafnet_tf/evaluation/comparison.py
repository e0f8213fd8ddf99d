"""The paper-style comparison table of several evaluated runs."""

import json
import os

import yaml

from mfafnet_tf.data.atomic import write_text
from mfafnet_tf.errors import DataError
from mfafnet_tf.evaluation.report import METRICS_JSON, json_ready, percent


def load_run_metrics(run_dirs, names=None):
    """Reads ``metrics.json`` of each run.

    Args:
        run_dirs: Run directories that ``mfafnet evaluate`` has written to.
        names: Row names; default: see ``run_names``.

    Returns:
        ``{name: {"aAcc", "mIoU", "per_class_iou": {class: IoU}}}``, in order.

    Raises:
        DataError: A run has no readable ``metrics.json``, or two runs share a name.
    """
    names = run_names(run_dirs, names)
    return {name: comparison_row(read_metrics(run_dir))
            for name, run_dir in zip(names, run_dirs)}


def run_names(run_dirs, names=None):
    """The runs' names: ``names``, else the recipe names of their ``config.yaml``.

    Runs without a ``config.yaml`` are named by their directory. When recipe
    names repeat (one recipe, several seeds), every run is named
    ``<recipe name>/seed<runtime.seed>``; when those repeat too, by its path
    below the directory the runs share.

    Raises:
        DataError: two runs given the same name in ``names``.
    """
    if not names:
        recipes = [_recipe_name(path) for path in run_dirs]
        names = [name or os.path.basename(os.path.normpath(path))
                 for name, path in zip(recipes, run_dirs)]
        if len(set(names)) != len(names) and all(recipes):
            names = [f"{name}/seed{seed}" for name, seed in (_recipe_name(p, True) for p in run_dirs)]
        if len(set(names)) != len(names):
            common = os.path.commonpath([os.path.abspath(path) for path in run_dirs])
            names = [os.path.relpath(os.path.abspath(path), common) for path in run_dirs]
    names = list(names)
    if len(set(names)) != len(names):
        duplicates = sorted({name for name in names if names.count(name) > 1})
        raise DataError(
            f"runs {', '.join(map(str, run_dirs))}: row names {duplicates} occur more "
            "than once; give each run a distinct name"
        )
    return names


def _recipe_name(run_dir, with_seed=False):
    """The ``name`` (and ``runtime.seed``) of the run's ``config.yaml``, or None without one."""
    path = os.path.join(run_dir, "config.yaml")
    if not os.path.exists(path):
        return None
    with open(path, encoding="utf-8") as stream:
        config = yaml.safe_load(stream) or {}
    name = str(config.get("name", os.path.basename(os.path.normpath(run_dir))))
    return (name, (config.get("runtime") or {}).get("seed", 0)) if with_seed else name


def read_metrics(run_dir):
    """The ``metrics.json`` of an evaluated run directory, as a dict.

    Raises:
        DataError: it is missing or not valid JSON; the message names it.
    """
    path = os.path.join(run_dir, METRICS_JSON)
    try:
        with open(path, encoding="utf-8") as stream:
            return json.load(stream)
    except FileNotFoundError:
        raise DataError(
            f"{path}: no metrics.json; run `mfafnet evaluate --run-dir {run_dir}`"
        ) from None
    except json.JSONDecodeError as error:
        raise DataError(f"{path}: not valid JSON: {error}") from None


def comparison_row(metrics):
    """Keeps the comparison columns of one run's metrics."""
    return {
        "aAcc": metrics["aAcc"],
        "mIoU": metrics["mIoU"],
        "per_class_iou": dict(metrics["per_class_iou"]),
    }


def ordered_union(groups):
    """The items of several sequences, each once, in order of first appearance."""
    items = {}
    for group in groups:
        items.update(dict.fromkeys(group))
    return list(items)


CLOUDED = "clouded_mIoU"


def comparison_markdown(table):
    """Formats the table: rows = runs, columns aAcc, mIoU, per-class IoU (%).

    Rows that have a ``clouded_mIoU`` (the demo's: 50 % of the optical
    removed by cloud-shaped masks) get that column after the mIoU.
    """
    classes = ordered_union(row["per_class_iou"] for row in table.values())
    clouded = any(CLOUDED in row for row in table.values())
    header = ["run", "aAcc", "mIoU"] + (["mIoU, 50 % optical clouded"] if clouded else []) + classes
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for name, row in table.items():
        cells = [name, percent(row["aAcc"]), percent(row["mIoU"])]
        cells += [percent(row.get(CLOUDED))] if clouded else []
        cells += [percent(row["per_class_iou"].get(cls)) for cls in classes]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def write_comparison(table, markdown_path=None, json_path=None):
    """Writes the table as Markdown and/or JSON (NaN as null), atomically."""
    if markdown_path:
        write_text(markdown_path, comparison_markdown(table))
    if json_path:
        write_text(json_path, json.dumps(json_ready(table), indent=2) + "\n")
