"""Writing tiny GeoTIFFs for the data-layer tests."""

import numpy as np
from osgeo import gdal, osr

GEOTRANSFORM = (400000.0, 5.0, 0.0, 3500000.0, 0.0, -5.0)
_TYPES = {
    np.dtype(np.uint8): gdal.GDT_Byte, np.dtype(np.int16): gdal.GDT_Int16,
    np.dtype(np.uint16): gdal.GDT_UInt16, np.dtype(np.int32): gdal.GDT_Int32,
    np.dtype(np.float32): gdal.GDT_Float32, np.dtype(np.float64): gdal.GDT_Float64,
}


def write_raster(path, array, geotransform=GEOTRANSFORM, epsg=32650, nodata=None,
                 options=()):
    """Writes [H, W] or [H, W, C] as a GeoTIFF; returns the path as str."""
    array = np.asarray(array)
    if array.ndim == 2:
        array = array[..., None]
    height, width, count = array.shape
    dataset = gdal.GetDriverByName("GTiff").Create(
        str(path), width, height, count, _TYPES[array.dtype], list(options))
    if geotransform is not None:
        dataset.SetGeoTransform(geotransform)
    if epsg is not None:
        reference = osr.SpatialReference()
        reference.ImportFromEPSG(epsg)
        dataset.SetProjection(reference.ExportToWkt())
    for index in range(count):
        band = dataset.GetRasterBand(index + 1)
        band.WriteArray(array[..., index])
        if nodata is not None:
            band.SetNoDataValue(nodata)
    dataset = None
    return str(path)
