"""Tiled, compressed GeoTIFFs with a scene's georeference, written window by window."""

import contextlib
import os

from osgeo import gdal

from mfafnet_tf.data.atomic import atomic_path

gdal.UseExceptions()

TILE_OPTIONS = ["TILED=YES", "BLOCKXSIZE=256", "BLOCKYSIZE=256", "BIGTIFF=IF_SAFER"]
# GDAL keeps what TIFF tags cannot hold (category names) in this sidecar file.
SIDECAR = ".aux.xml"
# Band metadata item holding the name of class value i inside the TIFF itself
# (GDAL's GDAL_METADATA tag), where category names cannot go.
CLASS_NAME_ITEM = "CLASS_{}"


@contextlib.contextmanager
def atomic_geotiff(path):
    """Yields a temporary path beside ``path``; on success renames it and its sidecar.

    Like :func:`mfafnet_tf.data.atomic.atomic_path`, but GDAL's ``.aux.xml``
    sidecar moves along (first; a stale one of an earlier file at ``path`` is
    removed), and is removed if the block fails.
    """
    with atomic_path(path) as temporary:
        sidecar = temporary + SIDECAR
        try:
            yield temporary
            if os.path.exists(sidecar):
                os.replace(sidecar, os.fspath(path) + SIDECAR)
            elif os.path.exists(os.fspath(path) + SIDECAR):
                # An older file's metadata must not attach to the new one.
                os.remove(os.fspath(path) + SIDECAR)
        finally:
            if os.path.exists(sidecar):
                os.remove(sidecar)


class GeoTiffWriter:
    """A new GeoTIFF on the pixel grid, CRS and geotransform of a scene.

    Args:
        path: File to create (overwritten).
        scene: Scene whose ``width``, ``height``, ``geotransform`` and
            ``projection`` the file takes.
        bands: Number of bands.
        data_type: GDAL data type, e.g. ``gdal.GDT_Byte``.
        nodata: Nodata value of every band.
        compression: GDAL GTiff creation options for compression.
        color_table: ``gdal.ColorTable`` for band 1, or None.
        category_names: Names of the values 0..K-1 of band 1, or None: GDAL
            category names (in the ``.aux.xml`` sidecar, where QGIS looks) and
            band metadata items ``CLASS_0``... (in the TIFF, so they travel
            without the sidecar).
        descriptions: One description per band (in the TIFF), or None.
    """

    def __init__(self, path, scene, bands, data_type, nodata, *, compression,
                 color_table=None, category_names=None, descriptions=None):
        driver = gdal.GetDriverByName("GTiff")
        self._dataset = driver.Create(
            str(path), scene.width, scene.height, bands, data_type,
            options=TILE_OPTIONS + list(compression),
        )
        self._dataset.SetGeoTransform(scene.geotransform)
        if scene.projection:
            self._dataset.SetProjection(scene.projection)
        for index in range(bands):
            band = self._dataset.GetRasterBand(index + 1)
            band.SetNoDataValue(nodata)
            if descriptions:
                band.SetDescription(descriptions[index])
        first = self._dataset.GetRasterBand(1)
        if color_table is not None:
            first.SetRasterColorInterpretation(gdal.GCI_PaletteIndex)
            first.SetRasterColorTable(color_table)
        if category_names:
            first.SetCategoryNames(list(category_names))
            first.SetMetadata({CLASS_NAME_ITEM.format(value): str(name)
                               for value, name in enumerate(category_names)})

    def write(self, window, values):
        """Writes ``values`` [h,w] (one band) or [h,w,bands] at ``window``."""
        if values.ndim == 2:
            values = values[..., None]
        for index in range(values.shape[-1]):
            self._dataset.GetRasterBand(index + 1).WriteArray(values[..., index], window.x, window.y)

    def close(self):
        """Flushes and closes the file."""
        if self._dataset is not None:
            self._dataset.FlushCache()
            self._dataset = None

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()
