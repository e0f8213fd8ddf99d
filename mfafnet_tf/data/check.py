"""Validating every scene of a dataset, reading every block of every file."""

import dataclasses

import numpy as np
from tqdm import tqdm

from mfafnet_tf.data.labels import IGNORE
from mfafnet_tf.data.manifest import MODALITIES, MODALITY_NAMES
from mfafnet_tf.data.scene import Window
from mfafnet_tf.errors import DataError

STRIP_ROWS = 256
MAX_STRIP_ROWS = 1024


@dataclasses.dataclass
class SceneReport:
    """The outcome of checking one scene.

    Attributes:
        name: the scene's name.
        problem: why the scene cannot be used (None when it can be read).
        warnings: why it is of no use for training or scoring although it can
            be read (a modality 0 % valid, naming its file; labels entirely
            ignore).
        width, height: the scene's size in pixels.
        input_valid_fraction: share of pixels whose bands are all valid.
        modality_valid_fractions: modality ("optical", "sar") -> share of
            pixels whose bands of that modality are all valid, for the
            modalities the scene has.
        label_valid_fraction: share of pixels with a class label (not ignore
            or nodata); None without a label file.
    """

    name: str
    problem: str = None
    warnings: list = dataclasses.field(default_factory=list)
    width: int = 0
    height: int = 0
    input_valid_fraction: float = 0.0
    modality_valid_fractions: dict = dataclasses.field(default_factory=dict)
    label_valid_fraction: float = None


def check_scene(dataset, record):
    """Opens a scene, reads all of it strip by strip and maps its labels."""
    report = SceneReport(record.name)
    try:
        with dataset.open(record) as scene:
            report.width, report.height = scene.width, scene.height
            files = {m: path for m, path in zip(MODALITIES, (scene.optical_path, scene.sar_path))
                     if path is not None}
            rows = min(max(STRIP_ROWS, scene.block_size[1]), MAX_STRIP_ROWS)
            valid = labelled = 0
            band_valid = dict.fromkeys(files, 0)
            modality_valid = dict.fromkeys(files, 0)
            for y in range(0, scene.height, rows):
                window = scene.read(
                    Window(0, y, scene.width, min(rows, scene.height - y)))
                valid += int(window.valid.sum())
                for modality in files:
                    good = ~np.isnan(getattr(window, modality))
                    band_valid[modality] = band_valid[modality] + good.sum(axis=(0, 1))
                    modality_valid[modality] += int(good.all(axis=-1).sum())
                if window.label is not None:
                    ids = dataset.map_labels(window.label, record.label, scene.label_nodata)
                    labelled += int((ids != IGNORE).sum())
            pixels = float(scene.width * scene.height)
            report.input_valid_fraction = valid / pixels
            report.modality_valid_fractions = {
                m: count / pixels for m, count in modality_valid.items()}
            if scene.has_label:
                report.label_valid_fraction = labelled / pixels
    except DataError as error:
        report.problem = str(error)
        return report
    if report.input_valid_fraction == 0:
        report.warnings.extend(_empty_inputs(dataset, report, files, band_valid))
    if report.label_valid_fraction == 0:
        report.warnings.append(
            f"labels entirely ignore/nodata: {record.label} has no pixel of any class")
    return report


def _empty_inputs(dataset, report, files, band_valid):
    """Says which input file has no valid pixel, and what still predicts."""
    shares = report.modality_valid_fractions
    if all(shares.values()):
        return ["inputs 0% valid: no pixel has every band of both modalities valid "
                f"({format_shares(shares)})"]
    warnings = []
    for modality, path in files.items():
        if shares[modality]:
            continue
        empty = np.flatnonzero(band_valid[modality] == 0)
        if len(empty) == len(band_valid[modality]):
            what = f"every pixel of {path} is nodata"
        elif len(empty):
            selection = getattr(dataset, f"{modality}_bands")
            numbers = [selection[i] if selection else i + 1 for i in empty]
            what = (f"band(s) {', '.join(map(str, numbers))} of {path} are nodata "
                    f"everywhere")
        else:
            what = f"no pixel of {path} has all its bands valid"
        others = [f"{MODALITY_NAMES[m]} ({100 * s:.1f}% valid)" for m, s in shares.items() if s]
        still = f"; fusion models still predict from the {others[0]}" if others else ""
        warnings.append(f"{MODALITY_NAMES[modality]} 0% valid: {what}{still}")
    return warnings


def format_shares(shares):
    """Valid shares by modality as text: ``optical 100.0%, SAR 75.0%``."""
    return ", ".join(f"{MODALITY_NAMES[m]} {100 * s:.1f}%" for m, s in shares.items())


def check_dataset(dataset, progress=True):
    """Checks every scene that the dataset's files hold (no split needed).

    Returns:
        (list of `SceneReport`, list of dataset-level problems such as missing
        partner files or no scenes at all).
    """
    try:
        records, problems = dataset.discover()
    except DataError as error:
        return [], [str(error)]
    if not records and not problems:
        problems = [f"no scenes found for dataset {dataset.name} at {dataset.root}"]
    reports = [check_scene(dataset, record)
               for record in tqdm(records, desc="checking scenes", unit="scene",
                                  disable=not progress)]
    return reports, problems
