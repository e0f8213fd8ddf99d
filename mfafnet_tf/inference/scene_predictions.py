"""Sliding-window prediction over a whole scene with bounded memory."""

import numpy as np
from tqdm import tqdm

from mfafnet_tf.data import Window
from mfafnet_tf.data.scene import window_starts
from mfafnet_tf.errors import ConfigError, DataError
from mfafnet_tf.inference.model_runner import ModelRunner
from mfafnet_tf.inference.blending import blend_weights

# Finished rows are handed out in blocks at most this wide, so that the caller's
# per-block arrays stay small even for very wide scenes.
BLOCK_COLUMNS = 2048


def iter_scene_predictions(model, scene, *, tile=512, overlap=64, batch_size=4, progress=False):
    """Predicts a scene tile by tile and yields blended probability blocks.

    Tiles of ``tile`` x ``tile`` pixels overlapping by ``overlap`` are read from
    the scene, run through the model in batches, weighted with smooth ramps
    (:func:`~mfafnet_tf.inference.tiling.blend_weights`) and averaged where they
    overlap, so tile borders leave no seams. Only the rows that later tiles can
    still reach are kept, so memory depends on the scene width and the tile size,
    not on the scene height.

    Args:
        model: Keras model (dict inputs ``optical``/``sar``, logits out), a loaded
            SavedModel or its ``serving_default`` signature, or a ModelRunner.
        scene: Opened scene (``mfafnet_tf.data.open_scene``).
        tile: Tile size in pixels.
        overlap: Pixels shared by neighbouring tiles, at most ``tile // 2``.
        batch_size: Tiles per model call.
        progress: Show a progress bar over the tiles.

    Yields:
        ``(window, probabilities, valid)``: a ``Window``, float32 [h,w,K]
        probabilities and a bool [h,w] mask that is False where any input band is
        nodata. The windows cover the scene exactly once, in row-major order.

    Raises:
        ConfigError: ``tile``, ``overlap`` or ``batch_size`` is out of range.
        DataError: The scene's band counts differ from the model's inputs.
    """
    check_tiling(tile, overlap, batch_size)
    runner = ModelRunner.wrap(model)
    check_channels(scene, runner)
    rows = window_starts(scene.height, tile, tile - overlap)
    columns = window_starts(scene.width, tile, tile - overlap)
    tile_height, tile_width = min(tile, scene.height), min(tile, scene.width)
    weights = blend_weights(tile_height, tile_width, overlap)
    strip = _StripAccumulator(scene.width, runner.num_classes)
    tiles = [(row, y, x) for row, y in enumerate(rows) for x in columns]
    with tqdm(total=len(tiles), unit="tile", disable=not progress, desc="predict") as bar:
        for batch in _batches(tiles, batch_size):
            reads = [scene.read(Window(x, y, tile_width, tile_height)) for _, y, x in batch]
            optical = np.stack([read.optical for read in reads])
            sar = np.stack([read.sar for read in reads])
            probabilities = runner(optical, sar)
            for (_, y, x), read, tile_probabilities in zip(batch, reads, probabilities):
                strip.add(y, x, tile_probabilities, weights, read.valid)
            bar.update(len(batch))
            row, _, x = batch[-1]
            done = row + 1 if x == columns[-1] else row
            finished = rows[done] if done < len(rows) else scene.height
            yield from strip.release(finished)


def check_tiling(tile, overlap, batch_size):
    """Raises ConfigError unless tile > 0, 0 <= overlap <= tile // 2 and batch_size > 0."""
    if tile < 1:
        raise ConfigError(f"tile: expected a positive number of pixels, found {tile}")
    if not 0 <= overlap <= tile // 2:
        raise ConfigError(f"overlap: expected 0..{tile // 2} (half the tile of {tile}), found {overlap}")
    if batch_size < 1:
        raise ConfigError(f"batch_size: expected a positive number of tiles, found {batch_size}")


def check_channels(scene, runner):
    """Raises DataError naming the file whose band count differs from the model's input."""
    for role, path, found, expected in (
        ("optical", scene.optical_path, scene.optical_channels, runner.optical_channels),
        ("SAR", scene.sar_path, scene.sar_channels, runner.sar_channels),
    ):
        if found != expected:
            raise DataError(
                f"{role} raster {path}: expected {expected} band(s) (the model's {role} input), "
                f"found {found} selected"
            )


def _batches(items, size):
    for start in range(0, len(items), size):
        yield items[start : start + size]


class _StripAccumulator:
    """Weighted probability sums of the scene rows that tiles still reach."""

    def __init__(self, width, num_classes):
        self.top = 0
        self.sums = np.zeros((0, width, num_classes), np.float32)
        self.weights = np.zeros((0, width), np.float32)
        self.valid = np.zeros((0, width), bool)

    def add(self, y, x, probabilities, weights, valid):
        height, width = weights.shape
        missing = y + height - self.top - len(self.weights)
        if missing > 0:
            self.sums = np.concatenate([self.sums, np.zeros((missing,) + self.sums.shape[1:], np.float32)])
            self.weights = np.concatenate([self.weights, np.zeros((missing,) + self.weights.shape[1:], np.float32)])
            self.valid = np.concatenate([self.valid, np.zeros((missing,) + self.valid.shape[1:], bool)])
        rows = slice(y - self.top, y - self.top + height)
        columns = slice(x, x + width)
        self.sums[rows, columns] += probabilities * weights[..., None]
        self.weights[rows, columns] += weights
        self.valid[rows, columns] = valid

    def release(self, bottom):
        """Yields the blended blocks of rows above ``bottom`` and forgets them."""
        count = bottom - self.top
        if count <= 0:
            return
        width = self.weights.shape[1]
        for x in range(0, width, BLOCK_COLUMNS):
            columns = slice(x, min(x + BLOCK_COLUMNS, width))
            window = Window(x, self.top, columns.stop - x, count)
            probabilities = self.sums[:count, columns] / self.weights[:count, columns, None]
            yield window, probabilities, self.valid[:count, columns].copy()
        self.sums = self.sums[count:]
        self.weights = self.weights[count:]
        self.valid = self.valid[count:]
        self.top = bottom
