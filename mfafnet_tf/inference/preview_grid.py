"""The pixels of a scene that a decimated preview shows."""

import math

import numpy as np


class PreviewGrid:
    """A nearest-neighbour decimation of a scene to at most `max_size` pixels a side.

    Preview pixel i shows scene pixel floor((i + 0.5) * size / preview_size) in
    each direction, the pixel that GDAL's decimated nearest-neighbour read
    picks, so pixels gathered from windows (`paste`) line up with
    `Scene.read(window, size=grid.size)`.

    Attributes:
        width, height: the preview's size in pixels.
        size: (width, height).
        columns, rows: int64 scene column / row shown by each preview pixel.
    """

    def __init__(self, width, height, max_size):
        scale = max(1.0, max(width, height) / max_size)
        self.width = max(1, math.ceil(width / scale))
        self.height = max(1, math.ceil(height / scale))
        self.size = (self.width, self.height)
        self.columns = np.floor((np.arange(self.width) + 0.5) * width / self.width).astype(np.int64)
        self.rows = np.floor((np.arange(self.height) + 0.5) * height / self.height).astype(np.int64)

    def full(self, fill, dtype):
        """A [height, width] array of `fill`."""
        return np.full((self.height, self.width), fill, dtype)

    def paste(self, target, window, values):
        """Copies the pixels of `values` (a scene window's [h, w]) that the preview shows.

        Args:
            target: a [height, width] array of the preview (from `full`).
            window: the `Window` that `values` covers.
            values: [window.height, window.width] array.
        """
        rows = (self.rows >= window.y) & (self.rows < window.y + window.height)
        columns = (self.columns >= window.x) & (self.columns < window.x + window.width)
        target[np.ix_(rows, columns)] = values[
            np.ix_(self.rows[rows] - window.y, self.columns[columns] - window.x)]
