"""GDAL scene I/O, dataset adapters, synthetic scenes, tiling, statistics, tf.data."""

from mfafnet_tf.data.check import check_dataset
from mfafnet_tf.data.datasets import (
    DATASETS, Dataset, DatasetSpec, SceneRecord, get_dataset)
from mfafnet_tf.data.labels import IGNORE, LabelMap
from mfafnet_tf.data.pipeline import make_dataset, make_window_dataset, read_index
from mfafnet_tf.data.scene import Scene, SceneWindow, Window, open_scene
from mfafnet_tf.data.splits import read_split_file, write_split_file
from mfafnet_tf.data.stats import compute_stats, write_stats
from mfafnet_tf.data.synthetic import synthesize
from mfafnet_tf.data.tiling import tile_dataset

__all__ = [
    "DATASETS", "Dataset", "DatasetSpec", "IGNORE", "LabelMap", "Scene",
    "SceneRecord", "SceneWindow", "Window", "check_dataset", "compute_stats",
    "get_dataset", "make_dataset", "make_window_dataset", "open_scene",
    "read_index", "read_split_file", "synthesize", "tile_dataset",
    "write_split_file", "write_stats",
]
