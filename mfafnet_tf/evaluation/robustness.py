"""Robustness to missing data: mIoU with a growing share of one modality removed."""

import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from tqdm import tqdm  # noqa: E402

from mfafnet_tf.config import load_config  # noqa: E402
from mfafnet_tf.data.atomic import atomic_path, write_csv, write_text  # noqa: E402
from mfafnet_tf.data.manifest import MODALITY_NAMES  # noqa: E402
from mfafnet_tf.errors import ConfigError, DataError  # noqa: E402
from mfafnet_tf.evaluation.confusion import confusion_matrix  # noqa: E402
from mfafnet_tf.evaluation.degradation import CloudMask, DegradedScene  # noqa: E402
from mfafnet_tf.evaluation.report import percent  # noqa: E402
from mfafnet_tf.evaluation.scene_evaluation import run_model_path  # noqa: E402
from mfafnet_tf.inference import ModelRunner, iter_scene_predictions, load_model  # noqa: E402
from mfafnet_tf.inference.predict_settings import PredictSettings  # noqa: E402
from mfafnet_tf.training.data_setup import open_dataset  # noqa: E402

SHARES = (0.0, 0.25, 0.5, 0.75, 1.0)
CSV_NAME = "robustness.csv"
MARKDOWN_NAME = "robustness.md"
PLOT_NAME = "robustness.png"


def degraded_scores(model, dataset, records, modality, share, *, seed=0, tile, overlap,
                    batch_size, nodata_policy=None):
    """mIoU and aAcc of a model on scenes with a share of one modality removed.

    The modality is made nodata under a deterministic ``CloudMask`` per scene.
    Every pixel with a label and with both inputs in the original scene is
    scored, so all models and shares are scored on the same pixels: where the
    model gives no class (its nodata policy), the pixel counts as wrong.

    Args:
        model: A ``ModelRunner`` (or what ``ModelRunner.wrap`` takes).
        dataset: The ``mfafnet_tf.data`` dataset of the records.
        records: Scene records with labels.
        modality: ``"optical"`` or ``"sar"``.
        share: Share of each scene's pixels removed, 0..1.
        seed: Seed of the masks.
        tile, overlap, batch_size: As for ``iter_scene_predictions``.
        nodata_policy: As for ``iter_scene_predictions``.

    Returns:
        ``{"mIoU", "aAcc", "pixels", "per_class_iou"}`` (floats, pixels an int,
        per-class IoU a dict by class name, NaN for a class never seen).
    """
    runner = ModelRunner.wrap(model)
    num_classes = dataset.num_classes
    confusion = np.zeros((num_classes, num_classes), np.int64)
    missed = np.zeros(num_classes, np.int64)
    for record in records:
        if record.label is None:
            raise DataError(f"scene {record.name}: no label file for {record.path}")
        with dataset.open(record) as scene:
            mask = CloudMask((scene.height, scene.width), share, seed, record.name)
            for window, probabilities, predicted in iter_scene_predictions(
                runner, DegradedScene(scene, modality, mask), tile=tile, overlap=overlap,
                batch_size=batch_size, nodata_policy=nodata_policy,
            ):
                read = scene.read(window)
                labels = dataset.map_labels(read.label, record.label, scene.label_nodata)
                scored = read.valid & (labels < num_classes)
                confusion += confusion_matrix(labels, probabilities.argmax(axis=-1), num_classes,
                                              scored & predicted)
                missed += np.bincount(labels[scored & ~predicted].astype(np.int64),
                                      minlength=num_classes)[:num_classes]
    return _scores(confusion, missed, dataset.class_names)


def _scores(confusion, missed, class_names=()):
    """mIoU, aAcc and per-class IoU where ``missed`` pixels of each true class got no class."""
    true_positive = np.diag(confusion).astype(np.float64)
    truth = confusion.sum(axis=1) + missed
    union = truth + confusion.sum(axis=0) - true_positive
    with np.errstate(invalid="ignore", divide="ignore"):
        iou = np.where(union > 0, true_positive / union, np.nan)
    total = int(truth.sum())
    return {
        "mIoU": float(np.nanmean(iou)) if np.isfinite(iou).any() else float("nan"),
        "aAcc": float(true_positive.sum() / total) if total else float("nan"),
        "pixels": total,
        "per_class_iou": dict(zip(
            class_names or [f"class_{index}" for index in range(len(iou))], map(float, iou))),
    }


def run_names(run_dirs, configs, names=None):
    """The names of runs in the tables and the plot.

    Args:
        run_dirs: Run directories, for messages.
        configs: Their ``ExperimentConfig``s.
        names: Names given by the user, one per run (None: from the recipes).

    Returns:
        ``names``, else each recipe's ``name``, or ``name/seed<runtime.seed>``
        for every run when recipe names repeat.

    Raises:
        ConfigError: Not one name per run, or two runs with the same name.
    """
    if names is None:
        names = [config.name for config in configs]
        if len(set(names)) < len(names):
            names = [f"{config.name}/seed{config.runtime.seed}" for config in configs]
    elif len(names) != len(run_dirs):
        raise ConfigError(
            f"--names: expected {len(run_dirs)} names (one per run directory), found "
            f"{len(names)}: {', '.join(names)}")
    first = {}
    for run_dir, name in zip(run_dirs, names):
        if name in first:
            raise ConfigError(
                f"run names: {first[name]} and {run_dir} are both named {name!r}; give "
                f"each run its own name with --names")
        first[name] = run_dir
    return list(names)


def robustness_table(run_dirs, *, modalities=("optical", "sar"), shares=SHARES, seed=0,
                     split="test", tile=None, overlap=None, batch_size=4, progress=True,
                     names=None):
    """Scores each run with 0..100 % of each modality removed by cloud-shaped masks.

    Each run is loaded from its directory (``config.yaml`` and ``best.keras``,
    else ``model.keras``) and evaluated on its recipe's ``split`` scenes. The
    0 % share is evaluated once and shared by the modalities.

    Args:
        run_dirs: Run directories of ``mfafnet train``.
        modalities: The modalities to remove, one at a time.
        shares: Removed shares, 0..1.
        seed: Seed of the masks.
        split: Scenes to evaluate.
        tile: Prediction tile size; default that of ``mfafnet predict``
            (``PredictSettings.tiling``: twice each run's training patch).
        overlap: Tile overlap; default a quarter tile.
        batch_size: Tiles per model call.
        progress: Show a progress bar over the evaluations.
        names: The runs' names in the rows (default: see ``run_names``).

    Returns:
        A list of rows ``{"run", "removed", "share", "mIoU", "aAcc", "pixels",
        "per_class_iou"}``.

    Raises:
        ConfigError: Two runs have the same name (see ``run_names``).
    """
    configs = [load_config(os.path.join(run_dir, "config.yaml")) for run_dir in run_dirs]
    names = run_names(run_dirs, configs, names)
    jobs = [(run_dir, modality, share) for run_dir in run_dirs
            for modality in modalities for share in shares]
    rows, done = [], {}
    with tqdm(total=len(jobs), desc="robustness", unit="eval", disable=not progress) as bar:
        for run_dir, config, name in zip(run_dirs, configs, names):
            dataset = open_dataset(config)
            records = dataset.scenes(split)
            if not records:
                raise DataError(f"dataset {dataset.name} at {config.data.root}: no {split!r} scenes")
            runner = load_model(run_model_path(run_dir))
            run_tile, run_overlap = PredictSettings(tile=tile, overlap=overlap).tiling(
                runner.training_patch or config.data.patch)
            for modality in modalities:
                for share in shares:
                    key = (run_dir, modality if share else None, share)
                    if key not in done:
                        done[key] = degraded_scores(
                            runner, dataset, records, modality, share, seed=seed,
                            tile=run_tile, overlap=run_overlap, batch_size=batch_size)
                    rows.append({"run": name, "removed": modality, "share": float(share),
                                 **done[key]})
                    bar.update()
    return rows


def robustness_markdown(rows):
    """One mIoU (%) table per removed modality: a row per run, a column per share.

    Rows averaged over seeds may carry ``mIoU_std``; their cells read ``mean ± std``.
    """
    parts = []
    for modality in dict.fromkeys(row["removed"] for row in rows):
        selected = [row for row in rows if row["removed"] == modality]
        shares = list(dict.fromkeys(row["share"] for row in selected))
        runs = list(dict.fromkeys(row["run"] for row in selected))
        cells = {(row["run"], row["share"]): _cell(row) for row in selected}
        header = " | ".join(f"{100 * share:.0f} %" for share in shares)
        spread = ", mean ± std over the seeds" if "mIoU_std" in selected[0] else ""
        lines = [f"mIoU (%) with the {MODALITY_NAMES[modality]} removed from a share of the pixels{spread}:",
                 "", f"| run | {header} |", "|---" * (len(shares) + 1) + "|"]
        for run in runs:
            lines.append(f"| {run} | " + " | ".join(cells[(run, share)] for share in shares) + " |")
        parts.append("\n".join(lines) + "\n")
    return "\n".join(parts)


def _cell(row):
    if "mIoU_std" in row:
        return f"{percent(row['mIoU'])} ± {percent(row['mIoU_std'])}"
    return percent(row["mIoU"])


def write_robustness(out_dir, rows):
    """Writes ``robustness.csv``, ``robustness.md`` and ``robustness.png`` atomically.

    Returns:
        ``{"csv", "markdown", "plot"}`` paths.
    """
    paths = {name: os.path.join(out_dir, file) for name, file in
             (("csv", CSV_NAME), ("markdown", MARKDOWN_NAME), ("plot", PLOT_NAME))}
    fields = ["run", "removed", "share", "mIoU", "aAcc", "pixels"]
    fields += [key for key in ("mIoU_std",) if key in rows[0]]
    write_csv(paths["csv"], [{key: row[key] for key in fields} for row in rows], fields)
    write_text(paths["markdown"], robustness_markdown(rows))
    _plot(paths["plot"], rows)
    return paths


def _plot(path, rows):
    modalities = list(dict.fromkeys(row["removed"] for row in rows))
    figure, axes = plt.subplots(1, len(modalities), figsize=(5 * len(modalities), 4),
                                squeeze=False, sharey=True)
    for axis, modality in zip(axes[0], modalities):
        selected = [row for row in rows if row["removed"] == modality]
        for run in dict.fromkeys(row["run"] for row in selected):
            points = [row for row in selected if row["run"] == run]
            axis.errorbar([100 * row["share"] for row in points], [100 * row["mIoU"] for row in points],
                          yerr=[100 * row.get("mIoU_std", 0.0) for row in points],
                          marker="o", capsize=3, label=run)
        axis.set(title=f"{MODALITY_NAMES[modality]} removed (cloud-shaped masks)",
                 xlabel=f"share of the {MODALITY_NAMES[modality]} removed (%)", xticks=[0, 25, 50, 75, 100])
        axis.grid(alpha=0.3)
    axes[0][0].set_ylabel("mIoU (%)")
    axes[0][-1].legend(loc="best", fontsize="small")
    figure.tight_layout()
    with atomic_path(path) as temporary:
        figure.savefig(temporary, format="png", dpi=100)
    plt.close(figure)
