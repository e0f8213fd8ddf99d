"""``mfafnet data align`` and the ``align: sar_to_optical`` option of scenes and manifests."""

import numpy as np
import pytest
from osgeo import gdal, osr

from tiny_rasters import write_raster
from mfafnet_tf.cli.main import main
from mfafnet_tf.data import check_dataset, get_dataset, open_scene
from mfafnet_tf.data.align import align_raster
from mfafnet_tf.errors import DataError

# The optical: 40x30 pixels of 10 m in UTM 50N, around 117.002 E, 36.143 N.
UTM = 32650
OPTICAL_GRID = (500000.0, 10.0, 0.0, 4000000.0, 0.0, -10.0)
# The SAR: 120x120 pixels of 0.00005 degree (about 4.5 m x 5.5 m) in EPSG:4326.
STEP = 0.00005
SAR_GRID = (116.9995, STEP, 0.0, 36.1452, 0.0, -STEP)


def _field(lon, lat):
    """The SAR's values: a plane in longitude and latitude, 10 units per target pixel."""
    return (lon - 117.0) * 1e5 + (lat - 36.0) * 1e5


def _sar_values(height=120, width=120, grid=SAR_GRID):
    lon = grid[0] + (np.arange(width) + 0.5) * grid[1]
    lat = grid[3] + (np.arange(height) + 0.5) * grid[5]
    return _field(lon[None, :], lat[:, None]).astype(np.float32)


def _centre_lonlat(column, row):
    utm, wgs84 = osr.SpatialReference(), osr.SpatialReference()
    utm.ImportFromEPSG(UTM)
    wgs84.ImportFromEPSG(4326)
    wgs84.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    transform = osr.CoordinateTransformation(utm, wgs84)
    x = OPTICAL_GRID[0] + (column + 0.5) * OPTICAL_GRID[1]
    y = OPTICAL_GRID[3] + (row + 0.5) * OPTICAL_GRID[5]
    return transform.TransformPoint(x, y)[:2]


@pytest.fixture
def pair(tmp_path):
    """(optical path, SAR path): a UTM optical and a larger EPSG:4326 SAR around it."""
    optical = np.random.default_rng(0).integers(1, 1000, (30, 40, 4)).astype(np.uint16)
    return (write_raster(tmp_path / "optical.tif", optical, OPTICAL_GRID, UTM),
            write_raster(tmp_path / "sar.tif", _sar_values(), SAR_GRID, 4326))


def _same_grid(path, reference):
    first, second = gdal.Open(path), gdal.Open(reference)
    assert (first.RasterXSize, first.RasterYSize) == (second.RasterXSize, second.RasterYSize)
    assert first.GetGeoTransform() == second.GetGeoTransform()
    crs = osr.SpatialReference(wkt=first.GetProjection())
    assert crs.IsSame(osr.SpatialReference(wkt=second.GetProjection()))


def test_sar_in_4326_aligns_onto_the_utm_grid_with_the_right_values(pair, tmp_path):
    optical, sar = pair
    out = str(tmp_path / "sar_on_optical.vrt")
    report = align_raster(optical, sar, out)
    _same_grid(out, optical)
    values = gdal.Open(out).ReadAsArray()
    for column, row in ((0, 0), (39, 0), (0, 29), (39, 29), (17, 11), (25, 6)):
        # A one-pixel shift changes the plane by about 9-11 units.
        assert values[row, column] == pytest.approx(_field(*_centre_lonlat(column, row)), abs=1.0)
    text = open(out, encoding="utf-8").read()
    assert '<SourceDataset relativeToVRT="1">sar.tif</SourceDataset>' in text  # lazy, no copy
    assert report.source_crs == "WGS 84 (EPSG:4326)"
    assert report.target_crs == "WGS 84 / UTM zone 50N (EPSG:32650)"
    assert report.target_pixel == (10.0, 10.0) and report.units == "metre"
    assert report.source_pixel_on_grid == pytest.approx((4.5, 5.55), abs=0.05)
    assert report.origin == pytest.approx((-4.498, -5.345), abs=0.01)
    assert report.resampling.startswith("average (")
    assert report.coverage == pytest.approx(1.0)
    assert np.isnan(report.nodata[0])


def test_declared_nodata_is_carried_and_not_averaged_in(tmp_path, pair):
    optical, _ = pair
    values = _sar_values()
    values[:, :60] = -9999.0                 # west half of the SAR: nodata
    sar = write_raster(tmp_path / "gaps.tif", values, SAR_GRID, 4326, nodata=-9999.0)
    out = str(tmp_path / "gaps_on_optical.tif")
    report = align_raster(optical, sar, out)
    dataset = gdal.Open(out)
    band = dataset.GetRasterBand(1)
    aligned = band.ReadAsArray()
    assert band.GetNoDataValue() == -9999.0 and report.nodata == (-9999.0,)
    # The nodata border (lon 116.9995 + 60 * STEP = 117.0025) is near column 22.
    assert (aligned[:, :20] == -9999.0).all()
    for column, row in ((25, 3), (39, 29)):
        assert aligned[row, column] == pytest.approx(_field(*_centre_lonlat(column, row)), abs=1.0)


def test_labels_align_with_nearest_and_outside_becomes_nodata(tmp_path, pair):
    optical, _ = pair
    # 5 m label pixels, half a pixel off the optical grid, covering its west half.
    grid = (500002.5, 5.0, 0.0, 4000002.5, 0.0, -5.0)
    codes = np.repeat(np.repeat(np.array([[10, 20], [30, 40]], np.uint8), 31, 0), 20, 1)
    label = write_raster(tmp_path / "label.tif", codes, grid, UTM)
    out = str(tmp_path / "label_on_optical.tif")
    report = align_raster(optical, label, out, role="label")
    dataset = gdal.Open(out)
    band = dataset.GetRasterBand(1)
    aligned = band.ReadAsArray()
    assert report.resampling.startswith("nearest")
    assert aligned.dtype == np.uint8 and band.GetNoDataValue() == 255
    assert set(np.unique(aligned)) == {10, 20, 30, 40, 255}   # codes never mixed
    assert aligned[0, 0] == 10 and aligned[0, 15] == 20 and aligned[29, 0] == 30
    assert aligned[29, 15] == 40 and (aligned[:, 21:] == 255).all()
    assert report.origin == pytest.approx((0.25, -0.25))


def test_a_pair_without_overlap_is_an_error_naming_both_files(tmp_path, pair, capsys):
    optical, _ = pair
    far = (10.0, STEP, 0.0, 50.0, 0.0, -STEP)
    sar = write_raster(tmp_path / "elsewhere.tif", _sar_values(grid=far), far, 4326)
    out = tmp_path / "x.vrt"
    code = main(["data", "align", "--reference", optical, "--input", sar, "--out", str(out)])
    error = capsys.readouterr().err
    assert code == 1 and not out.exists()
    assert error.count("\n") == 1 and "does not overlap" in error
    assert optical in error and sar in error


def test_cli_prints_the_report_and_refuses_other_extensions(pair, tmp_path, capsys):
    optical, sar = pair
    out = str(tmp_path / "sar.vrt")
    assert main(["data", "align", "--reference", optical, "--input", sar, "--out", out,
                 "--resampling", "bilinear"]) == 0
    printed = capsys.readouterr().out
    assert "CRS:        WGS 84 (EPSG:4326) -> WGS 84 / UTM zone 50N (EPSG:32650)" in printed
    assert "resampling: bilinear (given)" in printed and "coverage:   100.0%" in printed
    _same_grid(out, optical)
    assert main(["data", "align", "--reference", optical, "--input", sar,
                 "--out", str(tmp_path / "sar.png")]) == 1
    assert "expected a .vrt (lazy, default) or .tif file" in capsys.readouterr().err


def test_db_sar_gets_a_note(pair, tmp_path):
    optical, _ = pair
    sar = write_raster(tmp_path / "db.tif", np.full((120, 120), -12.0, np.float32),
                       SAR_GRID, 4326)
    report = align_raster(optical, sar, str(tmp_path / "db.vrt"))
    assert "look like dB" in report.note and "note:" in str(report)


def test_the_aligned_pair_passes_the_co_registration_check(pair, tmp_path):
    optical, sar = pair
    with pytest.raises(DataError, match="differ in size"):
        open_scene(optical, sar)
    out = str(tmp_path / "sar.vrt")
    align_raster(optical, sar, out)
    with open_scene(optical, out) as scene:
        assert scene.sar_channels == 1 and (scene.width, scene.height) == (40, 30)
    with open_scene(optical, sar, align="sar_to_optical") as scene:
        assert scene.sar_path == sar                       # messages name the file
        assert [r.input for r in scene.alignments] == [sar]
        window = scene.read(scene.windows(64)[0])
    np.testing.assert_allclose(window.sar[..., 0], gdal.Open(out).ReadAsArray())
    assert window.valid.all()


def test_a_nodata_override_is_never_resampled_into_valid_pixels(pair, tmp_path):
    """A SAR that declares no nodata: the value given to the scene is warped as nodata."""
    optical, _ = pair
    values = _sar_values()
    values[:, :60] = -9999.0                 # west half: nodata, declared nowhere
    sar = write_raster(tmp_path / "undeclared.tif", values, SAR_GRID, 4326)
    declared = write_raster(tmp_path / "declared.tif", values, SAR_GRID, 4326, nodata=-9999.0)
    with open_scene(optical, sar, align="sar_to_optical", sar_nodata=-9999.0) as scene:
        given = scene.read(scene.windows(64)[0]).sar[..., 0]
    with open_scene(optical, declared, align="sar_to_optical") as scene:
        expected = scene.read(scene.windows(64)[0]).sar[..., 0]
    assert 0 < np.isfinite(expected).sum() < expected.size
    # The same pixels as a file that declares it: no -9999 averaged into a valid one.
    np.testing.assert_array_equal(given, expected)


def test_a_pair_within_the_tolerance_is_not_warped(pair, tmp_path):
    optical, _ = pair
    grid = gdal.Open(optical).GetGeoTransform()
    shifted = (grid[0] + 0.05 * grid[1], *grid[1:])     # 1/20 pixel: same grid
    near = write_raster(tmp_path / "near.tif", np.ones((30, 40), np.float32), shifted, UTM)
    with open_scene(optical, near, align="sar_to_optical") as scene:
        assert scene.alignments == []


def test_manifest_option_align_sar_to_optical(pair, tmp_path):
    optical, sar = pair
    label = write_raster(tmp_path / "label.tif", np.ones((60, 80), np.uint8),
                         (500000.0, 5.0, 0.0, 4000000.0, 0.0, -5.0), UTM)
    (tmp_path / "manifest.csv").write_text(
        "optical,sar,label,name\noptical.tif,sar.tif,label.tif,s\n")
    options = dict(class_names=("a", "b"))
    reports, _ = check_dataset(get_dataset("manifest", str(tmp_path), **options),
                               progress=False)
    assert "differ in size" in reports[0].problem
    dataset = get_dataset("manifest", str(tmp_path), align="sar_to_optical", **options)
    reports, problems = check_dataset(dataset, progress=False)
    assert reports[0].problem is None and not problems
    assert reports[0].input_valid_fraction == 1.0 and reports[0].label_valid_fraction == 1.0
    assert [r.role for r in dataset.open(dataset.scenes()[0]).alignments] == ["sar", "label"]
    with pytest.raises(ValueError, match="option align expected one of sar_to_optical"):
        get_dataset("manifest", str(tmp_path), align="optical_to_sar", **options)
