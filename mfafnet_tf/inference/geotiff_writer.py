"""Tiled, compressed GeoTIFFs with a scene's georeference, written window by window."""

import contextlib
import errno
import os
import sys

from osgeo import gdal

from mfafnet_tf.data.atomic import atomic_path

gdal.UseExceptions()

TILE_OPTIONS = ["TILED=YES", "BLOCKXSIZE=256", "BLOCKYSIZE=256", "BIGTIFF=IF_SAFER"]
# GDAL keeps what TIFF tags cannot hold (category names) in this sidecar file.
SIDECAR = ".aux.xml"
# Band metadata item holding the name of class value i inside the TIFF itself
# (GDAL's GDAL_METADATA tag), where category names cannot go.
CLASS_NAME_ITEM = "CLASS_{}"
# How GDAL's message says that a write failed for want of space (strerror(ENOSPC)).
NO_SPACE_MESSAGE = os.strerror(errno.ENOSPC)


def _is_dataset_destructor_error(unraisable):
    return (isinstance(unraisable.exc_value, RuntimeError)
            and getattr(unraisable.object, "__name__", None) == "delete_Dataset")


@contextlib.contextmanager
def gdal_errors(path):
    """Raises GDAL's failures in the block as one OSError on ``path``.

    ``errno`` is ENOSPC when GDAL says the disk is full, else EIO. Failures
    that GDAL 3.6 raises while a dataset is destroyed (which Python would
    print as "Exception ignored in delete_Dataset") are caught too, so the
    block may drop the last reference of a dataset it writes to close it.
    """
    failures = []

    def collect(kind, _number, message):
        if kind >= gdal.CE_Failure:
            failures.append(message)

    def hook(unraisable):
        if not _is_dataset_destructor_error(unraisable):
            previous_hook(unraisable)

    previous_hook, sys.unraisablehook = sys.unraisablehook, hook
    gdal.PushErrorHandler(collect)
    try:
        yield
    except RuntimeError as error:
        failures.append(str(error))
    finally:
        gdal.PopErrorHandler()
        sys.unraisablehook = previous_hook
    if failures:
        code = errno.ENOSPC if any(NO_SPACE_MESSAGE in failure for failure in failures) else errno.EIO
        raise OSError(code, failures[0], os.fspath(path))


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
        self._path = os.fspath(path)
        self._dataset = None
        with gdal_errors(self._path):
            try:
                self._dataset = gdal.GetDriverByName("GTiff").Create(
                    self._path, scene.width, scene.height, bands, data_type,
                    options=TILE_OPTIONS + list(compression),
                )
                self._describe(scene, bands, nodata, color_table, category_names, descriptions)
            except RuntimeError:
                self._dataset = None
                raise

    def _describe(self, scene, bands, nodata, color_table, category_names, descriptions):
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
        """Writes ``values`` [h,w] (one band) or [h,w,bands] at ``window``.

        Raises:
            OSError: GDAL cannot write the file (ENOSPC: the disk is full).
        """
        if values.ndim == 2:
            values = values[..., None]
        with gdal_errors(self._path):
            for index in range(values.shape[-1]):
                self._dataset.GetRasterBand(index + 1).WriteArray(values[..., index], window.x, window.y)

    def close(self):
        """Flushes and closes the file; raises OSError as :meth:`write` does."""
        if self._dataset is None:
            return
        dataset, self._dataset = self._dataset, None
        with gdal_errors(self._path):
            with contextlib.suppress(RuntimeError):   # gdal_errors collects it all the same
                dataset.FlushCache()
            del dataset   # closing writes the rest; GDAL 3.6 reports its failures here

    def __enter__(self):
        return self

    def __exit__(self, exc_type, *_):
        if exc_type is None:
            self.close()
        else:
            with contextlib.suppress(OSError):   # the block's error is the one to report
                self.close()
