"""``mfafnet predict`` from the command line."""

import numpy as np
import pytest
from osgeo import gdal

from mfafnet_tf.cli.main import main
from mfafnet_tf.inference import ModelRunner


def test_predict_command_writes_all_outputs(tmp_path, coordinate_scene, position_model, capsys):
    optical_path, sar_path, optical, sar = coordinate_scene(33, 41)
    model_path = tmp_path / "position.keras"
    position_model.save(model_path)
    out, probabilities, quicklook = tmp_path / "map.tif", tmp_path / "p.tif", tmp_path / "map.png"
    code = main([
        "predict", "--model", str(model_path), "--optical", optical_path, "--sar", sar_path,
        "--out", str(out), "--optical-bands", "1,2,3,4", "--sar-bands", "1", "--tile", "16",
        "--overlap", "4", "--batch-size", "3", "--probabilities", str(probabilities),
        "--quicklook", str(quicklook), "--class-names", "a,b,c", "--quiet",
    ])
    assert code == 0
    assert f"wrote {out}" in capsys.readouterr().out
    expected = ModelRunner.wrap(position_model)(optical[None], sar[None])[0]
    np.testing.assert_array_equal(gdal.Open(str(out)).ReadAsArray(), expected.argmax(-1))
    np.testing.assert_allclose(gdal.Open(str(probabilities)).ReadAsArray(), expected.transpose(2, 0, 1), atol=1e-5)
    assert quicklook.read_bytes().startswith(b"\x89PNG")


@pytest.mark.parametrize("policy, sar_hole_is_nodata", [([], False), (["--nodata-policy", "any"], True)])
def test_predict_command_nodata_policy(tmp_path, coordinate_scene, write_geotiff, constant_model,
                                       policy, sar_hole_is_nodata):
    optical_path, _, _, _ = coordinate_scene(16, 16)
    sar = np.ones((16, 16, 1), np.float32)
    sar[4:8, 4:8] = np.nan
    sar_path = write_geotiff(tmp_path / "sar_hole.tif", sar)
    model_path = tmp_path / "constant.keras"
    constant_model.save(model_path)
    out = tmp_path / "map.tif"
    assert main(["predict", "--model", str(model_path), "--optical", optical_path, "--sar", sar_path,
                 "--out", str(out), "--tile", "16", "--overlap", "0", "--quiet", *policy]) == 0
    class_ids = gdal.Open(str(out)).ReadAsArray()
    np.testing.assert_array_equal(class_ids[4:8, 4:8] == 255, sar_hole_is_nodata)
    assert (class_ids[8:] == 2).all()


def test_predict_command_reports_bad_input_without_traceback(tmp_path, coordinate_scene, write_geotiff,
                                                             constant_model, capsys):
    optical_path, _, _, _ = coordinate_scene(16, 16)
    model_path = tmp_path / "constant.keras"
    constant_model.save(model_path)
    small_sar = write_geotiff(tmp_path / "small_sar.tif", np.ones((12, 16, 1), np.float32))
    out = tmp_path / "map.tif"
    code = main(["predict", "--model", str(model_path), "--optical", optical_path,
                 "--sar", small_sar, "--out", str(out), "--quiet"])
    err = capsys.readouterr().err
    assert code == 1
    assert "mfafnet predict: error:" in err and "small_sar.tif" in err and "differ in size" in err
    assert "Traceback" not in err
    assert not out.exists()
    with pytest.raises(SystemExit) as exit_info:
        main(["predict", "--model", str(model_path), "--optical", optical_path, "--sar", small_sar,
              "--out", str(out), "--optical-bands", "red"])
    assert exit_info.value.code == 2
    assert "expected 1-based band numbers such as 1,2,3, found 'red'" in capsys.readouterr().err


def test_gdal_cache_is_capped_unless_configured(monkeypatch):
    from mfafnet_tf.inference.predict_scene import CLI_GDAL_CACHE_MB, limit_gdal_cache

    previous = gdal.GetCacheMax()
    try:
        gdal.SetCacheMax(3 * 2**30)
        monkeypatch.setenv("GDAL_CACHEMAX", "3000")
        limit_gdal_cache()
        assert gdal.GetCacheMax() == 3 * 2**30
        monkeypatch.delenv("GDAL_CACHEMAX")
        limit_gdal_cache()
        assert gdal.GetCacheMax() == CLI_GDAL_CACHE_MB * 2**20
    finally:
        gdal.SetCacheMax(previous)


def test_progress_bar_counts_tiles(tmp_path, coordinate_scene, constant_model, capsys):
    from mfafnet_tf.inference.predict_scene import predict_scene

    optical_path, sar_path, _, _ = coordinate_scene(40, 40)
    predict_scene(constant_model, optical_path, sar_path, tmp_path / "map.tif", tile=16, overlap=4)
    err = capsys.readouterr().err
    assert "predict: 100%" in err and "9/9" in err  # 3 x 3 tiles of 16 overlapping by >= 4


def test_nodata_options_mark_undeclared_nodata(tmp_path, coordinate_scene, write_geotiff, constant_model):
    """Files that declare no nodata: --optical-nodata / --sar-nodata say which value it is."""
    optical_path, _, _, _ = coordinate_scene(16, 16)
    sar = np.ones((16, 16, 1), np.float32)
    sar[4:8, 4:8] = -9999.0                    # nodata, but the file does not say so
    sar_path = write_geotiff(tmp_path / "sar.tif", sar)
    model_path = tmp_path / "constant.keras"
    constant_model.save(model_path)
    command = ["predict", "--model", str(model_path), "--optical", optical_path, "--sar", sar_path,
               "--tile", "16", "--overlap", "0", "--nodata-policy", "any", "--quiet"]
    assert main([*command, "--out", str(tmp_path / "plain.tif")]) == 0
    assert (gdal.Open(str(tmp_path / "plain.tif")).ReadAsArray() != 255).all()
    assert main([*command, "--out", str(tmp_path / "map.tif"), "--sar-nodata", "-9999"]) == 0
    class_ids = gdal.Open(str(tmp_path / "map.tif")).ReadAsArray()
    np.testing.assert_array_equal(class_ids == 255, sar[..., 0] == -9999.0)
    # The optical's first band holds the column number: 0 in column 0.
    assert main([*command, "--out", str(tmp_path / "optical.tif"), "--optical-nodata", "0"]) == 0
    assert (gdal.Open(str(tmp_path / "optical.tif")).ReadAsArray()[:, 0] == 255).all()


def test_predict_batch_takes_the_nodata_options():
    from mfafnet_tf.cli.arguments import predict_settings
    from mfafnet_tf.cli.main import build_parser

    args = build_parser().parse_args(["predict-batch", "--catalog", "c.csv", "--model", "m.keras", "--out", "o",
                                      "--optical-nodata", "0", "--sar-nodata=-9999"])
    settings = predict_settings(args)
    assert (settings.optical_nodata, settings.sar_nodata) == (0.0, -9999.0)
