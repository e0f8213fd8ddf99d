"""A GDAL VRT mosaic over the class maps of a run."""

import os

from osgeo import gdal, osr

from mfafnet_tf.data.atomic import atomic_path
from mfafnet_tf.errors import DataError
from mfafnet_tf.inference.palette import NODATA_CLASS

gdal.UseExceptions()


def build_mosaic(paths, out):
    """Writes a VRT mosaic of class maps on one CRS, atomically.

    Sources in the VRT's folder are referenced relative to it (so the run
    folder can move); colour table and class names are the first map's.
    Where maps overlap, the later one in ``paths`` wins, except for its
    nodata (255) pixels, through which the earlier show.

    Args:
        paths: Class-map files (at least one), all on the same CRS.
        out: VRT file to write.

    Returns:
        The path ``out``.

    Raises:
        DataError: ``paths`` is empty or the maps are on different CRSs.
    """
    paths = [os.fspath(path) for path in paths]
    if not paths:
        raise DataError(f"mosaic {out}: expected at least one class map, found none")
    first = gdal.Open(paths[0])
    reference = first.GetSpatialRef() or osr.SpatialReference()  # (also makes GDAL 3.6 read the sidecar)
    names = first.GetRasterBand(1).GetCategoryNames()
    for path in paths[1:]:
        if not (gdal.Open(path).GetSpatialRef() or osr.SpatialReference()).IsSame(reference):
            raise DataError(f"mosaic {out}: class maps {paths[0]} and {path} are on different CRSs; "
                            f"a VRT mosaic needs one CRS (reproject them, e.g. with gdalwarp)")
    with atomic_path(out) as temporary:
        # Sources in the VRT's folder or below are recorded relative to it.
        mosaic = gdal.BuildVRT(temporary, [os.path.abspath(path) for path in paths],
                               srcNodata=NODATA_CLASS, VRTNodata=NODATA_CLASS)
        if names:
            mosaic.GetRasterBand(1).SetCategoryNames(names)
        del mosaic
    return out
