"""Class colours shared by the GeoTIFF colour table and the PNG quicklook."""

import numpy as np
from matplotlib import colormaps
from osgeo import gdal

gdal.UseExceptions()

NODATA_CLASS = 255
NODATA_COLOR = (0, 0, 0, 0)


def class_colors(num_classes):
    """Distinct RGB colours (uint8 [K,3]): tab10 or tab20, else evenly spaced hues."""
    if num_classes <= 10:
        colors = colormaps["tab10"](np.arange(num_classes))
    elif num_classes <= 20:
        colors = colormaps["tab20"](np.arange(num_classes))
    else:
        colors = colormaps["hsv"](np.arange(num_classes) / num_classes)
    return np.round(colors[:, :3] * 255).astype(np.uint8)


def color_table(colors):
    """A ``gdal.ColorTable`` with ``colors`` for 0..K-1 and transparent nodata (255)."""
    table = gdal.ColorTable()
    for index, rgb in enumerate(colors):
        table.SetColorEntry(index, tuple(int(v) for v in rgb) + (255,))
    table.SetColorEntry(NODATA_CLASS, NODATA_COLOR)
    return table
