"""Tiny georeferenced scenes for the batch tests (shared by conftest and the tests)."""

import numpy as np
from osgeo import gdal, osr

gdal.UseExceptions()

# Scenes of 300x400 pixels (taller and wider than one 256 COG tile, so the COG has overviews).
HEIGHT, WIDTH = 300, 400
PIXEL = 5.0
ORIGIN = (500000.0, 4000000.0)
EPSG = 32650


def write_geotiff(path, values, origin_x, *, geotransform=None, epsg=EPSG):
    """A float32 GeoTIFF on the scenes' grid from ``origin_x``, or on ``geotransform`` in ``epsg``."""
    height, width, bands = values.shape
    dataset = gdal.GetDriverByName("GTiff").Create(str(path), width, height, bands, gdal.GDT_Float32)
    dataset.SetGeoTransform(geotransform or (origin_x, PIXEL, 0.0, ORIGIN[1], 0.0, -PIXEL))
    reference = osr.SpatialReference()
    reference.ImportFromEPSG(epsg)
    dataset.SetProjection(reference.ExportToWkt())
    for index in range(bands):
        dataset.GetRasterBand(index + 1).WriteArray(values[..., index])
    dataset = None
    return str(path)


def scene_values(seed):
    """Optical (4 bands) with stripes of three levels in band 1, SAR ones."""
    rng = np.random.default_rng(seed)
    optical = rng.uniform(0, 0.1, (HEIGHT, WIDTH, 4)).astype(np.float32)
    optical[..., 0] += (np.arange(WIDTH) // 40 % 3)[None, :]
    return optical, np.ones((HEIGHT, WIDTH, 1), np.float32)


def expected_class_map():
    """The model's classes on a good scene: the stripe level of optical band 1."""
    return np.broadcast_to((np.arange(WIDTH) // 40 % 3).astype(np.uint8)[None, :], (HEIGHT, WIDTH))


def write_class_map(path, values, origin_x=ORIGIN[0], epsg=EPSG):
    """A plain tiled uint8 class map (nodata 255) on the scenes' pixel size; returns the path."""
    dataset = gdal.GetDriverByName("GTiff").Create(str(path), values.shape[1], values.shape[0], 1,
                                                   gdal.GDT_Byte, ["TILED=YES"])
    dataset.SetGeoTransform((origin_x, PIXEL, 0.0, ORIGIN[1], 0.0, -PIXEL))
    reference = osr.SpatialReference()
    reference.ImportFromEPSG(epsg)
    dataset.SetProjection(reference.ExportToWkt())
    dataset.GetRasterBand(1).SetNoDataValue(255)
    dataset.GetRasterBand(1).WriteArray(values)
    del dataset
    return str(path)
