"""A small PNG preview of a class map, with a legend of the class names."""

import math

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from osgeo import gdal

from mfafnet_tf.inference.geotiff_writer import atomic_geotiff
from mfafnet_tf.inference.palette import NODATA_CLASS, QUICKLOOK_NODATA_RGB

gdal.UseExceptions()

# Longest side of the preview image, in map pixels.
MAX_SIZE = 1024
# Figure width in inches, the share of it taken by the map (the rest: legend), dpi.
FIGURE_WIDTH = 9.0
IMAGE_SHARE = 0.75
DPI = 150


def write_quicklook(class_map, out, class_names, colors, *, max_size=MAX_SIZE):
    """Writes a PNG of a class-map GeoTIFF, decimated to at most ``max_size`` pixels.

    The map is read at reduced resolution (nearest neighbour), so previews of
    scenes of any size stay cheap.

    Args:
        class_map: Path of the uint8 class-map GeoTIFF (255 = nodata).
        out: PNG to write (atomically, like the GeoTIFFs).
        class_names: Names of the classes 0..K-1.
        colors: uint8 [K,3] colours of the classes; nodata (and any value
            beyond them) is drawn in `QUICKLOOK_NODATA_RGB`, black, so it
            stands out from the white page.
    """
    dataset = gdal.Open(str(class_map))
    width, height = dataset.RasterXSize, dataset.RasterYSize
    scale = max(1.0, max(width, height) / max_size)
    preview_width, preview_height = max(1, math.ceil(width / scale)), max(1, math.ceil(height / scale))
    ids = dataset.GetRasterBand(1).ReadAsArray(
        buf_xsize=preview_width, buf_ysize=preview_height, resample_alg=gdal.GRIORA_NearestNeighbour
    )
    dataset = None
    rgb = np.empty((preview_height, preview_width, 3), np.uint8)
    rgb[...] = QUICKLOOK_NODATA_RGB
    known = ids < len(colors)
    rgb[known] = colors[ids[known]]
    present = np.unique(ids)
    handles = [
        Patch(facecolor=np.asarray(colors[index]) / 255.0, edgecolor="black", label=name)
        for index, name in enumerate(class_names)
    ]
    if NODATA_CLASS in present:
        handles.append(Patch(facecolor=np.asarray(QUICKLOOK_NODATA_RGB) / 255.0,
                             edgecolor="black", label="nodata"))

    image_width = FIGURE_WIDTH * IMAGE_SHARE
    figure = Figure(figsize=(FIGURE_WIDTH, image_width * preview_height / preview_width), dpi=DPI)
    FigureCanvasAgg(figure)
    axes = figure.add_axes((0.0, 0.0, IMAGE_SHARE, 1.0))
    axes.imshow(rgb, interpolation="nearest")
    axes.set_axis_off()
    figure.legend(handles=handles, loc="center right", frameon=False, fontsize="small")
    with atomic_geotiff(out) as temporary:
        figure.savefig(temporary, format="png", facecolor="white")
