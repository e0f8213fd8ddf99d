"""A static HTML report of one or several evaluated runs (images embedded, no server).

One run (``mfafnet evaluate``: ``report.html`` in its output directory) or several
side by side (``mfafnet compare --html``): the metrics table, per-class scores, a
per-class IoU bar chart, the confusion matrices, the training curves from
``history.csv`` and the per-scene panels. Every image is an embedded base64 PNG,
so the file opens anywhere, offline, on its own.
"""

import base64
import csv
import dataclasses
import html
import io
import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from mfafnet_tf.data.atomic import write_text  # noqa: E402
from mfafnet_tf.evaluation.comparison import ordered_union, read_metrics, run_names  # noqa: E402
from mfafnet_tf.evaluation.report import confusion_figure, percent  # noqa: E402
from mfafnet_tf.evaluation.scene_panels import PANEL_DIR, panel_file_name  # noqa: E402
from mfafnet_tf.training.callbacks import HISTORY_CSV  # noqa: E402

REPORT_HTML = "report.html"
OVERALL = ("aAcc", "mIoU", "mAcc", "mF1")
STYLE = """
body{font-family:system-ui,sans-serif;margin:1.5em auto;padding:0 1.5em;max-width:1400px;color:#222}
h1{font-size:1.5em}h2{font-size:1.2em;border-bottom:1px solid #ccc;margin-top:1.6em}
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:.25em .6em;
text-align:right}th{background:#f3f3f3}td:first-child,th:first-child{text-align:left}
img{max-width:100%;height:auto}.row{display:flex;flex-wrap:wrap;gap:1em;align-items:flex-start}
.row img{max-width:calc(50% - 1em)}
.muted{color:#777}figure{margin:0}figcaption{font-size:.9em;color:#555}
"""


@dataclasses.dataclass
class RunResult:
    """What the report shows of one run.

    Attributes:
        name: the run's name.
        metrics: its ``metrics.json`` as a dict.
        history: rows of ``history.csv`` (dicts of floats), or [] without one.
        panels: scene name -> panel PNG path, for the panels that exist.
    """

    name: str
    metrics: dict
    history: list
    panels: dict


def read_history(path):
    """The rows of a Keras CSV log as dicts of floats ([] when there is no file)."""
    if not os.path.exists(path):
        return []
    with open(path, newline="", encoding="utf-8") as stream:
        return [{key: float(value) for key, value in row.items() if value not in (None, "")}
                for row in csv.DictReader(stream)]


def load_run(result_dir, name=None, history_dir=None):
    """Reads a run's metrics, panels and training history.

    Args:
        result_dir: where ``mfafnet evaluate`` wrote ``metrics.json`` and ``panels/``.
        name: the run's name (default: the directory's base name).
        history_dir: where ``history.csv`` is (default: `result_dir`).

    Raises:
        DataError: no readable ``metrics.json``.
    """
    metrics = read_metrics(result_dir)
    panels = {}
    for scene in metrics.get("scenes", []):
        path = os.path.join(result_dir, PANEL_DIR, panel_file_name(scene))
        if os.path.exists(path):
            panels[scene] = path
    history = read_history(os.path.join(history_dir or result_dir, HISTORY_CSV))
    return RunResult(name or os.path.basename(os.path.normpath(result_dir)),
                     metrics, history, panels)


def load_runs(run_dirs):
    """`load_run` of each directory, named by base name (DataError if two repeat)."""
    return [load_run(path, name) for path, name in zip(run_dirs, run_names(run_dirs))]


def _png(figure):
    stream = io.BytesIO()
    figure.savefig(stream, format="png", dpi=100)
    plt.close(figure)
    return stream.getvalue()


def _img(data, alt):
    encoded = base64.b64encode(data).decode("ascii")
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{encoded}">'


def _metrics_table(runs):
    header = "".join(f"<th>{key}</th>" for key in (*OVERALL, "kappa", "pixels", "protocol"))
    rows = []
    for run in runs:
        metrics = run.metrics
        kappa = metrics.get("kappa")
        cells = [percent(metrics.get(key)) for key in OVERALL]
        cells += ["-" if kappa is None else f"{kappa:.4f}", str(metrics.get("pixels", "-")),
                  html.escape(str(metrics.get("protocol", "-")))]
        rows.append(f"<tr><td>{html.escape(run.name)}</td>"
                    + "".join(f"<td>{cell}</td>" for cell in cells) + "</tr>")
    return (f"<table><tr><th>run</th>{header}</tr>{''.join(rows)}</table>"
            "<p class=muted>Scores in %, kappa as a fraction.</p>")


def _class_table(runs, classes):
    groups = "".join(f'<th colspan=3>{html.escape(run.name)}</th>' for run in runs)
    scores = "<th>IoU</th><th>Acc</th><th>F1</th>" * len(runs)
    rows = []
    for name in classes:
        cells = []
        for run in runs:
            cells += [percent(run.metrics[key].get(name))
                      for key in ("per_class_iou", "per_class_acc", "per_class_f1")]
        rows.append(f"<tr><td>{html.escape(name)}</td>"
                    + "".join(f"<td>{cell}</td>" for cell in cells) + "</tr>")
    return (f"<table><tr><th rowspan=2>class</th>{groups}</tr><tr>{scores}</tr>"
            f"{''.join(rows)}</table>")


def _iou_chart(runs, classes):
    figure, axes = plt.subplots(figsize=(max(6.0, 0.8 * len(classes) * max(1, len(runs)) + 2), 3.6))
    width = 0.8 / len(runs)
    positions = np.arange(len(classes))
    for index, run in enumerate(runs):
        values = [run.metrics["per_class_iou"].get(name) for name in classes]
        heights = [100 * v if v is not None else 0.0 for v in values]
        bars = axes.bar(positions + (index - (len(runs) - 1) / 2) * width, heights, width,
                        label=run.name)
        axes.bar_label(bars, fmt="%.0f", fontsize=7)
    axes.set_xticks(positions, classes, rotation=30, ha="right")
    axes.set_ylabel("IoU (%)")
    axes.set_ylim(0, 105)
    axes.set_title("Per-class IoU")
    if len(runs) > 1:
        axes.legend(fontsize="small")
    figure.tight_layout()
    return _png(figure)


def _curves(runs):
    """One plot per logged quantity that has a validation twin (loss, mean_iou, ...)."""
    logged = ordered_union(row for run in runs for row in run.history)
    keys = [key for key in logged if f"val_{key}" in logged and key != "epoch"]
    if not keys:
        return None
    keys.sort(key=lambda k: k != "loss")
    figure, axes = plt.subplots(1, len(keys), figsize=(4.2 * len(keys), 3.2), squeeze=False)
    for axis, key in zip(axes[0], keys):
        for index, run in enumerate(runs):
            color = f"C{index}"
            for prefix, style in (("", "--"), ("val_", "-")):
                points = [(row.get("epoch", i), row[prefix + key])
                          for i, row in enumerate(run.history) if prefix + key in row]
                if points:
                    epochs, values = zip(*points)
                    axis.plot(np.asarray(epochs) + 1, values, style, color=color,
                              label=f"{run.name} {'validation' if prefix else 'training'}")
        axis.set_title(key)
        axis.set_xlabel("epoch")
        axis.legend(fontsize="x-small")
    figure.tight_layout()
    return _png(figure)


def _panels(runs):
    scenes = ordered_union(run.panels for run in runs)
    if not scenes:
        return "<p class=muted>No panels.</p>"
    parts = []
    for scene in scenes:
        parts.append(f"<h3>{html.escape(scene)}</h3>")
        for run in runs:
            if scene in run.panels:
                with open(run.panels[scene], "rb") as stream:
                    image = _img(stream.read(), f"{run.name}: {scene}")
                caption = f"<figcaption>{html.escape(run.name)}</figcaption>" if len(runs) > 1 else ""
                parts.append(f"<figure>{caption}{image}</figure>")
    return "".join(parts)


def report_html(runs, title):
    """The report page of `runs` (a list of `RunResult`) as a string."""
    classes = ordered_union(run.metrics["per_class_iou"] for run in runs)
    confusions = []
    for run in runs:
        if "confusion_matrix" in run.metrics:
            figure = confusion_figure(run.metrics["confusion_matrix"],
                                      list(run.metrics["per_class_iou"]),
                                      title=f"{run.name}: confusion (row-normalized)")
            confusions.append(_img(_png(figure), f"{run.name} confusion matrix"))
    curves = _curves(runs)
    missing = [run.name for run in runs if not run.history]
    scenes = ordered_union(run.metrics.get("scenes", []) for run in runs)
    body = [
        f"<h1>{html.escape(title)}</h1>",
        f"<p class=muted>{len(scenes)} scene(s): {html.escape(', '.join(scenes))}</p>",
        "<h2>Metrics</h2>", _metrics_table(runs), _class_table(runs, classes),
        "<h2>Per-class IoU</h2>", _img(_iou_chart(runs, classes), "per-class IoU"),
        "<h2>Confusion matrix</h2>", f"<div class=row>{''.join(confusions)}</div>",
        "<h2>Training curves</h2>",
        _img(curves, "training curves") if curves else "",
        (f"<p class=muted>No {HISTORY_CSV} for {html.escape(', '.join(missing))}.</p>"
         if missing else ""),
        "<h2>Scenes</h2>",
        "<p class=muted>Each panel: optical RGB (2-98 % stretch, nodata black), SAR "
        "(dB, 2-98 % stretch), prediction, label and errors (wrong pixels crimson, "
        "pixels not scored grey).</p>",
        _panels(runs),
    ]
    return (f"<!DOCTYPE html><html lang=en><head><meta charset=utf-8>"
            f"<title>{html.escape(title)}</title><style>{STYLE}</style></head><body>"
            + "\n".join(body) + "</body></html>\n")


def write_html_report(path, runs, title):
    """Writes `report_html` to `path` atomically; returns `path`."""
    write_text(path, report_html(runs, title))
    return path
