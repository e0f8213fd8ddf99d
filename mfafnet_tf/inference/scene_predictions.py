"""Sliding-window prediction over a whole scene with bounded memory."""

import math

import numpy as np
from tqdm import tqdm

from mfafnet_tf.data import Window
from mfafnet_tf.errors import DataError
from mfafnet_tf.inference.blend_accumulator import BlendAccumulator
from mfafnet_tf.inference.blending import blend_weights
from mfafnet_tf.inference.model_runner import ModelRunner
from mfafnet_tf.inference.predict_settings import check_nodata_policy, check_tiling

def resolve_nodata_policy(policy, runner):
    """The nodata policy to use: given, else ``all`` for a fusion model, ``any`` otherwise.

    ``any``: a pixel is nodata where any input the model takes is nodata there.
    ``all``: only where all of them are, so a fusion model predicts from the SAR
    under a masked-out cloud. The two are the same for a single-modality model.

    Raises:
        ConfigError: ``policy`` is neither None nor one of the ``NODATA_POLICIES``.
    """
    check_nodata_policy(policy)
    if policy is None:
        return "all" if len(runner.channels) > 1 else "any"
    return policy


def iter_scene_predictions(model, scene, *, tile=512, overlap=64, batch_size=4, progress=False,
                           nodata_policy=None):
    """Predicts a scene tile by tile and yields blended probability blocks.

    Tiles of ``tile`` x ``tile`` pixels overlapping by ``overlap`` are read from
    the scene, run through the model in batches, weighted with smooth ramps
    (:func:`~mfafnet_tf.inference.blending.blend_weights`) and averaged where they
    overlap, so tile borders leave no seams. Each part of the scene is handed out
    as soon as all tiles over it are done; only the overlap band below the current
    tile row waits, so memory does not grow with the scene's area.

    Args:
        model: Keras model (dict inputs ``optical``/``sar``, logits out), a loaded
            SavedModel or its ``serving_default`` signature, or a ModelRunner.
        scene: Opened scene (``mfafnet_tf.data.open_scene``).
        tile: Tile size in pixels.
        overlap: Pixels shared by neighbouring tiles, at most ``tile // 2``.
        batch_size: Tiles per model call.
        progress: Show a progress bar over the tiles.
        nodata_policy: ``"any"`` or ``"all"`` (see :func:`resolve_nodata_policy`);
            default ``"all"`` for a model that takes both modalities.

    Yields:
        ``(window, probabilities, valid)``: a ``Window``, float32 [h,w,K]
        probabilities and a bool [h,w] mask that is False where the input is
        nodata under the policy (a modality is nodata at a pixel where any of
        its bands is). The windows cover the scene exactly once (roughly top to bottom);
        the arrays may be read-only views, copy them before modifying.

    Raises:
        ConfigError: ``tile``, ``overlap`` or ``batch_size`` is out of range.
        DataError: The scene's band counts differ from the model's inputs.
    """
    check_tiling(tile, overlap, batch_size)
    runner = ModelRunner.wrap(model)
    check_channels(scene, runner)
    policy = resolve_nodata_policy(nodata_policy, runner)
    rows = tile_starts(scene.height, tile, overlap)
    columns = tile_starts(scene.width, tile, overlap)
    tile_height, tile_width = min(tile, scene.height), min(tile, scene.width)
    weights = blend_weights(tile_height, tile_width, overlap)
    accumulator = BlendAccumulator(rows, columns, tile_height, tile_width)
    tiles = [(y, x) for y in rows for x in columns]
    with tqdm(total=len(tiles), unit="tile", disable=not progress, desc="predict") as bar:
        for batch in _batches(tiles, batch_size):
            reads = [scene.read(Window(x, y, tile_width, tile_height)) for y, x in batch]
            optical = np.stack([read.optical for read in reads])
            sar = np.stack([read.sar for read in reads])
            probabilities = runner(optical, sar)
            for (y, x), read, tile_probabilities in zip(batch, reads, probabilities):
                valid = valid_pixels(read, runner.channels, policy)
                yield from accumulator.add(y, x, tile_probabilities, weights, valid)
            bar.update(len(batch))


def valid_pixels(read, modalities, policy):
    """bool [h, w]: where a read window has input under a nodata policy.

    A modality has data at a pixel where all its bands are finite; ``any`` needs
    every one of ``modalities`` there, ``all`` at least one.
    """
    combine = np.logical_and if policy == "any" else np.logical_or
    return combine.reduce([np.isfinite(getattr(read, m)).all(axis=-1) for m in modalities])


def tile_starts(length, tile, overlap):
    """Start offsets of the fewest tiles that cover ``[0, length)`` overlapping by at least ``overlap``.

    The tiles are spread evenly, so every overlap is about the same (a last tile
    pushed back against the end would overlap its neighbour by up to a whole tile,
    and that overlap is what blending has to hold in memory). An axis shorter
    than ``tile`` gets one tile of its own length.
    """
    if length <= tile:
        return [0]
    count = math.ceil((length - overlap) / (tile - overlap))
    return [round(index * (length - tile) / (count - 1)) for index in range(count)]


def check_channels(scene, runner):
    """Raises DataError naming the file whose band count differs from the model's input."""
    for role, path, found, expected in (
        ("optical", scene.optical_path, scene.optical_channels, runner.optical_channels),
        ("SAR", scene.sar_path, scene.sar_channels, runner.sar_channels),
    ):
        if expected is not None and found != expected:
            raise DataError(
                f"{role} raster {path}: expected {expected} band(s) (the model's {role} input), "
                f"found {found} selected"
            )


def _batches(items, size):
    for start in range(0, len(items), size):
        yield items[start : start + size]
