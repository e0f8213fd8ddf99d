"""Smooth weights that blend overlapping tiles without seams."""

import numpy as np


def ramp(size, overlap):
    """1-D weights: a raised-cosine rise over ``overlap`` pixels at both ends.

    The weights are strictly positive (so every pixel of a tile counts) and close
    to zero at the tile edges, where a convolutional network sees padding, so that
    overlapping tiles fade into each other without seams.
    """
    weights = np.ones(size, dtype=np.float32)
    edge = min(overlap, size // 2)
    if edge:
        rise = 0.5 - 0.5 * np.cos(np.pi * (np.arange(edge) + 0.5) / edge)
        weights[:edge] = rise
        weights[size - edge :] = rise[::-1]
    return weights


def blend_weights(height, width, overlap):
    """2-D blending weights of a ``height`` x ``width`` tile, float32."""
    return np.outer(ramp(height, overlap), ramp(width, overlap))
