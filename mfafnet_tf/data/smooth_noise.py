"""Smooth random fields: coarse normal noise, bilinearly sampled at pixel positions."""

import numpy as np


def noise_grid(rng, shape, scale):
    """Coarse unit normal values, one per `scale` pixels of `shape`, for `sample_noise`."""
    height, width = shape
    return rng.standard_normal(
        (int(height / scale) + 2, int(width / scale) + 2), dtype=np.float32)


def sample_noise(grid, scale, rows, columns):
    """Smooth zero-mean noise (bilinear in `grid`) at pixel rows x columns."""
    y, x = np.asarray(rows) / scale, np.asarray(columns) / scale
    y0, x0 = y.astype(np.intp), x.astype(np.intp)
    fy = (y - y0).astype(np.float32)[:, None]
    fx = (x - x0).astype(np.float32)[None, :]
    upper, lower = grid[y0], grid[y0 + 1]
    top = upper[:, x0] * (1 - fx) + upper[:, x0 + 1] * fx
    bottom = lower[:, x0] * (1 - fx) + lower[:, x0 + 1] * fx
    return top * (1 - fy) + bottom * fy
