"""Validating every scene of a dataset, reading every block of every file."""

import dataclasses

from tqdm import tqdm

from mfafnet_tf.data.scene import Window
from mfafnet_tf.errors import DataError

STRIP_ROWS = 256
MAX_STRIP_ROWS = 1024


@dataclasses.dataclass
class SceneReport:
    """The outcome of checking one scene (problem is None when it is fine)."""

    name: str
    problem: str = None
    width: int = 0
    height: int = 0
    valid_fraction: float = 0.0


def check_scene(dataset, record):
    """Opens a scene, reads all of it strip by strip and maps its labels."""
    report = SceneReport(record.name)
    try:
        with dataset.open(record) as scene:
            report.width, report.height = scene.width, scene.height
            rows = min(max(STRIP_ROWS, scene.block_size[1]), MAX_STRIP_ROWS)
            valid = 0
            for y in range(0, scene.height, rows):
                window = scene.read(
                    Window(0, y, scene.width, min(rows, scene.height - y)))
                valid += int(window.valid.sum())
                if window.label is not None:
                    dataset.map_labels(window.label, record.label, scene.label_nodata)
            report.valid_fraction = valid / float(scene.width * scene.height)
    except DataError as error:
        report.problem = str(error)
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
