"""predict_scene: the GeoTIFF it writes, nodata, validation and atomicity."""

import os
import stat

import numpy as np
import pytest
from osgeo import gdal

from mfafnet_tf.errors import ConfigError, DataError
from mfafnet_tf.inference import ModelRunner
from mfafnet_tf.inference.predict_scene import predict_scene


def read_raster(path):
    dataset = gdal.Open(str(path))
    values = dataset.ReadAsArray()
    return dataset, values


def test_class_map_keeps_georeference_and_is_styled(tmp_path, coordinate_scene, position_model):
    optical_path, sar_path, optical, sar = coordinate_scene(37, 45)
    out = tmp_path / "map.tif"
    predict_scene(position_model, optical_path, sar_path, out, tile=16, overlap=4,
                  class_names=["water", "forest", "city"], progress=False)
    source = gdal.Open(optical_path)
    dataset, class_ids = read_raster(out)
    # (GDAL 3.6 reads the .aux.xml sidecar with the class names on this first georeference query.)
    assert dataset.GetGeoTransform() == source.GetGeoTransform()
    assert dataset.GetSpatialRef().IsSame(source.GetSpatialRef())
    assert (dataset.RasterXSize, dataset.RasterYSize, dataset.RasterCount) == (45, 37, 1)
    band = dataset.GetRasterBand(1)
    assert band.DataType == gdal.GDT_Byte
    assert band.GetNoDataValue() == 255
    assert band.GetCategoryNames() == ["water", "forest", "city"]
    table = band.GetColorTable()
    assert table is not None and len({table.GetColorEntry(i) for i in range(3)}) == 3
    metadata = dataset.GetMetadata("IMAGE_STRUCTURE")
    assert metadata["COMPRESSION"] == "DEFLATE"
    assert band.GetBlockSize() == [256, 256]
    expected = ModelRunner.wrap(position_model)(optical[None], sar[None])[0].argmax(-1)
    np.testing.assert_array_equal(class_ids, expected)
    assert len(np.unique(class_ids)) == 3  # the position model uses every class here


def test_any_policy_makes_nodata_in_either_input_255(tmp_path, coordinate_scene, write_geotiff, constant_model):
    optical_path, _, optical, _ = coordinate_scene(30, 30)
    optical[2:5, 2:6, 3] = -9999.0  # declared nodata, one band only
    optical[20, 7, 0] = np.nan  # NaN is nodata without declaration
    optical_path = write_geotiff(tmp_path / "optical_nd.tif", optical, nodata=-9999.0)
    sar = np.ones((30, 30, 1), np.float32)
    sar[10:14, 25:30] = np.nan
    sar_path = write_geotiff(tmp_path / "sar_nd.tif", sar)
    out = tmp_path / "map.tif"
    probabilities = tmp_path / "probabilities.tif"
    predict_scene(constant_model, optical_path, sar_path, out, tile=16, overlap=4,
                  probabilities=probabilities, nodata_policy="any", progress=False)
    expected_nodata = np.zeros((30, 30), bool)
    expected_nodata[2:5, 2:6] = expected_nodata[20, 7] = expected_nodata[10:14, 25:30] = True
    _, class_ids = read_raster(out)
    np.testing.assert_array_equal(class_ids == 255, expected_nodata)
    np.testing.assert_array_equal(class_ids[~expected_nodata], 2)  # constant model's argmax
    dataset, values = read_raster(probabilities)
    assert dataset.RasterCount == 3 and dataset.GetRasterBand(1).DataType == gdal.GDT_Float32
    assert np.isnan(dataset.GetRasterBand(1).GetNoDataValue())
    assert dataset.GetGeoTransform() == gdal.Open(optical_path).GetGeoTransform()
    np.testing.assert_array_equal(np.isnan(values).all(axis=0), expected_nodata)
    expected = np.exp([0.0, 1.0, 2.0]) / np.exp([0.0, 1.0, 2.0]).sum()
    np.testing.assert_allclose(values[:, ~expected_nodata].T, np.broadcast_to(expected, (900 - expected_nodata.sum(), 3)), atol=1e-6)


@pytest.mark.parametrize("policy", [None, "all"])
def test_all_policy_makes_only_pixels_without_any_input_255(
        tmp_path, coordinate_scene, write_geotiff, constant_model, policy):
    _, _, optical, _ = coordinate_scene(30, 30)
    optical[0:10, 0:20] = np.nan  # a masked-out cloud
    optical[20, 7, 0] = np.nan  # one band missing: the optical is nodata there
    sar = np.ones((30, 30, 1), np.float32)
    sar[5:15, 15:30] = np.nan  # overlaps the cloud in rows 5..9, columns 15..19
    sar[20, 7] = np.nan
    optical_path = write_geotiff(tmp_path / "optical_nd.tif", optical)
    sar_path = write_geotiff(tmp_path / "sar_nd.tif", sar)
    out = tmp_path / "map.tif"
    predict_scene(constant_model, optical_path, sar_path, out, tile=16, overlap=4,
                  nodata_policy=policy, progress=False)
    expected_nodata = np.zeros((30, 30), bool)
    expected_nodata[5:10, 15:20] = expected_nodata[20, 7] = True
    _, class_ids = read_raster(out)
    np.testing.assert_array_equal(class_ids == 255, expected_nodata)
    np.testing.assert_array_equal(class_ids[~expected_nodata], 2)


def test_unknown_nodata_policy_is_a_config_error(tmp_path, coordinate_scene, constant_model):
    optical_path, sar_path, _, _ = coordinate_scene(8, 8)
    with pytest.raises(ConfigError, match="nodata policy: expected one of any, all, found 'some'"):
        predict_scene(constant_model, optical_path, sar_path, tmp_path / "map.tif",
                      nodata_policy="some", progress=False)
    assert not (tmp_path / "map.tif").exists()


def test_band_selection_and_quicklook(tmp_path, coordinate_scene, write_geotiff, position_model):
    optical_path, sar_path, optical, _ = coordinate_scene(20, 24)
    # Six optical bands on file; bands 1,2,5,6 are the ones the model reads.
    six = np.concatenate([optical[..., :2], np.full((20, 24, 2), 7.0, np.float32), optical[..., 2:]], axis=-1)
    six_path = write_geotiff(tmp_path / "six.tif", six)
    reference, selected = tmp_path / "reference.tif", tmp_path / "selected.tif"
    predict_scene(position_model, optical_path, sar_path, reference, tile=16, overlap=4, progress=False)
    quicklook = tmp_path / "look" / "preview.png"
    predict_scene(position_model, six_path, sar_path, selected, optical_bands=[1, 2, 5, 6],
                  tile=16, overlap=4, quicklook=quicklook, progress=False)
    np.testing.assert_array_equal(read_raster(selected)[1], read_raster(reference)[1])
    assert quicklook.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    umask = os.umask(0)
    os.umask(umask)
    for path in (selected, quicklook):  # not the private mode of the temporary file
        assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask
    image = gdal.Open(str(quicklook))
    assert image.RasterXSize > 200 and image.RasterCount >= 3


def test_interrupted_run_leaves_no_file(tmp_path, coordinate_scene, constant_model, monkeypatch):
    optical_path, sar_path, _, _ = coordinate_scene(40, 40)
    out, probabilities = tmp_path / "map.tif", tmp_path / "probabilities.tif"
    calls = []
    original = ModelRunner.__call__

    def interrupt_on_second_batch(self, optical, sar):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return original(self, optical, sar)

    monkeypatch.setattr(ModelRunner, "__call__", interrupt_on_second_batch)
    before = sorted(path.name for path in tmp_path.iterdir())
    with pytest.raises(KeyboardInterrupt):
        predict_scene(constant_model, optical_path, sar_path, out, tile=16, overlap=4,
                      batch_size=2, probabilities=probabilities, progress=False)
    assert len(calls) == 2
    assert sorted(path.name for path in tmp_path.iterdir()) == before


def test_failed_run_keeps_the_previous_output(tmp_path, coordinate_scene, constant_model, monkeypatch):
    optical_path, sar_path, _, _ = coordinate_scene(20, 20)
    out = tmp_path / "map.tif"
    out.write_bytes(b"previous result")

    def fail(self, optical, sar):
        raise RuntimeError("model crashed")

    monkeypatch.setattr(ModelRunner, "__call__", fail)
    with pytest.raises(RuntimeError, match="model crashed"):
        predict_scene(constant_model, optical_path, sar_path, out, tile=16, overlap=4, progress=False)
    assert out.read_bytes() == b"previous result"
    assert [path.name for path in tmp_path.iterdir() if path.name.startswith(".")] == []


def test_misregistered_pair_is_rejected_before_any_output(tmp_path, coordinate_scene, write_geotiff, constant_model):
    optical_path, _, _, sar = coordinate_scene(16, 16)
    shifted = (500000.0 + 50.0, 5.0, 0.0, 4000000.0, 0.0, -5.0)
    sar_path = write_geotiff(tmp_path / "shifted_sar.tif", sar, geotransform=shifted)
    out = tmp_path / "map.tif"
    with pytest.raises(DataError, match=r"optical\.tif.*shifted_sar\.tif.*not co-registered"):
        predict_scene(constant_model, optical_path, sar_path, out, progress=False)
    assert not out.exists()


def test_band_count_and_missing_files_are_data_errors(tmp_path, coordinate_scene, constant_model):
    optical_path, sar_path, _, _ = coordinate_scene(16, 16, optical_bands=3)
    out = tmp_path / "map.tif"
    with pytest.raises(DataError, match=r"optical raster .*optical\.tif: expected 4 band\(s\), found 3"):
        predict_scene(constant_model, optical_path, sar_path, out, progress=False)
    with pytest.raises(DataError, match=r"SAR raster .*missing\.tif: cannot be opened"):
        predict_scene(constant_model, optical_path, tmp_path / "missing.tif", out, progress=False)
    with pytest.raises(DataError, match=r"model .*nothing\.keras: expected an existing \.keras file, found no such file"):
        predict_scene(str(tmp_path / "nothing.keras"), optical_path, sar_path, out, progress=False)
    (tmp_path / "corrupt.keras").write_text("not a zip")
    with pytest.raises(DataError, match=r"model .*corrupt\.keras: cannot be loaded as a Keras model"):
        predict_scene(str(tmp_path / "corrupt.keras"), optical_path, sar_path, out, progress=False)
    with pytest.raises(DataError, match=r"model .*: expected a SavedModel directory \(with saved_model.pb\), found none"):
        predict_scene(str(tmp_path), optical_path, sar_path, out, progress=False)
    with pytest.raises(ConfigError, match="overlap"):
        predict_scene(constant_model, optical_path, sar_path, out, tile=8, overlap=5, progress=False)
    with pytest.raises(ConfigError, match="class_names: expected 3 names"):
        predict_scene(constant_model, optical_path, sar_path, out, class_names=["a"], progress=False)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["corrupt.keras", "optical.tif", "sar.tif"]
