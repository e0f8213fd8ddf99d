"""Cutting scenes into sharded TFRecord patches with a JSON index."""

import contextlib
import copy
import errno
import glob
import json
import os
import re

import numpy as np
import tensorflow as tf
from tqdm import tqdm

from mfafnet_tf.data import atomic
from mfafnet_tf.data.labels import IGNORE
from mfafnet_tf.data.scene import Window, window_starts
from mfafnet_tf.data.tfrecord import encode_patch
from mfafnet_tf.errors import DataError

INDEX_NAME = "index.json"
_SHARD = re.compile(r"^[\w.]+-\d{5}-of-\d{5}\.tfrecord$")
TEMPORARY_SHARD_SUFFIX = ".tfrecord.tmp"
# Temporary shards of any run into the folder, stale once no live run holds them.
_TEMPORARY_SHARD = re.compile(r"(?P<owner>\.[\w.]+-\d{5}\.tfrecord\.tmp)")


class _ShardWriter:
    """Writes one split's patches into shards of `shard_size` under temporary names.

    Each temporary shard is locked while this run writes it (see
    `atomic.remove_stale`). A write that fails, a full disk above all,
    raises a DataError that names the output folder.
    """

    def __init__(self, out_dir, split, shard_size):
        self.out_dir, self.split, self.shard_size = out_dir, split, shard_size
        self.temporary = []
        self.count = 0
        self._writer = None
        self._locks = []

    def write(self, record):
        if self.count % self.shard_size == 0:
            self._close_current()
            path = os.path.join(
                self.out_dir, f".{self.split}-{len(self.temporary):05d}{TEMPORARY_SHARD_SUFFIX}")
            self.temporary.append(path)
            with self._failures(path):
                open(path, "wb").close()
                self._locks.append(atomic.lock(path))
                self._writer = tf.io.TFRecordWriter(path)
        with self._failures(self.temporary[-1]):
            self._writer.write(record)
        self.count += 1

    @contextlib.contextmanager
    def _failures(self, path):
        try:
            yield
        except (OSError, tf.errors.OpError) as error:
            # TensorFlow reports a full disk (ENOSPC) as RESOURCE_EXHAUSTED.
            code = errno.ENOSPC if isinstance(error, tf.errors.ResourceExhaustedError) else getattr(error, "errno", None)
            reason = atomic.NO_SPACE.get(code) or getattr(error, "message", None) or str(error)
            raise DataError(
                f"{self.out_dir}: cannot write TFRecord shard {os.path.basename(path)}, {reason}") from None

    def _close_current(self):
        if self._writer is not None:
            writer, self._writer = self._writer, None
            with self._failures(self.temporary[-1]):
                writer.close()

    def finish(self):
        """Closes the shards and renames them to their final names."""
        self._close_current()
        total = len(self.temporary)
        names = [f"{self.split}-{i:05d}-of-{total:05d}.tfrecord" for i in range(total)]
        for temporary, name in zip(self.temporary, names):
            os.replace(temporary, os.path.join(self.out_dir, name))
        self.temporary = []
        self._release()
        return names

    def discard(self):
        """Removes the temporary shards, whatever state the current one is in."""
        with contextlib.suppress(DataError):
            self._close_current()
        for path in self.temporary:
            if os.path.exists(path):
                os.remove(path)
        self.temporary = []
        self._release()

    def _release(self):
        for descriptor in self._locks:
            if descriptor is not None:
                os.close(descriptor)
        self._locks = []


def _pad(array, patch, fill):
    height, width = array.shape[:2]
    if height == patch and width == patch:
        return array
    padding = [(0, patch - height), (0, patch - width)] + [(0, 0)] * (array.ndim - 2)
    return np.pad(array, padding, constant_values=fill)


def scene_patches(dataset, record, scene, patch, stride):
    """Yields (x, y, optical, sar, label ids, valid share) patches of one scene.

    Each row band (full width, `patch` rows) is read once; patches are padded
    to `patch` (NaN inputs, ignore labels) where the scene is smaller. Pixels
    that are invalid in any band get the ignore label. The valid share is that
    of the scene's pixels in the patch (padding not counted) whose bands of
    both modalities are all valid.
    """
    if not scene.has_label:
        raise DataError(f"scene {record.name}: no label file to tile with {record.path}")
    rows = min(patch, scene.height)
    for y in window_starts(scene.height, patch, stride):
        band = scene.read(Window(0, y, scene.width, rows))
        labels = dataset.map_labels(band.label, record.label, scene.label_nodata)
        labels[~band.valid] = IGNORE
        for x in window_starts(scene.width, patch, stride):
            columns = slice(x, x + patch)
            yield (x, y,
                   _pad(band.optical[:, columns], patch, np.nan),
                   _pad(band.sar[:, columns], patch, np.nan),
                   _pad(labels[:, columns], patch, IGNORE),
                   float(band.valid[:, columns].mean()))


def drop_reason(valid, labels, min_valid, keep_unlabelled=False):
    """Why a patch is left out of the training data, or None when it is kept.

    Args:
        valid: the patch's share of valid pixels (see `scene_patches`).
        labels: its class ids (255 = ignore).
        min_valid: smallest share of valid pixels a kept patch has.
        keep_unlabelled: keep patches whose labels are all ignore.

    Returns:
        "nodata" (valid share below `min_valid`), "unlabelled" (every label
        ignore, so the patch teaches nothing) or None.
    """
    if valid < min_valid:
        return "nodata"
    if not keep_unlabelled and (labels == IGNORE).all():
        return "unlabelled"
    return None


def _remove_stale(out_dir, keep):
    for path in glob.glob(os.path.join(out_dir, "*.tfrecord")):
        name = os.path.basename(path)
        if _SHARD.match(name) and name not in keep:
            os.remove(path)


def tile_dataset(dataset, out_dir, patch, stride=None, split_file=None,
                 min_valid=0.5, shard_size=256, keep_unlabelled=False, progress=True):
    """Tiles every scene of a dataset into sharded TFRecords plus ``index.json``.

    Splits are by whole scene (see `Dataset.scenes`). Patches whose share of
    valid pixels (every band of both modalities valid; padding beyond a small
    scene's edges not counted) is below `min_valid` are dropped, and so are
    patches whose labels are all ignore unless `keep_unlabelled`. Each split
    of the index counts kept and dropped patches per scene (``scene_patches``)
    and names the scenes that lost every patch (``empty_scenes``). Shards are
    written under temporary names and renamed at the end; ``index.json`` is
    written last, atomically.

    Args:
        dataset: a `Dataset` (from `get_dataset`).
        out_dir: output directory.
        patch: patch size in pixels.
        stride: step between patches (default: `patch`).
        split_file: ``name split`` file overriding the dataset's splits.
        min_valid: smallest share of valid pixels a kept patch has.
        shard_size: patches per shard.
        keep_unlabelled: keep patches whose labels are all ignore.
        progress: show a progress bar.

    Returns:
        The index dict (also written to ``out_dir/index.json``).
    """
    stride = int(stride or patch)
    if patch <= 0 or stride <= 0 or shard_size <= 0:
        raise DataError(
            f"tiling: patch, stride and shard size must be positive, found "
            f"{patch}, {stride}, {shard_size}")
    if split_file is not None:
        dataset = copy.copy(dataset)
        dataset.split_file = split_file
    records = dataset.scenes()
    (optical_channels, sar_channels), total = _survey(dataset, records, patch, stride)
    os.makedirs(out_dir, exist_ok=True)
    atomic.remove_stale(out_dir, _TEMPORARY_SHARD)   # those of killed runs
    splits = _write_splits(dataset, records, out_dir, patch, stride, min_valid,
                           keep_unlabelled, shard_size, total, progress)
    index = {
        "dataset": dataset.name, "patch": int(patch), "stride": stride,
        "optical_channels": optical_channels, "sar_channels": sar_channels,
        "optical_bands": _band_numbers(dataset.optical_bands, optical_channels),
        "sar_bands": _band_numbers(dataset.sar_bands, sar_channels),
        "num_classes": dataset.num_classes, "class_names": list(dataset.class_names),
        "min_valid": float(min_valid), "keep_unlabelled": bool(keep_unlabelled),
        "splits": splits,
    }
    atomic.write_text(os.path.join(out_dir, INDEX_NAME), json.dumps(index, indent=1))
    _remove_stale(out_dir, {s for e in splits.values() for s in e["shards"]})
    return index


def _band_numbers(selection, channels):
    """The 1-based raster bands tiled: the selection, else all of the files' bands."""
    return [int(b) for b in selection] if selection else list(range(1, channels + 1))


def _survey(dataset, records, patch, stride):
    """The scenes' common (optical, SAR) band counts and their total patch count.

    Each scene is opened and closed again, so no GDAL handles stay open.
    """
    channels, total = set(), 0
    for record in records:
        with dataset.open(record) as scene:
            channels.add((scene.optical_channels, scene.sar_channels))
            total += (len(window_starts(scene.height, patch, stride))
                      * len(window_starts(scene.width, patch, stride)))
    if len(channels) > 1:
        raise DataError(
            f"dataset {dataset.name}: scenes differ in band counts "
            f"(optical, SAR): {sorted(channels)}")
    return channels.pop(), total


def _write_splits(dataset, records, out_dir, patch, stride, min_valid,
                  keep_unlabelled, shard_size, total, progress):
    writers, entries = {}, {}
    bar = tqdm(total=total, desc="tiling", unit="patch", disable=not progress)
    try:
        for record in records:
            if record.split not in writers:
                writers[record.split] = _ShardWriter(out_dir, record.split, shard_size)
                entries[record.split] = {
                    "patches": 0, "dropped": 0, "scenes": [], "scene_patches": {},
                    "class_pixels": np.zeros(dataset.num_classes, np.int64)}
            entry, writer = entries[record.split], writers[record.split]
            entry["scenes"].append(record.name)
            counts = entry["scene_patches"][record.name] = {
                "kept": 0, "dropped_nodata": 0, "dropped_unlabelled": 0}
            with dataset.open(record) as scene:
                for x, y, optical, sar, labels, valid in scene_patches(
                        dataset, record, scene, patch, stride):
                    bar.update()
                    reason = drop_reason(valid, labels, min_valid, keep_unlabelled)
                    if reason is not None:
                        counts[f"dropped_{reason}"] += 1
                        continue
                    writer.write(encode_patch(optical, sar, labels, record.name, x, y))
                    counts["kept"] += 1
                    pixels = np.bincount(labels.ravel(), minlength=256)
                    entry["class_pixels"] += pixels[:dataset.num_classes]
            entry["patches"] += counts["kept"]
            entry["dropped"] += counts["dropped_nodata"] + counts["dropped_unlabelled"]
        for split, writer in writers.items():
            entries[split]["shards"] = writer.finish()
    except BaseException:
        for writer in writers.values():
            writer.discard()
        raise
    finally:
        bar.close()
    return {split: {**entry, "class_pixels": entry["class_pixels"].tolist(),
                    "empty_scenes": [name for name, counts in entry["scene_patches"].items()
                                     if not counts["kept"]]}
            for split, entry in sorted(entries.items())}
