"""Writing evaluation results: metrics.json, metrics.md, confusion_matrix.png."""

import json
import math
import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from mfafnet_tf.data.atomic import atomic_path  # noqa: E402
from mfafnet_tf.data.atomic import write_text  # noqa: E402

METRICS_JSON = "metrics.json"
METRICS_MARKDOWN = "metrics.md"
CONFUSION_PNG = "confusion_matrix.png"


def json_ready(value):
    """Returns ``value`` with NaN floats replaced by ``None`` (JSON ``null``)."""
    if isinstance(value, dict):
        return {key: json_ready(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_ready(item) for item in value]
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def write_evaluation(out_dir, scores, confusion, protocol, scenes):
    """Writes the three evaluation outputs into ``out_dir`` atomically.

    Args:
        out_dir: Directory (usually the run directory).
        scores: Result of ``segmentation_scores``.
        confusion: The ``[K, K]`` confusion matrix.
        protocol: Evaluation protocol name, recorded in the JSON.
        scenes: Names of the evaluated scenes, recorded in the JSON.

    Returns:
        Dict of output kind (``json``, ``markdown``, ``png``) -> path.
    """
    names = list(scores["per_class_iou"])
    record = dict(scores, protocol=protocol, scenes=list(scenes))
    record["confusion_matrix"] = np.asarray(confusion).tolist()
    paths = {
        "json": os.path.join(out_dir, METRICS_JSON),
        "markdown": os.path.join(out_dir, METRICS_MARKDOWN),
        "png": os.path.join(out_dir, CONFUSION_PNG),
    }
    write_text(paths["json"], json.dumps(json_ready(record), indent=2) + "\n")
    write_text(paths["markdown"], metrics_markdown(scores, protocol))
    _plot_confusion(paths["png"], np.asarray(confusion), names)
    return paths


def metrics_markdown(scores, protocol):
    """Formats overall and per-class scores as Markdown tables."""
    lines = [
        f"# Evaluation ({protocol}, {scores['pixels']} pixels)",
        "",
        "| aAcc | mIoU | mAcc | mF1 | kappa |",
        "|---|---|---|---|---|",
        "| "
        + " | ".join(
            percent(scores[key]) for key in ("aAcc", "mIoU", "mAcc", "mF1")
        )
        + f" | {_fixed(scores['kappa'])} |",
        "",
        "| class | IoU | Acc | F1 |",
        "|---|---|---|---|",
    ]
    for name in scores["per_class_iou"]:
        lines.append(
            f"| {name} | {percent(scores['per_class_iou'][name])} | "
            f"{percent(scores['per_class_acc'][name])} | "
            f"{percent(scores['per_class_f1'][name])} |"
        )
    return "\n".join(lines) + "\n"


def percent(value):
    """Formats a 0..1 score as a percentage with two decimals (``-`` for NaN)."""
    return "-" if value is None or math.isnan(value) else f"{100 * value:.2f}"


def _fixed(value):
    return "-" if math.isnan(value) else f"{value:.4f}"


def _plot_confusion(path, confusion, names):
    figure = confusion_figure(confusion, names)
    with atomic_path(path) as temporary:
        figure.savefig(temporary, dpi=100, format="png")
    plt.close(figure)


def confusion_figure(confusion, names, title="Confusion matrix (row-normalized)"):
    """A matplotlib figure of the row-normalized confusion matrix (rows = truth)."""
    confusion = np.asarray(confusion)
    totals = confusion.sum(axis=1, keepdims=True)
    normalized = np.divide(
        confusion, totals, out=np.zeros(confusion.shape), where=totals > 0
    )
    size = 2.0 + 0.6 * len(names)
    figure, axes = plt.subplots(figsize=(size + 1.5, size))
    image = axes.imshow(normalized, cmap="Blues", vmin=0.0, vmax=1.0)
    axes.set_xticks(range(len(names)), names, rotation=45, ha="right")
    axes.set_yticks(range(len(names)), names)
    axes.set_xlabel("predicted")
    axes.set_ylabel("ground truth")
    axes.set_title(title)
    for row in range(len(names)):
        for column in range(len(names)):
            value = normalized[row, column]
            axes.text(
                column, row, f"{value:.2f}", ha="center", va="center", fontsize=7,
                color="white" if value > 0.5 else "black",
            )
    figure.colorbar(image, ax=axes, fraction=0.046)
    figure.tight_layout()
    return figure
