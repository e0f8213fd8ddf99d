"""All-weather maps: a fusion model trained with modality dropout predicts under masked clouds."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from osgeo import gdal, osr

from mfafnet_tf.config import load_config
from mfafnet_tf.data import augment
from mfafnet_tf.data.smooth_noise import noise_grid, sample_noise
from mfafnet_tf.errors import ConfigError
from mfafnet_tf.export import export_saved_model
from mfafnet_tf.inference import ModelRunner
from mfafnet_tf.inference.predict_scene import predict_scene
from mfafnet_tf.models.mfafnet.mfafnet import MFAFNet
from mfafnet_tf.training.data_setup import build_datasets, load_dataset_info

SIZE = 32
NORMALIZATION = {"optical": {"mean": [100.0] * 4, "std": [40.0] * 4},
                 "sar": {"mean": [100.0], "std": [40.0]}}


def _task(rng, count, size=SIZE):
    """Two classes in smooth blobs, told apart by both modalities (as land and water)."""
    labels = np.stack([sample_noise(noise_grid(rng, (size, size), 8), 8, np.arange(size),
                                    np.arange(size)) > 0 for _ in range(count)]).astype(np.int32)
    optical = 60.0 + 80.0 * labels[..., None] + rng.normal(0, 10, (count, size, size, 4))
    sar = 140.0 - 80.0 * labels[..., None] + rng.normal(0, 10, (count, size, size, 1))
    return optical.astype(np.float32), sar.astype(np.float32), labels


@pytest.fixture(scope="module")
def fusion_model():
    """MFAFNet-tiny trained 60 steps, half of the patches with clouds or a modality removed."""
    keras.utils.set_random_seed(0)
    optical, sar, labels = _task(np.random.default_rng(0), 64)

    def degrade(step, batch):
        inputs, label = batch
        seeds = tf.random.experimental.stateless_split(tf.stack([tf.constant(7, tf.int64), step]), 2)
        opt, sar_ = augment.modality_dropout(inputs["optical"], inputs["sar"], 0.3, seeds[0])
        opt = augment.region_dropout(opt, 0.5, seeds[1], cell=8)
        return {"optical": opt, "sar": sar_}, label

    dataset = (tf.data.Dataset.from_tensor_slices(({"optical": optical, "sar": sar}, labels))
               .repeat().batch(8).enumerate().map(degrade))
    model = MFAFNet(num_classes=2, preset="tiny", normalization=NORMALIZATION, alignment="none")
    model.compile(optimizer=keras.optimizers.Adam(3e-3), metrics=[])
    model.fit(dataset, steps_per_epoch=60, epochs=1, verbose=0)
    return model


def _write(path, values):
    height, width, bands = values.shape
    dataset = gdal.GetDriverByName("GTiff").Create(str(path), width, height, bands, gdal.GDT_Float32)
    dataset.SetGeoTransform((500000.0, 5.0, 0.0, 4000000.0, 0.0, -5.0))
    reference = osr.SpatialReference()
    reference.ImportFromEPSG(32650)
    dataset.SetProjection(reference.ExportToWkt())
    for index in range(bands):
        dataset.GetRasterBand(index + 1).WriteArray(values[..., index])
    dataset = None
    return str(path)


@pytest.fixture(scope="module")
def cloudy_scene(tmp_path_factory):
    """A 64x64 scene: optical masked out in its left half (a cloud), SAR missing in a
    top-right block, both missing in the bottom-left corner."""
    optical, sar, labels = _task(np.random.default_rng(1), 1, 64)
    optical, sar, labels = optical[0], sar[0], labels[0]
    optical[:, :32] = np.nan
    sar[:16, 40:] = np.nan
    sar[48:, :16] = np.nan
    directory = tmp_path_factory.mktemp("cloudy")
    return _write(directory / "optical.tif", optical), _write(directory / "sar.tif", sar), labels


def _class_map(path):
    return gdal.Open(str(path)).ReadAsArray()


@pytest.mark.slow
def test_fusion_model_predicts_from_sar_where_only_the_optical_is_nodata(tmp_path, fusion_model, cloudy_scene):
    optical_path, sar_path, labels = cloudy_scene
    out = tmp_path / "map.tif"
    predict_scene(fusion_model, optical_path, sar_path, out, tile=32, overlap=8, progress=False)
    class_ids = _class_map(out)
    both_missing = np.zeros((64, 64), bool)
    both_missing[48:, :16] = True
    np.testing.assert_array_equal(class_ids == 255, both_missing)
    only_optical_missing = np.zeros((64, 64), bool)
    only_optical_missing[:, :32] = True
    only_optical_missing &= ~both_missing
    # Classes, not 255, and the right ones: the model reads the SAR under the cloud.
    assert (class_ids[only_optical_missing] == labels[only_optical_missing]).mean() > 0.9
    only_sar_missing = np.zeros((64, 64), bool)
    only_sar_missing[:16, 40:] = True
    assert (class_ids[only_sar_missing] == labels[only_sar_missing]).mean() > 0.9

    strict = tmp_path / "strict.tif"
    predict_scene(fusion_model, optical_path, sar_path, strict, tile=32, overlap=8,
                  nodata_policy="any", progress=False)
    strict_ids = _class_map(strict)
    any_missing = only_optical_missing | only_sar_missing | both_missing
    np.testing.assert_array_equal(strict_ids == 255, any_missing)
    np.testing.assert_array_equal(strict_ids[~any_missing], class_ids[~any_missing])


@pytest.mark.slow
def test_saved_model_handles_nan_in_one_modality(tmp_path, fusion_model):
    optical, sar, labels = _task(np.random.default_rng(2), 2, 40)
    optical[0, :, :20] = np.nan  # a cloud over the left half of the first tile
    sar[1, 10:30, 10:30] = np.nan  # SAR missing in the second
    loaded = tf.saved_model.load(export_saved_model(fusion_model, tmp_path / "serving" / "1"))
    served = loaded.signatures["serving_default"](optical=tf.constant(optical), sar=tf.constant(sar))
    probabilities = served["probabilities"].numpy()
    assert np.isfinite(probabilities).all()
    np.testing.assert_allclose(probabilities, ModelRunner.wrap(fusion_model)(optical, sar), atol=1e-5)
    class_ids = served["class_ids"].numpy()
    assert (class_ids[0, :, :20] == labels[0, :, :20]).mean() > 0.9
    assert (class_ids[1, 10:30, 10:30] == labels[1, 10:30, 10:30]).mean() > 0.9


@pytest.mark.parametrize("modalities, dropped", [("[optical, sar]", True), ("[optical]", False)])
def test_recipe_dropout_reaches_fusion_models_only(tiny_recipe, modalities, dropped):
    def first_optical(rate):
        config = load_config(tiny_recipe, [f"model.modalities={modalities}", f"data.cloud_dropout={rate}",
                                           "runtime.seed=3"])
        training, _, _ = build_datasets(config, load_dataset_info(config))
        return next(iter(training))[0]["optical"].numpy()

    clouded, clear = first_optical(1.0), first_optical(0.0)
    assert (np.isnan(clouded).sum() > np.isnan(clear).sum()) == dropped
    if not dropped:
        np.testing.assert_array_equal(clouded, clear)


@pytest.mark.parametrize("key", ["modality_dropout", "cloud_dropout", "sar_gap_dropout",
                                 "dropout_warmup"])
def test_dropout_shares_outside_0_1_are_config_errors(tiny_recipe, key):
    # Refused when the recipe loads (config/ranges.py), before any data is read.
    with pytest.raises(ConfigError, match=f"'data.{key}': expected a number in 0..1, found 1.5"):
        load_config(tiny_recipe, [f"data.{key}=1.5"])
