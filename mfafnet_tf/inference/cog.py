"""Cloud-Optimized GeoTIFF class maps: GDAL's COG driver over the GeoTIFF writer's output."""

import os

from osgeo import gdal

from mfafnet_tf.data.atomic import NO_SPACE, scratch_folder
from mfafnet_tf.errors import DataError
from mfafnet_tf.inference.geotiff_writer import atomic_geotiff, gdal_errors
from mfafnet_tf.inference.predict_scene import predict_scene

gdal.UseExceptions()

# Class ids are categories: overviews take the most frequent class (MODE), never
# an average of ids. 256-pixel tiles as in the GeoTIFF writer.
COG_OPTIONS = ["COMPRESS=DEFLATE", "BLOCKSIZE=256", "OVERVIEW_RESAMPLING=MODE",
               "OVERVIEWS=IGNORE_EXISTING", "BIGTIFF=IF_SAFER"]


def write_cog(source, out):
    """Converts a class-map GeoTIFF into a Cloud-Optimized GeoTIFF, atomically.

    Georeference, nodata, colour table and class names (GDAL's ``.aux.xml``
    sidecar) carry over; overviews are built down to one tile with MODE
    resampling.

    Args:
        source: GeoTIFF to convert (e.g. written by
            :func:`~mfafnet_tf.inference.predict_scene.predict_scene`).
        out: COG to write; it appears only when complete.

    Returns:
        The path ``out``.

    Raises:
        DataError: ``source`` cannot be read or the COG cannot be written.
    """
    with atomic_geotiff(out) as temporary:
        try:
            with gdal_errors(temporary):
                # Dropping the dataset at once closes it: the file and its .aux.xml sidecar.
                gdal.Translate(temporary, os.fspath(source), format="COG", creationOptions=COG_OPTIONS)
        except OSError as error:
            if error.errno in NO_SPACE:
                raise
            raise DataError(f"COG {out}: cannot be written from {source} ({error.strerror})") from None
    return out


def predict_cog(model, optical, sar, out, settings=None, **options):
    """:func:`~mfafnet_tf.inference.predict_scene.predict_scene` straight to a COG.

    The class map is first written as a tiled GeoTIFF in a temporary folder
    beside ``out`` (see :func:`~mfafnet_tf.data.atomic.scratch_folder`), then
    converted with :func:`write_cog`. ``settings`` and
    ``options`` are those of ``predict_scene`` (settings, probabilities,
    quicklook, progress, ...).

    Returns:
        The path ``out``.
    """
    with scratch_folder(out) as scratch:
        tiled = predict_scene(model, optical, sar, os.path.join(scratch, "class_map.tif"), settings, **options)
        return write_cog(tiled, out)
