"""Tiny GeoTIFF scenes and hand-made Keras models with the MFAFNet input/output convention."""

import keras
import numpy as np
import pytest
from keras import ops
from osgeo import gdal, osr

gdal.UseExceptions()

GEOTRANSFORM = (500000.0, 5.0, 0.0, 4000000.0, 0.0, -5.0)
EPSG = 32650


def _write_geotiff(path, values, *, nodata=None, geotransform=GEOTRANSFORM, epsg=EPSG):
    height, width, bands = values.shape
    dataset = gdal.GetDriverByName("GTiff").Create(str(path), width, height, bands, gdal.GDT_Float32)
    dataset.SetGeoTransform(geotransform)
    reference = osr.SpatialReference()
    reference.ImportFromEPSG(epsg)
    dataset.SetProjection(reference.ExportToWkt())
    for index in range(bands):
        band = dataset.GetRasterBand(index + 1)
        if nodata is not None:
            band.SetNoDataValue(nodata)
        band.WriteArray(values[..., index])
    dataset = None
    return str(path)


@pytest.fixture
def write_geotiff():
    """``write_geotiff(path, values [h,w,c], nodata=None, geotransform=..., epsg=...)``:
    a float32 GeoTIFF (default UTM 50N, 5 m pixels); returns the path as str."""
    return _write_geotiff


@pytest.fixture
def coordinate_scene(tmp_path):
    """``coordinate_scene(height, width, optical_bands=4)`` -> (optical path, SAR path,
    optical [h,w,c], sar [h,w,1]): optical bands hold (column, row, 1, ...), SAR holds
    ones, so absolute position is an input of the model."""
    return lambda height, width, optical_bands=4: _coordinate_scene(tmp_path, height, width, optical_bands)


def _coordinate_scene(directory, height, width, optical_bands):
    rows, columns = np.mgrid[0:height, 0:width].astype(np.float32)
    optical = np.ones((height, width, optical_bands), np.float32)
    optical[..., 0] = columns
    optical[..., 1] = rows
    sar = np.ones((height, width, 1), np.float32)
    return (
        _write_geotiff(directory / "optical.tif", optical),
        _write_geotiff(directory / "sar.tif", sar),
        optical,
        sar,
    )


@pytest.fixture
def panel_images():
    """``panel_images(png)`` -> [uint8 [h, w, 3]]: the images of a scene panel, left to right
    (each ``IMAGE_INCHES`` wide; the legend's strip is left out)."""
    from matplotlib.image import imread

    from mfafnet_tf.inference.scene_panel import DPI, IMAGE_INCHES

    def split(path):
        rgb = np.round(imread(str(path))[..., :3] * 255).astype(np.uint8)
        width = round(IMAGE_INCHES * DPI)
        return [rgb[:, start:start + width] for start in range(0, rgb.shape[1] - width + 1, width)]

    return split


@keras.saving.register_keras_serializable(package="mfafnet_tf_tests")
class FiniteOrZero(keras.layers.Layer):
    """Replaces non-finite inputs (nodata) by 0, as MFAFNet's normalization does."""

    def call(self, inputs):
        return ops.where(ops.isfinite(inputs), inputs, ops.zeros_like(inputs))

    def compute_output_shape(self, input_shape):
        return input_shape


def conv_model(kernel, bias, *, optical_channels=4, sar_channels=1):
    """Logits = one convolution ('same' zero padding) over concat(optical, sar)."""
    optical = keras.Input((None, None, optical_channels), name="optical")
    sar = keras.Input((None, None, sar_channels), name="sar")
    features = keras.layers.Concatenate()([FiniteOrZero()(optical), FiniteOrZero()(sar)])
    layer = keras.layers.Conv2D(kernel.shape[-1], kernel.shape[:2], padding="same")
    logits = layer(features)
    layer.set_weights([kernel.astype(np.float32), bias.astype(np.float32)])
    return keras.Model({"optical": optical, "sar": sar}, logits)


@pytest.fixture(scope="session")
def constant_model():
    """Ignores its input: probabilities softmax([0, 1, 2]) everywhere."""
    return conv_model(np.zeros((1, 1, 5, 3)), np.array([0.0, 1.0, 2.0]))


@pytest.fixture(scope="session")
def position_model():
    """Logits linear in the absolute (column, row) carried by optical bands 1 and 2."""
    kernel = np.zeros((1, 1, 5, 3))
    kernel[0, 0, 0] = [0.05, 0.0, -0.05]
    kernel[0, 0, 1] = [0.0, 0.08, 0.0]
    return conv_model(kernel, np.array([0.0, -1.5, 1.0]))


@pytest.fixture(scope="session")
def border_model():
    """A 9x9 box filter over the SAR ones: logits sag near a tile's edges (zero padding)."""
    kernel = np.zeros((9, 9, 5, 2))
    kernel[:, :, 4, 0] = 6.0 / 81.0
    return conv_model(kernel, np.array([0.0, 3.0]))


@pytest.fixture(scope="session")
def sar_threshold_model():
    """Class 1 where the SAR is above 0.5, else class 0."""
    kernel = np.zeros((1, 1, 5, 2))
    kernel[0, 0, 4] = [0.0, 10.0]
    return conv_model(kernel, np.array([0.0, -5.0]))
