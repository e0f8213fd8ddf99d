"""The VRT mosaic: overlap order, nodata, relative sources, one CRS."""

import shutil

import numpy as np
import pytest
from batch_scenes import ORIGIN, PIXEL, write_class_map
from osgeo import gdal

from mfafnet_tf.batch.mosaic import build_mosaic
from mfafnet_tf.errors import DataError


def test_later_maps_win_except_where_they_are_nodata(tmp_path):
    first = write_class_map(tmp_path / "first.tif", np.zeros((4, 6), np.uint8))
    second_values = np.ones((4, 6), np.uint8)
    second_values[:, 0] = 255  # over the first map: its 0 shows through
    second = write_class_map(tmp_path / "second.tif", second_values, origin_x=ORIGIN[0] + 3 * PIXEL)
    build_mosaic([first, second], tmp_path / "mosaic.vrt")
    moved = tmp_path.parent / (tmp_path.name + "_moved")
    shutil.copytree(tmp_path, moved)  # sources are relative: the folder can move
    mosaic = gdal.Open(str(moved / "mosaic.vrt"))
    assert (mosaic.RasterXSize, mosaic.RasterYSize) == (9, 4)
    np.testing.assert_array_equal(mosaic.ReadAsArray()[0], [0, 0, 0, 0, 1, 1, 1, 1, 1])


def test_maps_on_different_crs_are_refused(tmp_path):
    utm = write_class_map(tmp_path / "utm50.tif", np.zeros((4, 4), np.uint8))
    other = write_class_map(tmp_path / "utm51.tif", np.zeros((4, 4), np.uint8), epsg=32651)
    with pytest.raises(DataError, match="utm50.tif and .*utm51.tif are on different CRSs"):
        build_mosaic([utm, other], tmp_path / "mosaic.vrt")
    assert not (tmp_path / "mosaic.vrt").exists()
    with pytest.raises(DataError, match="expected at least one class map"):
        build_mosaic([], tmp_path / "mosaic.vrt")
