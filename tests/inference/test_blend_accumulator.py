"""BlendAccumulator: exact cover, weighted averages, memory bounded by the overlap band."""

import numpy as np
import pytest

from mfafnet_tf.data.scene import window_starts
from mfafnet_tf.inference.blend_accumulator import BlendAccumulator
from mfafnet_tf.inference.blending import blend_weights


def run_tiles(height, width, tile, overlap):
    """Adds tiles whose probability is their own index; returns the mosaic and pending peak."""
    rows, columns = window_starts(height, tile, tile - overlap), window_starts(width, tile, tile - overlap)
    accumulator = BlendAccumulator(rows, columns, tile, tile)
    weights = blend_weights(tile, tile, overlap)
    mosaic = np.full((height, width), np.nan, np.float32)
    total = np.zeros((height, width), np.float32)
    weight_sum = np.zeros((height, width), np.float32)
    touched = emitted = peak = 0
    covered = np.zeros((height, width), bool)
    for index, (y, x) in enumerate((y, x) for y in rows for x in columns):
        value = np.full((tile, tile, 1), float(index), np.float32)
        total[y:y + tile, x:x + tile] += index * weights
        weight_sum[y:y + tile, x:x + tile] += weights
        new = ~covered[y:y + tile, x:x + tile]
        touched += new.sum()
        covered[y:y + tile, x:x + tile] = True
        for window, block, valid in accumulator.add(y, x, value, weights, np.ones((tile, tile), bool)):
            cell = mosaic[window.y:window.y + window.height, window.x:window.x + window.width]
            assert np.isnan(cell).all()  # each pixel comes once
            assert block.shape == (window.height, window.width, 1) and valid.all()
            cell[...] = block[..., 0]
            emitted += window.width * window.height
        peak = max(peak, touched - emitted)
    return mosaic, total / weight_sum, peak


@pytest.mark.parametrize("height, width, tile, overlap", [(70, 90, 20, 6), (41, 23, 16, 8), (16, 16, 16, 4)])
def test_cells_cover_the_scene_with_weighted_averages(height, width, tile, overlap):
    mosaic, expected, _ = run_tiles(height, width, tile, overlap)
    assert not np.isnan(mosaic).any()
    np.testing.assert_allclose(mosaic, expected, rtol=1e-5)


def test_pending_pixels_do_not_grow_with_scene_height():
    # 32 + 24k rows: the last tile row is not shifted, so both scenes have the same overlaps.
    _, _, short_peak = run_tiles(104, 300, 32, 8)
    _, _, tall_peak = run_tiles(1016, 300, 32, 8)
    assert tall_peak == short_peak
    assert short_peak <= 300 * 32  # about one overlap band plus a tile, never the whole tile row
