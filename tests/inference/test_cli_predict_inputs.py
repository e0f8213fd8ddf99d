"""``mfafnet predict``: the inputs a model takes, and band-count errors that say what to do."""

import numpy as np
import pytest
from osgeo import gdal

from mfafnet_tf.cli.main import main
from mfafnet_tf.errors import ConfigError
from mfafnet_tf.inference import ModelRunner, load_model
from mfafnet_tf.models.unet.unet import UNet


@pytest.fixture
def sar_unet(tmp_path):
    path = str(tmp_path / "sar_unet.keras")
    UNet(3, modalities=("sar",), sar_channels=2, widths=(4, 8),
         input_bands={"sar": [1, 2]}).save(path)
    return path


def _predict(*arguments):
    # One tile covers each test scene, so the map equals one call of the model.
    return main(["predict", *arguments, "--tile", "32", "--overlap", "4", "--quiet"])


def test_sar_only_model_needs_no_optical(tmp_path, write_geotiff, sar_unet, capsys):
    sar = np.random.default_rng(0).uniform(0.01, 1, (20, 24, 2)).astype(np.float32)
    sar_path = write_geotiff(tmp_path / "s1.tif", sar)
    out = tmp_path / "map.tif"
    assert _predict("--model", sar_unet, "--sar", sar_path, "--out", str(out)) == 0
    expected = ModelRunner.wrap(load_model(sar_unet))(np.zeros((1, 20, 24, 0)), sar[None])[0]
    np.testing.assert_array_equal(gdal.Open(str(out)).ReadAsArray(), expected.argmax(-1))
    # An optical file is not needed, so it is not opened (a mismatched one does no harm).
    other = write_geotiff(tmp_path / "s2.tif", np.ones((5, 5, 4), np.float32))
    assert _predict("--model", sar_unet, "--sar", sar_path, "--optical", other,
                    "--out", str(tmp_path / "again.tif")) == 0
    assert f"note: --optical not used, model {sar_unet} takes no optical input" in capsys.readouterr().out


def test_missing_input_of_the_model_is_named(tmp_path, coordinate_scene, constant_model, sar_unet,
                                             capsys):
    optical_path, sar_path, _, _ = coordinate_scene(16, 16)
    assert _predict("--model", sar_unet, "--optical", optical_path, "--out", str(tmp_path / "a.tif")) == 1
    assert f"--sar: required, model {sar_unet} takes 2 sar band(s)" in capsys.readouterr().err
    both = str(tmp_path / "both.keras")
    constant_model.save(both)
    assert _predict("--model", both, "--out", str(tmp_path / "b.tif")) == 1
    assert (f"--optical and --sar: required, model {both} takes 4 optical band(s), 1 sar band(s)"
            in capsys.readouterr().err)
    assert not (tmp_path / "a.tif").exists() and not (tmp_path / "b.tif").exists()


def test_band_count_error_names_the_option_and_the_training_bands(tmp_path, write_geotiff,
                                                                  sar_unet, capsys):
    one_band = write_geotiff(tmp_path / "vv.tif", np.ones((16, 16, 1), np.float32))
    assert _predict("--model", sar_unet, "--sar", one_band, "--out", str(tmp_path / "m.tif")) == 1
    error = capsys.readouterr().err
    assert "SAR raster" in error and "expected 2 band(s), found 1" in error
    assert "select them with --sar-bands (1-based, e.g. --sar-bands 1,2)" in error
    assert "it was trained on sar bands 1,2" in error
    # A model that recorded no bands still names the option.
    unrecorded = str(tmp_path / "plain.keras")
    UNet(3, modalities=("sar",), sar_channels=2, widths=(4, 8)).save(unrecorded)
    assert _predict("--model", unrecorded, "--sar", one_band, "--out", str(tmp_path / "m.tif")) == 1
    error = capsys.readouterr().err
    assert "--sar-bands" in error and "trained on" not in error


def test_models_keep_the_bands_they_were_trained_on(tmp_path):
    from mfafnet_tf.models.mfafnet.mfafnet import MFAFNet

    import keras

    model = MFAFNet(3, preset="tiny", input_bands={"optical": [4, 3, 2, 8], "sar": [1]})
    path = str(tmp_path / "m.keras")
    model.save(path)
    assert keras.saving.load_model(path).input_bands == {"optical": [4, 3, 2, 8], "sar": [1]}
    with pytest.raises(ConfigError, match=r"input_bands\['sar'\]: expected 1 1-based band"):
        UNet(3, modalities=("sar",), widths=(4, 8), input_bands={"sar": [1, 2]})
    with pytest.raises(ConfigError, match="'optical' is not an input"):
        UNet(3, modalities=("sar",), widths=(4, 8), input_bands={"optical": [1, 2, 3, 4]})
