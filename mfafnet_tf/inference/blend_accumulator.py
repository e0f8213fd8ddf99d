"""Blending of overlapping tile predictions into final blocks, as soon as each is complete."""

import bisect

import numpy as np

from mfafnet_tf.data import Window


def _edges_and_coverage(starts, size):
    """Cuts an axis at every tile start and end; counts the tiles over each piece."""
    edges = sorted(set(starts) | {start + size for start in starts})
    coverage = [
        sum(start <= low and high <= start + size for start in starts)
        for low, high in zip(edges[:-1], edges[1:])
    ]
    return edges, coverage


class BlendAccumulator:
    """Weighted average of overlapping tile probabilities, released cell by cell.

    The scene is cut into cells along every tile edge, so each cell lies inside
    the same set of tiles. A cell is handed out once the last of its tiles has
    been added: cells inside a single tile immediately, cells in an overlap
    when the neighbouring tile arrives. With tiles added in row-major order, only
    the overlap band below the current tile row is pending, so memory grows with
    ``overlap x scene width``, not with the scene's area.

    Args:
        rows: Tile start rows. columns: Tile start columns.
        tile_height: Tile height. tile_width: Tile width.
    """

    def __init__(self, rows, columns, tile_height, tile_width):
        self._y_edges, self._y_coverage = _edges_and_coverage(rows, tile_height)
        self._x_edges, self._x_coverage = _edges_and_coverage(columns, tile_width)
        self._pending = {}

    def add(self, y, x, probabilities, weights, valid):
        """Adds one tile; returns the ``(window, probabilities, valid)`` cells it completes.

        Args:
            y: Tile row. x: Tile column.
            probabilities: float32 [h,w,K] of the tile.
            weights: float32 [h,w] blending weights of the tile.
            valid: bool [h,w] input validity of the tile.
        """
        height, width = weights.shape
        finished = []
        for i in range(bisect.bisect_left(self._y_edges, y), bisect.bisect_left(self._y_edges, y + height)):
            top, bottom = self._y_edges[i], self._y_edges[i + 1]
            for j in range(bisect.bisect_left(self._x_edges, x), bisect.bisect_left(self._x_edges, x + width)):
                left, right = self._x_edges[j], self._x_edges[j + 1]
                inside = (slice(top - y, bottom - y), slice(left - x, right - x))
                window = Window(left, top, right - left, bottom - top)
                tiles = self._y_coverage[i] * self._x_coverage[j]
                if tiles == 1:
                    finished.append((window, probabilities[inside], valid[inside]))
                    continue
                cell = self._pending.get((i, j))
                if cell is None:
                    cell = self._pending[(i, j)] = [
                        np.zeros(probabilities[inside].shape, np.float32),
                        np.zeros(weights[inside].shape, np.float32),
                        valid[inside],
                        tiles,
                    ]
                cell[0] += probabilities[inside] * weights[inside][..., None]
                cell[1] += weights[inside]
                cell[3] -= 1
                if cell[3] == 0:
                    del self._pending[(i, j)]
                    finished.append((window, cell[0] / cell[1][..., None], cell[2]))
        return finished
