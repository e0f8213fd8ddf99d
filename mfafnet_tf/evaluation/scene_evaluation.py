"""Whole-scene evaluation: sliding-window prediction over each test scene."""

import os

import numpy as np
from tqdm import tqdm

from mfafnet_tf.config import load_config
from mfafnet_tf.errors import ConfigError, DataError
from mfafnet_tf.evaluation.confusion import confusion_matrix
from mfafnet_tf.evaluation.html_report import REPORT_HTML, load_run, write_html_report
from mfafnet_tf.evaluation.report import write_evaluation
from mfafnet_tf.evaluation.scene_panels import PANEL_DIR, ScenePanels
from mfafnet_tf.evaluation.scores import segmentation_scores
from mfafnet_tf.inference import ModelRunner, iter_scene_predictions, load_model
from mfafnet_tf.inference.palette import NODATA_CLASS
from mfafnet_tf.inference.predict_settings import PredictSettings
from mfafnet_tf.training.callbacks import BEST_MODEL, FINAL_MODEL
from mfafnet_tf.training.data_setup import open_dataset


def evaluate_scenes(model, dataset, records, *, tile, overlap, batch_size, progress=True,
                    panels=None):
    """Accumulates the confusion matrix of ``model`` over whole scenes.

    Each scene is predicted by overlapping, blended tiles (as ``mfafnet
    predict`` does) and compared with its labels, mapped by the dataset's
    label codes; ignore labels and pixels without valid input are not scored.

    Args:
        model: A ``ModelRunner`` (or what ``ModelRunner.wrap`` takes).
        dataset: The ``mfafnet_tf.data`` dataset the records belong to.
        records: Scene records with labels.
        panels: Optional ``ScenePanels`` that draws each scene's panel.

    Returns:
        int64 ``[K, K]`` confusion matrix (rows = truth).

    Raises:
        ConfigError: the model's classes differ from the dataset's, or it
            takes a modality the dataset lacks.
        DataError: no pixel of any scene can be scored; the message names
            each scene and why (inputs all nodata, labels all ignore). Scenes
            without a scored pixel among others are named in a printed warning.
    """
    runner = ModelRunner.wrap(model)
    if runner.num_classes != dataset.num_classes:
        raise ConfigError(
            f"the model predicts {runner.num_classes} classes, dataset {dataset.name} "
            f"has {dataset.num_classes} under this protocol"
        )
    dataset.require_modalities(tuple(runner.channels), "the model")
    confusion = np.zeros((dataset.num_classes,) * 2, np.int64)
    unscorable = []
    for record in tqdm(records, desc="evaluate", unit="scene", disable=not progress):
        if record.label is None:
            raise DataError(f"scene {record.name}: no label file for {record.path}")
        counts = np.zeros(3, np.int64)        # valid inputs, labelled, both
        with dataset.open(record) as scene:
            if panels:
                panels.begin(record.name, scene)
            for window, probabilities, valid in iter_scene_predictions(
                runner, scene, tile=tile, overlap=overlap, batch_size=batch_size
            ):
                labels = dataset.map_labels(
                    scene.read(window).label, record.label, scene.label_nodata
                )
                labelled = labels < dataset.num_classes
                counts += (valid.sum(), labelled.sum(), (valid & labelled).sum())
                predicted = probabilities.argmax(axis=-1).astype(np.uint8)
                predicted[~valid] = NODATA_CLASS
                confusion += confusion_matrix(labels, predicted, dataset.num_classes, valid)
                if panels:
                    panels.add(window, predicted, labels)
            if panels:
                panels.finish()
        if not counts[2]:
            unscorable.append(f"scene {record.name}: {_why_unscorable(record, *counts[:2])}")
    if not confusion.sum():
        raise DataError(
            f"no pixel to score in {len(records)} scene(s) of dataset {dataset.name}: "
            + "; ".join(unscorable)
        )
    for reason in unscorable:
        print(f"warning: 0 pixels scored in {reason}")
    return confusion


def _why_unscorable(record, valid_inputs, labelled):
    if not valid_inputs:
        return f"every input pixel is nodata ({record.path})"
    if not labelled:
        return f"every label is ignore or nodata ({record.label})"
    return "no pixel with valid inputs has a class label"


def run_model_path(run_dir):
    """The model a run is evaluated with: ``best.keras``, else ``model.keras``."""
    for name in (BEST_MODEL, FINAL_MODEL):
        path = os.path.join(run_dir, name)
        if os.path.exists(path):
            return path
    raise DataError(f"run directory {run_dir}: neither {BEST_MODEL} nor {FINAL_MODEL} found")


def evaluate_run(config, model_path, out_dir, *, protocol=None, split="test",
                 tile=None, overlap=None, batch_size=4, progress=True):
    """Evaluates a trained model on the whole scenes of a split and writes reports.

    Args:
        config: The ``ExperimentConfig`` the model was trained with.
        model_path: ``.keras`` file or SavedModel directory.
        out_dir: Where ``metrics.json``, ``metrics.md``,
            ``confusion_matrix.png``, ``panels/<scene>.png`` and ``report.html``
            go (the report's training curves: ``history.csv`` beside the model).
        protocol: ``ignore_background`` or ``with_background``; default: the
            recipe's ``task.protocol``.
        split: Scenes to evaluate.
        tile: Prediction tile size; default that of ``mfafnet predict``
            (``PredictSettings.tiling``: twice the model's training patch,
            else 512), so that the scores are those of the map a user predicts.
        overlap: Overlap of neighbouring tiles; default as ``mfafnet predict``.
        batch_size: Tiles per model call.

    Returns:
        ``(scores, paths)``: the metrics dict (with ``protocol``) and the
        written files.
    """
    protocol = protocol or config.task.protocol
    dataset = open_dataset(config, protocol)
    records = dataset.scenes(split)
    if not records:
        raise DataError(f"dataset {dataset.name} at {config.data.root}: no {split!r} scenes")
    runner = load_model(model_path)
    # Models saved before they recorded their patch: the run's recipe's.
    tile, overlap = PredictSettings(tile=tile, overlap=overlap).tiling(
        runner.training_patch or config.data.patch)
    panels = ScenePanels(os.path.join(out_dir, PANEL_DIR), dataset.class_names)
    confusion = evaluate_scenes(
        runner, dataset, records, tile=tile, overlap=overlap,
        batch_size=batch_size, progress=progress, panels=panels,
    )
    scores = dict(segmentation_scores(confusion, dataset.class_names), protocol=protocol)
    paths = write_evaluation(
        out_dir, scores, confusion, protocol, [record.name for record in records]
    )
    paths["panels"] = panels.out_dir
    run = load_run(out_dir, history_dir=os.path.dirname(os.path.abspath(model_path)))
    paths["html"] = write_html_report(
        os.path.join(out_dir, REPORT_HTML), [run], f"Evaluation of {run.name}")
    return scores, paths


def evaluate_run_dir(run_dir, out_dir=None, **options):
    """Evaluates a run directory written by ``mfafnet train`` into ``out_dir`` (default: it; see ``evaluate_run``)."""
    config = load_config(os.path.join(run_dir, "config.yaml"))
    return evaluate_run(config, run_model_path(run_dir), out_dir or run_dir, **options)

