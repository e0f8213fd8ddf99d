"""tf.data input pipelines: tiled TFRecords and on-the-fly GDAL windows."""

import json
import os
import random

import numpy as np
import tensorflow as tf

from mfafnet_tf.data import augment as augmentation
from mfafnet_tf.data.labels import IGNORE
from mfafnet_tf.data.tfrecord import decode_patches
from mfafnet_tf.data.tiling import INDEX_NAME, drop_reason, scene_patches
from mfafnet_tf.errors import ConfigError, DataError

DEFAULT_LOOKS = 4


def read_index(tile_dir):
    """Loads a tiled dataset's ``index.json``."""
    path = os.path.join(os.fspath(tile_dir), INDEX_NAME)
    try:
        with open(path, encoding="utf-8") as stream:
            return json.load(stream)
    except (OSError, ValueError) as error:
        raise DataError(f"tiled dataset index {path}: cannot be read ({error})") from None


def _weight_table(class_weights, num_classes):
    """float32 [256]: the weight of each label id (0 for ignore)."""
    table = np.zeros(256, np.float32)
    table[:num_classes] = 1.0
    if class_weights is not None:
        items = (class_weights.items() if isinstance(class_weights, dict)
                 else enumerate(class_weights))
        for class_id, weight in items:
            class_id = int(class_id)
            if not 0 <= class_id < num_classes:
                raise ConfigError(
                    f"class_weights: class id {class_id} outside 0..{num_classes - 1}")
            table[class_id] = float(weight)
    table[IGNORE] = 0.0
    return tf.constant(table)


def _finish(batches, num_classes, *, augment, class_weights, speckle,
            modality_dropout, cloud_dropout, sar_gap_dropout, dropout_warmup,
            first_step, seed, deterministic):
    """Augments decoded batches and turns them into (inputs, labels, weights).

    ``deterministic`` keeps the batch order (unshuffled or seeded pipelines), so
    an incomplete batch can only come last.
    """
    table = _weight_table(class_weights, num_classes)
    looks = DEFAULT_LOOKS if speckle is True else float(speckle or 0)
    base = random.SystemRandom().randrange(2 ** 31) if seed is None else int(seed)

    def transform(step, batch):
        seeds = tf.random.experimental.stateless_split(
            tf.stack([tf.constant(base, tf.int64), step]), 3)
        ramp = 1.0
        if dropout_warmup:
            ramp = tf.minimum(1.0, tf.cast(step + 1, tf.float32) / float(dropout_warmup))
        optical, sar, label = batch["optical"], batch["sar"], batch["label"]
        if augment:
            optical, sar, label = augmentation.flip_rotate(optical, sar, label, seeds[0])
        if looks:
            sar = augmentation.speckle(sar, looks, seeds[1])
        if modality_dropout:
            optical, sar = augmentation.modality_dropout(
                optical, sar, modality_dropout * ramp, seeds[2])
        if cloud_dropout:
            optical = augmentation.region_dropout(
                optical, cloud_dropout * ramp,
                tf.random.experimental.stateless_fold_in(seeds[2], 1))
        if sar_gap_dropout:
            sar = augmentation.region_dropout(
                sar, sar_gap_dropout * ramp,
                tf.random.experimental.stateless_fold_in(seeds[2], 2))
        label = tf.cast(label, tf.int32)
        weights = tf.gather(table, label)
        return {"optical": optical, "sar": sar}, label, weights

    return batches.enumerate(start=first_step).map(
        transform, num_parallel_calls=tf.data.AUTOTUNE,
        deterministic=deterministic).prefetch(tf.data.AUTOTUNE)


def make_dataset(tile_dir, split, batch_size, *, training=False, shuffle=None,
                 repeat=False, augment=None, class_weights=None, speckle=False,
                 modality_dropout=0.0, cloud_dropout=0.0, sar_gap_dropout=0.0, dropout_warmup=0,
                 first_step=0, drop_remainder=False, seed=None, shuffle_buffer=256):
    """A tf.data pipeline over a tiled dataset's split.

    Args:
        tile_dir: directory written by `tile_dataset`.
        split: split name ("train", "val", "test").
        batch_size: patches per batch.
        training: default for `shuffle` and `augment`.
        shuffle: shuffle shards and patches (default: `training`).
        repeat: repeat forever.
        augment: random flips/90° rotations, joint for all inputs (default: `training`).
        class_weights: per-class weights (list, or dict id -> weight) multiplied
            into the sample weights.
        speckle: False, True (4 looks) or a number of looks for multiplicative
            Gamma speckle on SAR (for linear-scale SAR).
        modality_dropout: share of examples whose optical or SAR is blanked
            (NaN) as a whole, either with equal odds.
        cloud_dropout: share of examples whose optical gets cloud-shaped NaN
            regions (10-90 % of the patch, see `augment.region_dropout`).
        sar_gap_dropout: share of examples whose SAR gets nodata regions of the
            same shapes (swath edges, layover and shadow masks).
        dropout_warmup: batches over which the dropout shares rise linearly
            from 0 to their values (0: full from the first batch).
        first_step: index of the first batch (a resumed run's completed
            steps), for the augmentation seeds and the dropout warm-up.
        drop_remainder: drop the last incomplete batch (needed by tf.distribute).
        seed: makes shuffling and augmentation deterministic.
        shuffle_buffer: patches in the shuffle buffer.

    Returns:
        A `tf.data.Dataset` of ({"optical": float32 [B,P,P,Co], "sar": float32
        [B,P,P,Cs]}, labels int32 [B,P,P], sample_weights float32 [B,P,P]);
        ignore pixels (255) have weight 0. Its cardinality is known (the
        index's patch count in batches; infinite with `repeat`), so Keras
        needs no ``validation_steps`` and never runs out of data.
    """
    index = read_index(tile_dir)
    if split not in index["splits"]:
        raise DataError(
            f"tiled dataset {tile_dir}: no split {split!r}; it has "
            f"{', '.join(sorted(index['splits'])) or 'none'}")
    shards = [os.path.join(tile_dir, name) for name in index["splits"][split]["shards"]]
    if not shards:
        raise DataError(f"tiled dataset {tile_dir}: split {split!r} has no patches")
    shuffle = training if shuffle is None else shuffle
    augment = training if augment is None else augment
    deterministic = seed is not None or not shuffle
    files = tf.data.Dataset.from_tensor_slices(shards)
    if shuffle:
        files = files.shuffle(len(shards), seed=seed, reshuffle_each_iteration=True)
    records = files.interleave(
        tf.data.TFRecordDataset, cycle_length=min(len(shards), 8),
        num_parallel_calls=tf.data.AUTOTUNE, deterministic=deterministic)
    # Interleaving hides the length; Keras then learns it only by running out of
    # data at the end of the first validation pass, and warns that it did.
    records = records.apply(tf.data.experimental.assert_cardinality(
        index["splits"][split]["patches"]))
    if shuffle:
        records = records.shuffle(shuffle_buffer, seed=seed, reshuffle_each_iteration=True)
    if repeat:
        records = records.repeat()
    patch = index["patch"]
    batches = records.batch(batch_size, drop_remainder=drop_remainder).map(
        lambda serialized: decode_patches(
            serialized, index["optical_channels"], index["sar_channels"], patch),
        num_parallel_calls=tf.data.AUTOTUNE, deterministic=deterministic)
    return _finish(batches, index["num_classes"], augment=augment,
                   class_weights=class_weights, speckle=speckle,
                   modality_dropout=modality_dropout, cloud_dropout=cloud_dropout,
                   sar_gap_dropout=sar_gap_dropout,
                   dropout_warmup=dropout_warmup, first_step=first_step,
                   seed=seed, deterministic=deterministic)


def make_window_dataset(dataset, split, patch, batch_size, *, stride=None,
                        min_valid=0.5, keep_unlabelled=False, training=False, shuffle=None, repeat=False,
                        augment=None, class_weights=None, speckle=False,
                        modality_dropout=0.0, cloud_dropout=0.0, sar_gap_dropout=0.0, dropout_warmup=0,
                        first_step=0, drop_remainder=False, seed=None, shuffle_buffer=64):
    """A tf.data pipeline reading patches straight from the scenes with GDAL.

    For small datasets and quick experiments: no tiling step, same output as
    `make_dataset`. Arguments as for `make_dataset`, plus the `Dataset`, the
    patch size, the stride (default: `patch`), `min_valid` and
    `keep_unlabelled` as in tiling.
    """
    records = dataset.scenes(split)
    if not records:
        raise DataError(f"dataset {dataset.name}: no scenes in split {split!r}")
    stride = stride or patch
    shuffle = training if shuffle is None else shuffle
    augment = training if augment is None else augment
    optical_channels, sar_channels = dataset.optical_channels, dataset.sar_channels
    if optical_channels is None or sar_channels is None:
        with dataset.open(records[0]) as scene:
            optical_channels, sar_channels = scene.optical_channels, scene.sar_channels

    def patches():
        for record in records:
            with dataset.open(record) as scene:
                for _, _, optical, sar, label, valid in scene_patches(
                        dataset, record, scene, patch, stride):
                    if drop_reason(valid, label, min_valid, keep_unlabelled) is None:
                        yield {"optical": optical, "sar": sar, "label": label}

    signature = {
        "optical": tf.TensorSpec([patch, patch, optical_channels], tf.float32),
        "sar": tf.TensorSpec([patch, patch, sar_channels], tf.float32),
        "label": tf.TensorSpec([patch, patch], tf.uint8),
    }
    examples = tf.data.Dataset.from_generator(patches, output_signature=signature)
    if shuffle:
        examples = examples.shuffle(shuffle_buffer, seed=seed, reshuffle_each_iteration=True)
    if repeat:
        examples = examples.repeat()
    batches = examples.batch(batch_size, drop_remainder=drop_remainder)
    return _finish(batches, dataset.num_classes, augment=augment,
                   class_weights=class_weights, speckle=speckle,
                   modality_dropout=modality_dropout, cloud_dropout=cloud_dropout,
                   sar_gap_dropout=sar_gap_dropout,
                   dropout_warmup=dropout_warmup, first_step=first_step,
                   seed=seed, deterministic=seed is not None or not shuffle)
