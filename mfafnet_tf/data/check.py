"""Validating every scene of a dataset, reading every block of every file."""

import dataclasses

from tqdm import tqdm

from mfafnet_tf.data.labels import IGNORE
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
            be read (inputs 0 % valid, labels entirely ignore).
        width, height: the scene's size in pixels.
        input_valid_fraction: share of pixels whose bands are all valid.
        label_valid_fraction: share of pixels with a class label (not ignore
            or nodata); None without a label file.
    """

    name: str
    problem: str = None
    warnings: list = dataclasses.field(default_factory=list)
    width: int = 0
    height: int = 0
    input_valid_fraction: float = 0.0
    label_valid_fraction: float = None


def check_scene(dataset, record):
    """Opens a scene, reads all of it strip by strip and maps its labels."""
    report = SceneReport(record.name)
    try:
        with dataset.open(record) as scene:
            report.width, report.height = scene.width, scene.height
            rows = min(max(STRIP_ROWS, scene.block_size[1]), MAX_STRIP_ROWS)
            valid = labelled = 0
            for y in range(0, scene.height, rows):
                window = scene.read(
                    Window(0, y, scene.width, min(rows, scene.height - y)))
                valid += int(window.valid.sum())
                if window.label is not None:
                    ids = dataset.map_labels(window.label, record.label, scene.label_nodata)
                    labelled += int((ids != IGNORE).sum())
            pixels = float(scene.width * scene.height)
            report.input_valid_fraction = valid / pixels
            if scene.has_label:
                report.label_valid_fraction = labelled / pixels
    except DataError as error:
        report.problem = str(error)
        return report
    if report.input_valid_fraction == 0:
        report.warnings.append(
            f"inputs 0% valid: every pixel of {record.path} (or its partner) is nodata")
    if report.label_valid_fraction == 0:
        report.warnings.append(
            f"labels entirely ignore/nodata: {record.label} has no pixel of any class")
    return report


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
