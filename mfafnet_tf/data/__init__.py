"""GDAL scene I/O, dataset adapters, synthetic scenes, tiling, statistics, tf.data.

The TensorFlow-based parts (`tile_dataset`, `make_dataset`,
`make_window_dataset`) are imported on first use, so GDAL-only users (and the
modules that only need `atomic`) do not pay for importing TensorFlow.
"""

import importlib

from mfafnet_tf.data.check import check_dataset
from mfafnet_tf.data.datasets import (
    DATASETS, Dataset, DatasetSpec, SceneRecord, get_dataset)
from mfafnet_tf.data.labels import IGNORE, LabelMap
from mfafnet_tf.data.scene import Scene, SceneWindow, Window, open_scene
from mfafnet_tf.data.splits import read_split_file, write_split_file
from mfafnet_tf.data.stats import compute_stats, write_stats
from mfafnet_tf.data.synthetic import synthesize

_LAZY = {
    "tile_dataset": "mfafnet_tf.data.tiling",
    "make_dataset": "mfafnet_tf.data.pipeline",
    "make_window_dataset": "mfafnet_tf.data.pipeline",
    "read_index": "mfafnet_tf.data.pipeline",
}

__all__ = [
    "DATASETS", "Dataset", "DatasetSpec", "IGNORE", "LabelMap", "Scene",
    "SceneRecord", "SceneWindow", "Window", "check_dataset", "compute_stats",
    "get_dataset", "open_scene", "read_split_file", "synthesize",
    "write_split_file", "write_stats", *_LAZY,
]


def __getattr__(name):
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
