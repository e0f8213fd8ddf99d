"""Scene I/O: window reads, co-registration checks, nodata masks, the alpha trap."""

import os

import numpy as np
import pytest
from osgeo import gdal

from tiny_rasters import GEOTRANSFORM, write_raster
from mfafnet_tf.data import Window, open_scene
from mfafnet_tf.errors import DataError


def test_window_reads_equal_full_read(scene_files):
    with open_scene(scene_files["optical"], scene_files["sar"], scene_files["label"]) as scene:
        assert (scene.width, scene.height) == (64, 48)
        assert (scene.optical_channels, scene.sar_channels) == (4, 1)
        full = scene.read(Window(0, 0, 64, 48))
        np.testing.assert_array_equal(full.optical, scene_files["arrays"]["optical"])
        np.testing.assert_array_equal(full.sar[..., 0], scene_files["arrays"]["sar"])
        np.testing.assert_array_equal(full.label, scene_files["arrays"]["label"])
        for window in scene.windows(20, 15):
            part = scene.read(window)
            rows = slice(window.y, window.y + window.height)
            cols = slice(window.x, window.x + window.width)
            np.testing.assert_array_equal(part.optical, full.optical[rows, cols])
            np.testing.assert_array_equal(part.sar, full.sar[rows, cols])
            np.testing.assert_array_equal(part.label, full.label[rows, cols])
        covered = np.zeros((48, 64), bool)
        for window in scene.windows(20, 15):
            covered[window.y:window.y + window.height, window.x:window.x + window.width] = True
        assert covered.all()


def test_window_outside_scene_is_an_error(scene_files):
    with open_scene(scene_files["optical"], scene_files["sar"]) as scene:
        with pytest.raises(DataError, match="outside the scene"):
            scene.read(Window(50, 40, 20, 10))


def _shifted(offset_x=0.0, pixel=5.0):
    return (GEOTRANSFORM[0] + offset_x, pixel, 0.0, GEOTRANSFORM[3], 0.0, -pixel)


@pytest.mark.parametrize("kwargs, found", [
    ({"epsg": 32649}, "differ in CRS"),
    ({"epsg": None}, "differ in CRS"),
    ({"geotransform": _shifted(offset_x=5.0)}, "not co-registered"),
    ({"geotransform": _shifted(offset_x=-7.5)}, "not co-registered"),
    ({"geotransform": _shifted(pixel=5.1)}, "not co-registered"),
])
def test_misregistered_sar_is_rejected_naming_both_files(tmp_path, scene_files, kwargs, found):
    sar = write_raster(tmp_path / "bad_sar.tif", scene_files["arrays"]["sar"], **kwargs)
    with pytest.raises(DataError, match=found) as error:
        open_scene(scene_files["optical"], sar)
    assert scene_files["optical"] in str(error.value)
    assert sar in str(error.value)


def test_other_size_is_rejected(tmp_path, scene_files):
    label = write_raster(tmp_path / "small_label.tif", scene_files["arrays"]["label"][:40])
    with pytest.raises(DataError, match="differ in size: 64x48 vs 64x40") as error:
        open_scene(scene_files["optical"], scene_files["sar"], label)
    assert label in str(error.value)


def test_sub_pixel_differences_pass(tmp_path, scene_files):
    # Real pairs carry float noise in their geotransforms: a millionth of a
    # metre in the origin and a relative 1e-9 in the pixel size.
    geotransform = (GEOTRANSFORM[0] + 1e-6, 5.0 * (1 + 1e-9), 0.0,
                    GEOTRANSFORM[3] - 3e-7, 0.0, -5.0 * (1 - 1e-9))
    sar = write_raster(tmp_path / "sar_noise.tif", scene_files["arrays"]["sar"],
                       geotransform=geotransform)
    with open_scene(scene_files["optical"], sar, scene_files["label"]) as scene:
        assert scene.width == 64


def test_band_counts_and_selection(tmp_path, scene_files):
    with pytest.raises(DataError, match="expected 3 band.*found 4") as error:
        open_scene(scene_files["optical"], scene_files["sar"], expect_optical_bands=3)
    assert scene_files["optical"] in str(error.value)
    with pytest.raises(DataError, match="band 5 selected, but the file has 4"):
        open_scene(scene_files["optical"], scene_files["sar"], optical_bands=(1, 5))
    with open_scene(scene_files["optical"], scene_files["sar"], optical_bands=(3, 2, 1),
                    expect_optical_bands=3) as scene:
        window = scene.read(Window(0, 0, 64, 48))
    np.testing.assert_array_equal(window.optical, scene_files["arrays"]["optical"][..., 2::-1])


def test_label_must_be_one_integer_band(tmp_path, scene_files):
    float_label = write_raster(tmp_path / "float_label.tif",
                               scene_files["arrays"]["label"].astype(np.float32))
    with pytest.raises(DataError, match="Float32, expected an integer type"):
        open_scene(scene_files["optical"], scene_files["sar"], float_label)


def test_nan_and_declared_nodata_are_invalid(tmp_path, rng):
    optical = rng.integers(1, 1000, size=(48, 64, 3)).astype(np.int16)
    optical[5, 6, 1] = -1                       # declared nodata in one band
    sar = rng.normal(-12, 3, size=(48, 64)).astype(np.float32)
    sar[10, 11] = np.nan
    sar[12, 13] = -9999.0                       # declared nodata
    optical_path = write_raster(tmp_path / "s2.tif", optical, nodata=-1)
    sar_path = write_raster(tmp_path / "s1.tif", sar, nodata=-9999.0)
    with open_scene(optical_path, sar_path) as scene:
        window = scene.read(Window(0, 0, 64, 48))
    assert np.isnan(window.optical[5, 6, 1]) and not np.isnan(window.optical[5, 6, 0])
    assert np.isnan(window.sar[10, 11, 0]) and np.isnan(window.sar[12, 13, 0])
    expected = np.ones((48, 64), bool)
    expected[5, 6] = expected[10, 11] = expected[12, 13] = False
    np.testing.assert_array_equal(window.valid, expected)
    assert window.optical.dtype == np.float32
    # An explicit nodata value overrides the declared one.
    with open_scene(optical_path, sar_path, optical_nodata=optical[0, 0, 0],
                    sar_nodata=np.nan) as scene:
        window = scene.read(Window(0, 0, 64, 48))
    assert not np.isnan(window.optical[5, 6, 1]) and np.isnan(window.optical[0, 0, 0])
    assert window.sar[12, 13, 0] == -9999.0


def test_fourth_optical_band_is_nir_not_alpha(tmp_path, scene_files):
    optical = scene_files["arrays"]["optical"].copy()
    optical[..., 3] = 0  # a NIR band of zeros would be "fully transparent" as alpha
    path = write_raster(tmp_path / "rgba.tif", optical, options=("PHOTOMETRIC=RGB", "ALPHA=YES"))
    dataset = gdal.Open(path)
    assert dataset.GetRasterBand(1).GetMaskFlags() & gdal.GMF_ALPHA  # GDAL sees alpha
    dataset = None
    with open_scene(path, scene_files["sar"]) as scene:
        window = scene.read(Window(0, 0, 64, 48))
    assert window.valid.all()
    np.testing.assert_array_equal(window.optical, optical)


def test_missing_and_corrupt_files(tmp_path, scene_files):
    missing = str(tmp_path / "nowhere.tif")
    with pytest.raises(DataError, match="SAR raster .*nowhere.tif: cannot be opened"):
        open_scene(scene_files["optical"], missing)
    garbage = tmp_path / "garbage.tif"
    garbage.write_bytes(b"II*\x00 this is not a tiff")
    with pytest.raises(DataError, match="garbage.tif"):
        open_scene(scene_files["optical"], str(garbage))


def test_truncated_file_fails_on_read(tmp_path, scene_files):
    path = tmp_path / "truncated.tif"
    data = open(scene_files["optical"], "rb").read()
    size = os.path.getsize(scene_files["optical"])
    path.write_bytes(data[:size // 2])
    with pytest.raises(DataError, match="truncated.tif"):
        with open_scene(str(path), scene_files["sar"]) as scene:
            scene.read(Window(0, 0, 64, 48))


def test_infinite_values_are_invalid(tmp_path, rng):
    optical = rng.uniform(0, 1, size=(8, 8, 2))          # float64
    optical[1, 2, 0] = 1e300                             # inf once cast to float32
    sar = rng.normal(-12, 3, size=(8, 8)).astype(np.float32)
    sar[3, 4] = -np.inf                                  # dB of a zero backscatter
    sar[5, 6] = np.inf
    with open_scene(write_raster(tmp_path / "o.tif", optical),
                    write_raster(tmp_path / "s.tif", sar)) as scene:
        window = scene.read(Window(0, 0, 8, 8))
    expected = np.ones((8, 8), bool)
    expected[1, 2] = expected[3, 4] = expected[5, 6] = False
    np.testing.assert_array_equal(window.valid, expected)
    assert np.isnan(window.optical[1, 2, 0]) and np.isnan(window.sar[3, 4, 0])
    assert np.isfinite(window.optical).sum() == 127 and np.isfinite(window.sar).sum() == 62



def _open_files():
    folder = "/proc/self/fd"
    return {os.path.realpath(os.path.join(folder, fd)) for fd in os.listdir(folder)}


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs /proc")
def test_failed_open_closes_the_files(tmp_path, scene_files):
    two_bands = write_raster(tmp_path / "two.tif", np.zeros((48, 64, 2), np.uint8))
    with pytest.raises(DataError, match="expected 1 band") as failure:
        open_scene(scene_files["optical"], scene_files["sar"], two_bands)
    assert failure.value.__traceback__ is not None    # keeps the failed Scene alive
    files = {os.path.realpath(p) for p in (scene_files["optical"], scene_files["sar"],
                                           two_bands)}
    assert not files & _open_files()
