"""The paper-style comparison table of several evaluated runs."""

import json
import os

from mfafnet_tf.data.atomic import write_text
from mfafnet_tf.errors import DataError
from mfafnet_tf.evaluation.report import METRICS_JSON, json_ready, percent


def load_run_metrics(run_dirs, names=None):
    """Reads ``metrics.json`` of each run.

    Args:
        run_dirs: Run directories that ``mfafnet evaluate`` has written to.
        names: Row names; default: each directory's base name.

    Returns:
        ``{name: {"aAcc", "mIoU", "per_class_iou": {class: IoU}}}``, in order.

    Raises:
        DataError: A run has no readable ``metrics.json``, or two runs share a name.
    """
    names = names or [os.path.basename(os.path.normpath(path)) for path in run_dirs]
    if len(set(names)) != len(names):
        duplicates = sorted({name for name in names if names.count(name) > 1})
        raise DataError(
            f"runs {', '.join(map(str, run_dirs))}: row names {duplicates} occur more "
            "than once; give each run a distinct name"
        )
    table = {}
    for name, run_dir in zip(names, run_dirs):
        path = os.path.join(run_dir, METRICS_JSON)
        try:
            with open(path, encoding="utf-8") as stream:
                metrics = json.load(stream)
        except FileNotFoundError:
            raise DataError(
                f"{path}: no metrics.json; run `mfafnet evaluate --run-dir {run_dir}`"
            ) from None
        except json.JSONDecodeError as error:
            raise DataError(f"{path}: not valid JSON: {error}") from None
        table[name] = comparison_row(metrics)
    return table


def comparison_row(metrics):
    """Keeps the comparison columns of one run's metrics."""
    return {
        "aAcc": metrics["aAcc"],
        "mIoU": metrics["mIoU"],
        "per_class_iou": dict(metrics["per_class_iou"]),
    }


def comparison_markdown(table):
    """Formats the table: rows = runs, columns aAcc, mIoU, per-class IoU (%)."""
    classes = []
    for row in table.values():
        classes += [name for name in row["per_class_iou"] if name not in classes]
    header = ["run", "aAcc", "mIoU"] + classes
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for name, row in table.items():
        cells = [name, percent(row["aAcc"]), percent(row["mIoU"])]
        cells += [percent(row["per_class_iou"].get(cls)) for cls in classes]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def write_comparison(table, markdown_path=None, json_path=None):
    """Writes the table as Markdown and/or JSON (NaN as null), atomically."""
    if markdown_path:
        write_text(markdown_path, comparison_markdown(table))
    if json_path:
        write_text(json_path, json.dumps(json_ready(table), indent=2) + "\n")
