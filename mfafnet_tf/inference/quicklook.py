"""A small PNG preview of a class map, with a legend of the class names."""

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from osgeo import gdal

from mfafnet_tf.inference.geotiff_writer import atomic_geotiff
from mfafnet_tf.inference.palette import NODATA_CLASS, QUICKLOOK_NODATA_RGB, class_map_rgb
from mfafnet_tf.inference.preview_grid import PreviewGrid

gdal.UseExceptions()

# Longest side of the preview image, in map pixels.
MAX_SIZE = 1024
# Figure width in inches, the share of it taken by the map (the rest: legend), dpi.
FIGURE_WIDTH = 9.0
IMAGE_SHARE = 0.75
DPI = 150


def read_class_preview(class_map, max_size):
    """The class ids of a class-map GeoTIFF decimated to a `PreviewGrid` of `max_size`."""
    dataset = gdal.Open(str(class_map))
    grid = PreviewGrid(dataset.RasterXSize, dataset.RasterYSize, max_size)
    return dataset.GetRasterBand(1).ReadAsArray(
        buf_xsize=grid.width, buf_ysize=grid.height, resample_alg=gdal.GRIORA_NearestNeighbour)


def class_legend(class_names, colors, nodata=False):
    """Legend patches of the classes, and of nodata (black) when `nodata`."""
    handles = [
        Patch(facecolor=np.asarray(colors[index]) / 255.0, edgecolor="black", label=name)
        for index, name in enumerate(class_names)
    ]
    if nodata:
        handles.append(Patch(facecolor=np.asarray(QUICKLOOK_NODATA_RGB) / 255.0,
                             edgecolor="black", label="nodata"))
    return handles


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
    ids = read_class_preview(class_map, max_size)
    preview_height, preview_width = ids.shape
    rgb = class_map_rgb(ids, colors)
    handles = class_legend(class_names, colors, nodata=NODATA_CLASS in ids)

    image_width = FIGURE_WIDTH * IMAGE_SHARE
    figure = Figure(figsize=(FIGURE_WIDTH, image_width * preview_height / preview_width), dpi=DPI)
    FigureCanvasAgg(figure)
    axes = figure.add_axes((0.0, 0.0, IMAGE_SHARE, 1.0))
    axes.imshow(rgb, interpolation="nearest")
    axes.set_axis_off()
    figure.legend(handles=handles, loc="center right", frameon=False, fontsize="small")
    with atomic_geotiff(out) as temporary:
        figure.savefig(temporary, format="png", facecolor="white")
