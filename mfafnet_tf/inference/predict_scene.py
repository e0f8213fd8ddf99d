"""Whole-scene prediction to a georeferenced class map (plus probabilities and a preview)."""

import contextlib
import os

import numpy as np
from osgeo import gdal

from mfafnet_tf.data import open_scene
from mfafnet_tf.errors import ConfigError
from mfafnet_tf.inference.geotiff_writer import GeoTiffWriter, atomic_geotiff
from mfafnet_tf.inference.model_loading import load_model
from mfafnet_tf.inference.model_runner import ModelRunner, resolve_class_names
from mfafnet_tf.inference.palette import NODATA_CLASS, class_colors, color_table
from mfafnet_tf.inference.predict_settings import PredictSettings
from mfafnet_tf.inference.scene_panel import PanelPixels
from mfafnet_tf.inference.scene_predictions import iter_scene_predictions

# GDAL's block cache for `mfafnet predict` unless GDAL_CACHEMAX is set: enough for
# a row of input tiles of a wide scene. GDAL's own default is a share of the RAM,
# which a long read of a large scene fills completely.
CLI_GDAL_CACHE_MB = 256
CLASS_MAP_COMPRESSION = ["COMPRESS=DEFLATE"]
PROBABILITY_COMPRESSION = ["COMPRESS=DEFLATE", "PREDICTOR=3"]
CLASS_BAND_DESCRIPTION = "class"


def limit_gdal_cache(megabytes=CLI_GDAL_CACHE_MB):
    """Caps GDAL's (process-wide) block cache, unless GDAL_CACHEMAX says otherwise."""
    if "GDAL_CACHEMAX" not in os.environ:
        gdal.SetCacheMax(megabytes * 2**20)


def predict_scene(model, optical, sar, out, settings=None, *, probabilities=None, quicklook=None,
                  progress=True, **options):
    """Segments a co-registered optical/SAR scene of any size into a class-map GeoTIFF.

    The scene is read and predicted tile by tile (see
    :func:`~mfafnet_tf.inference.iter_scene_predictions`) and the map is written
    window by window, so memory does not grow with the scene. Inputs are checked
    before any prediction; outputs appear only when complete.

    Args:
        model: Path of a ``.keras`` file or SavedModel directory, or a Keras
            model / loaded SavedModel / ModelRunner.
        optical: Optical GeoTIFF path.
        sar: SAR GeoTIFF path, on the same pixel grid (or on any grid with the
            settings' ``align``).
        out: Class map to write: uint8, one band, tiled and compressed, the
            input's CRS and geotransform, colour table, class names, 255 where
            the input is nodata under the settings' nodata policy.
        settings: A :class:`~mfafnet_tf.inference.predict_settings.PredictSettings`
            (bands, nodata values, tiling, class names, nodata policy); default the one built
            from ``options``.
        probabilities: Optional float32 GeoTIFF of the K class probabilities
            (NaN where nodata).
        quicklook: Optional PNG panel: the optical RGB, the SAR and the class
            map side by side (each decimated), with a legend.
        progress: Show a progress bar.
        **options: Instead of ``settings``, its fields as keywords
            (``optical_bands``, ``sar_bands``, ``optical_nodata``,
            ``sar_nodata``, ``align``, ``tile``, ``overlap``,
            ``batch_size``, ``class_names``, ``nodata_policy``).

    Returns:
        The path ``out``.

    Raises:
        DataError: A file is missing, the pair is mis-registered (without ``align``), or band counts
            differ from the model's inputs.
        ConfigError: ``tile``, ``overlap`` or ``batch_size`` is out of range,
            the model has 255 classes or more, or the policy is unknown.
    """
    settings = PredictSettings.given(settings, **options)
    runner = load_model(model) if isinstance(model, (str, os.PathLike)) else ModelRunner.wrap(model)
    if runner.num_classes >= NODATA_CLASS:
        raise ConfigError(
            f"model: expected fewer than {NODATA_CLASS} classes for a uint8 class map, found {runner.num_classes}"
        )
    names = resolve_class_names(settings.class_names, runner)
    colors = class_colors(names)
    with contextlib.ExitStack() as stack:
        scene = stack.enter_context(open_scene(
            optical, sar, **settings.scene_options,
            expect_optical_bands=runner.optical_channels, expect_sar_bands=runner.sar_channels,
        ))
        class_writer = stack.enter_context(GeoTiffWriter(
            stack.enter_context(atomic_geotiff(out)), scene, 1, gdal.GDT_Byte, NODATA_CLASS,
            compression=CLASS_MAP_COMPRESSION, color_table=color_table(colors), category_names=names,
            descriptions=[CLASS_BAND_DESCRIPTION],
        ))
        panel = PanelPixels(scene) if quicklook is not None else None
        probability_writer = None
        if probabilities is not None:
            probability_writer = stack.enter_context(GeoTiffWriter(
                stack.enter_context(atomic_geotiff(probabilities)), scene, runner.num_classes,
                gdal.GDT_Float32, float("nan"), compression=PROBABILITY_COMPRESSION, descriptions=names,
            ))
        blocks = iter_scene_predictions(
            runner, scene, **settings.tiling_options(runner.training_patch), progress=progress)
        for window, block, valid in blocks:
            class_ids = np.argmax(block, axis=-1).astype(np.uint8)
            class_ids[~valid] = NODATA_CLASS
            class_writer.write(window, class_ids)
            if panel is not None:
                panel.add(window, class_ids)
            if probability_writer is not None:
                probability_writer.write(window, np.where(valid[..., None], block, np.nan))
    if panel is not None:
        panel.write(quicklook, names, colors)
    return out
