"""PredictSettings: one checked value from the command line to ``predict_scene``."""

import numpy as np
import pytest
from osgeo import gdal

from mfafnet_tf.cli.main import main
from mfafnet_tf.errors import ConfigError
from mfafnet_tf.inference import predict_scene as predict_scene_module
from mfafnet_tf.inference.predict_scene import predict_scene
from mfafnet_tf.inference.predict_settings import PredictSettings


def test_settings_are_checked_when_built():
    with pytest.raises(ConfigError, match="overlap: expected 0..8"):
        PredictSettings(tile=16, overlap=9)
    with pytest.raises(ConfigError, match="nodata policy"):
        PredictSettings(nodata_policy="some")
    settings = PredictSettings(optical_bands=[1, 2], class_names=["a", "b"])
    assert settings.optical_bands == (1, 2) and settings.class_names == ("a", "b")
    hash(settings)   # frozen, so it can be shared by Beam workers
    assert settings.tiling() == (512, 128)            # a model that records no training patch
    assert settings.tiling(training_patch=64) == (128, 32)   # twice its patch, a quarter overlap
    assert PredictSettings(tile=96).tiling(training_patch=64) == (96, 24)
    assert PredictSettings(tile=96, overlap=10).tiling(training_patch=64) == (96, 10)


def test_settings_and_keywords_give_the_same_map(tmp_path, coordinate_scene, position_model):
    optical_path, sar_path, _, _ = coordinate_scene(30, 37)
    settings = PredictSettings(tile=16, overlap=4, batch_size=3, class_names=("a", "b", "c"))
    predict_scene(position_model, optical_path, sar_path, tmp_path / "one.tif", settings, progress=False)
    predict_scene(position_model, optical_path, sar_path, tmp_path / "two.tif", tile=16, overlap=4,
                  batch_size=3, class_names=["a", "b", "c"], progress=False)
    np.testing.assert_array_equal(gdal.Open(str(tmp_path / "one.tif")).ReadAsArray(),
                                  gdal.Open(str(tmp_path / "two.tif")).ReadAsArray())
    with pytest.raises(TypeError, match="not both"):
        predict_scene(position_model, optical_path, sar_path, tmp_path / "three.tif", settings, tile=16)


@pytest.mark.parametrize("cog", [[], ["--cog"]])
def test_predict_command_passes_one_settings_value(tmp_path, coordinate_scene, constant_model, monkeypatch,
                                                   cog):
    optical_path, sar_path, _, _ = coordinate_scene(16, 16)
    model_path = tmp_path / "constant.keras"
    constant_model.save(model_path)
    seen = []
    original = predict_scene_module.predict_scene

    def spy(model, optical, sar, out, settings=None, **options):
        seen.append(settings)
        return original(model, optical, sar, out, settings, **options)

    monkeypatch.setattr(predict_scene_module, "predict_scene", spy)
    monkeypatch.setattr("mfafnet_tf.inference.cog.predict_scene", spy)
    assert main(["predict", "--model", str(model_path), "--optical", optical_path, "--sar", sar_path,
                 "--out", str(tmp_path / "map.tif"), "--tile", "16", "--overlap", "2", "--batch-size", "2",
                 "--sar-bands", "1", "--class-names", "x,y,z", "--nodata-policy", "any", "--quiet", *cog]) == 0
    assert seen == [PredictSettings(sar_bands=(1,), tile=16, overlap=2, batch_size=2,
                                    class_names=("x", "y", "z"), nodata_policy="any")]
