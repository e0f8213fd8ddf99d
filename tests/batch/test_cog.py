"""COG writing (styling carried over, MODE overviews, atomic) and the COG check."""

import os

import numpy as np
import pytest
from batch_scenes import HEIGHT, WIDTH, expected_class_map, write_class_map
from osgeo import gdal

from mfafnet_tf.inference.cog import predict_cog, write_cog
from mfafnet_tf.batch.cog_check import cog_problems, is_valid_cog
from mfafnet_tf.cli.main import main
from mfafnet_tf.errors import DataError
from mfafnet_tf.inference.predict_scene import predict_scene


@pytest.fixture(scope="module")
def class_map(tmp_path_factory, scene_files, model_path):
    """The plain tiled GeoTIFF that predict_scene writes for the 'west' scene."""
    _, optical, sar = scene_files[0]
    out = tmp_path_factory.mktemp("plain") / "plain.tif"
    return predict_scene(model_path, optical, sar, str(out), tile=128, overlap=16,
                         class_names=["low", "mid", "high"], progress=False)


def test_cog_keeps_values_georeference_colours_and_names(tmp_path, class_map):
    out = write_cog(class_map, tmp_path / "map.tif")
    source, cog = gdal.Open(class_map), gdal.Open(str(out))
    assert cog.GetGeoTransform() == source.GetGeoTransform()
    assert cog.GetSpatialRef().IsSame(source.GetSpatialRef())
    band, source_band = cog.GetRasterBand(1), source.GetRasterBand(1)
    np.testing.assert_array_equal(band.ReadAsArray(), source_band.ReadAsArray())
    assert band.GetNoDataValue() == 255
    assert band.GetCategoryNames() == ["low", "mid", "high"]
    assert [band.GetColorTable().GetColorEntry(i) for i in (0, 1, 2, 255)] == \
        [source_band.GetColorTable().GetColorEntry(i) for i in (0, 1, 2, 255)]
    assert cog.GetMetadataItem("COMPRESSION", "IMAGE_STRUCTURE") == "DEFLATE"
    assert cog_problems(str(out)) == []
    assert sorted(os.listdir(tmp_path)) == ["map.tif", "map.tif.aux.xml"]


def test_overviews_take_the_most_frequent_class(tmp_path):
    # Every 2x2 block is [[0, 0], [0, 2]]: MODE gives 0, AVERAGE (an id between two classes) 1.
    values = np.tile(np.array([[0, 0], [0, 2]], np.uint8), (HEIGHT // 2, WIDTH // 2))
    cog = gdal.Open(str(write_cog(write_class_map(tmp_path / "pattern.tif", values), tmp_path / "cog.tif")))
    overview = cog.GetRasterBand(1).GetOverview(0).ReadAsArray()
    assert overview.shape == (HEIGHT // 2, WIDTH // 2)
    assert (overview == 0).all()


def test_cog_check_rejects_a_plain_geotiff_and_other_files(tmp_path, class_map):
    problems = cog_problems(class_map)
    assert "GDAL does not report LAYOUT=COG" in problems
    assert any("no overviews" in problem for problem in problems)
    striped = gdal.Translate(str(tmp_path / "striped.tif"), class_map, creationOptions=["TILED=NO"])
    del striped
    assert any("strips" in problem for problem in cog_problems(str(tmp_path / "striped.tif")))
    (tmp_path / "text.tif").write_text("hello")
    assert not is_valid_cog(str(tmp_path / "text.tif"))
    assert cog_problems(str(tmp_path / "missing.tif"))[0].startswith("cannot be opened as a GeoTIFF")


def test_a_failed_conversion_leaves_nothing(tmp_path):
    (tmp_path / "bad.tif").write_text("not a raster")
    with pytest.raises(DataError, match="bad.tif"):
        write_cog(tmp_path / "bad.tif", tmp_path / "out.tif")
    assert sorted(os.listdir(tmp_path)) == ["bad.tif"]


def test_predict_cog_matches_predict_scene(tmp_path, scene_files, model_path):
    _, optical, sar = scene_files[0]
    out = predict_cog(model_path, optical, sar, tmp_path / "map.tif", tile=128, overlap=16, progress=False)
    np.testing.assert_array_equal(gdal.Open(str(out)).ReadAsArray(), expected_class_map())
    assert is_valid_cog(str(out))
    assert sorted(os.listdir(tmp_path)) == ["map.tif", "map.tif.aux.xml"]  # scratch folder removed


def test_predict_command_writes_a_cog(tmp_path, scene_files, model_path, capsys):
    _, optical, sar = scene_files[0]
    out = tmp_path / "map.tif"
    code = main(["predict", "--model", model_path, "--optical", optical, "--sar", sar, "--out", str(out),
                 "--tile", "128", "--overlap", "16", "--quiet", "--cog"])
    assert code == 0 and f"wrote {out}" in capsys.readouterr().out
    assert cog_problems(str(out)) == []
