"""``mfafnet predict --align``: a SAR on another grid warped onto the optical's on the fly."""

import numpy as np
import pytest
from osgeo import gdal, osr

from mfafnet_tf.cli.main import main

# The SAR: 120x120 pixels of 0.00005 degree in EPSG:4326 around the optical's
# 40x30 pixels of 5 m in UTM 50N (from 117.0 E, 36.143 N).
STEP = 0.00005
SAR_GRID = (116.9995, STEP, 0.0, 36.1452, 0.0, -STEP)
# The SAR is bright east of this longitude, about the optical's column 20.
BRIGHT_EAST_OF = 117.0011


@pytest.fixture
def wgs84_pair(tmp_path, coordinate_scene, write_geotiff, sar_threshold_model):
    """(optical path, SAR path in EPSG:4326, SAR-threshold model path)."""
    optical, _, _, _ = coordinate_scene(30, 40)
    longitude = SAR_GRID[0] + (np.arange(120) + 0.5) * STEP
    sar = np.where(longitude > BRIGHT_EAST_OF, 1.0, 0.1).astype(np.float32)
    sar = np.repeat(sar[None, :, None], 120, axis=0)
    sar_path = write_geotiff(tmp_path / "s1_wgs84.tif", sar, geotransform=SAR_GRID, epsg=4326)
    model = str(tmp_path / "threshold.keras")
    sar_threshold_model.save(model)
    return optical, sar_path, model


@pytest.mark.parametrize("cog", [[], ["--cog"]])
def test_align_warps_the_sar_onto_the_optical_grid(tmp_path, wgs84_pair, capsys, cog):
    optical, sar, model = wgs84_pair
    out, quicklook = tmp_path / "map.tif", tmp_path / "map.png"
    assert main(["predict", "--model", model, "--optical", optical, "--sar", sar, "--out", str(out),
                 "--align", "--quicklook", str(quicklook), "--tile", "16", "--quiet", *cog]) == 0
    assert quicklook.read_bytes().startswith(b"\x89PNG")
    assert f"aligned SAR {sar} onto the grid of {optical}" in capsys.readouterr().out
    written, grid = gdal.Open(str(out)), gdal.Open(optical)
    assert (written.RasterXSize, written.RasterYSize) == (grid.RasterXSize, grid.RasterYSize) == (40, 30)
    assert written.GetGeoTransform() == grid.GetGeoTransform()
    assert osr.SpatialReference(wkt=written.GetProjection()).IsSame(
        osr.SpatialReference(wkt=grid.GetProjection()))
    class_ids = written.ReadAsArray()
    assert (class_ids[:, :15] == 0).all() and (class_ids[:, 25:] == 1).all()   # dark west, bright east


def test_without_align_the_pair_is_a_co_registration_error(tmp_path, wgs84_pair, capsys):
    optical, sar, model = wgs84_pair
    out = tmp_path / "map.tif"
    assert main(["predict", "--model", model, "--optical", optical, "--sar", sar, "--out", str(out),
                 "--quiet"]) == 1
    error = capsys.readouterr().err
    assert f"optical raster {optical} and SAR raster {sar} differ in size: 40x30 vs 120x120" in error
    assert not out.exists()


def test_align_needs_a_model_that_takes_both(tmp_path, wgs84_pair, capsys):
    optical, sar, _ = wgs84_pair
    from mfafnet_tf.models.unet.unet import UNet

    model = str(tmp_path / "sar_unet.keras")
    UNet(2, modalities=("sar",), sar_channels=1, widths=(4, 8)).save(model)
    assert main(["predict", "--model", model, "--sar", sar, "--out", str(tmp_path / "map.tif"),
                 "--align", "--quiet"]) == 1
    assert (f"--align: expected a model that takes optical and SAR (the SAR is warped onto the "
            f"optical's grid), model {model} takes sar only") in capsys.readouterr().err
