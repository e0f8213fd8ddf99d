"""The TFRecord patch format (docs/architecture.md, "Tiled datasets")."""

import numpy as np
import tensorflow as tf

FEATURES = {
    "optical": tf.io.FixedLenFeature([], tf.string),
    "sar": tf.io.FixedLenFeature([], tf.string),
    "label": tf.io.FixedLenFeature([], tf.string),
    "height": tf.io.FixedLenFeature([], tf.int64),
    "width": tf.io.FixedLenFeature([], tf.int64),
    "scene": tf.io.FixedLenFeature([], tf.string),
    "x": tf.io.FixedLenFeature([], tf.int64),
    "y": tf.io.FixedLenFeature([], tf.int64),
}


def _bytes(value):
    return tf.train.Feature(bytes_list=tf.train.BytesList(value=[value]))


def _int(value):
    return tf.train.Feature(int64_list=tf.train.Int64List(value=[int(value)]))


def encode_patch(optical, sar, label, scene, x, y):
    """Serializes one patch.

    Args:
        optical: float32 [h, w, Co], NaN = nodata (Co = 0: no optical).
        sar: float32 [h, w, Cs] (Cs = 0: no SAR).
        label: uint8 [h, w] class ids, 255 = ignore.
        scene: scene name.
        x, y: pixel offsets of the patch in the scene.
    """
    height, width = label.shape
    features = {
        "optical": _bytes(np.ascontiguousarray(optical, dtype="<f4").tobytes()),
        "sar": _bytes(np.ascontiguousarray(sar, dtype="<f4").tobytes()),
        "label": _bytes(np.ascontiguousarray(label, dtype=np.uint8).tobytes()),
        "height": _int(height), "width": _int(width),
        "scene": _bytes(scene.encode("utf-8")), "x": _int(x), "y": _int(y),
    }
    return tf.train.Example(
        features=tf.train.Features(feature=features)).SerializeToString()


def decode_patches(serialized, optical_channels, sar_channels, patch):
    """Parses a batch of serialized patches (graph-mode, for tf.data).

    Returns:
        dict with optical float32 [B, P, P, Co], sar float32 [B, P, P, Cs],
        label uint8 [B, P, P], and scene, x, y.
    """
    parsed = tf.io.parse_example(serialized, FEATURES)
    batch = tf.shape(serialized)[0]   # not -1: a modality may have 0 channels

    def image(key, dtype, channels):
        values = tf.io.decode_raw(parsed[key], dtype, little_endian=True)
        shape = [batch, patch, patch] + ([channels] if channels is not None else [])
        return tf.reshape(values, shape)

    return {
        "optical": image("optical", tf.float32, optical_channels),
        "sar": image("sar", tf.float32, sar_channels),
        "label": image("label", tf.uint8, None),
        "scene": parsed["scene"], "x": parsed["x"], "y": parsed["y"],
    }
