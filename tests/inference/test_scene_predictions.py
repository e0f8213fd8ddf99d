"""iter_scene_predictions: coverage, placement and seam-free blending."""

import numpy as np
import pytest

from mfafnet_tf.data import open_scene
from mfafnet_tf.errors import ConfigError, DataError
from mfafnet_tf.inference import ModelRunner, iter_scene_predictions
from mfafnet_tf.inference.scene_predictions import tile_starts


def predict_mosaic(model, scene, **kwargs):
    """Runs the generator and pastes its blocks, checking each pixel comes once."""
    runner = ModelRunner.wrap(model)
    mosaic = np.full((scene.height, scene.width, runner.num_classes), np.nan, np.float32)
    hits = np.zeros((scene.height, scene.width), np.int32)
    valid = np.zeros((scene.height, scene.width), bool)
    for window, block, block_valid in iter_scene_predictions(runner, scene, **kwargs):
        rows = slice(window.y, window.y + window.height)
        columns = slice(window.x, window.x + window.width)
        assert block.shape == (window.height, window.width, runner.num_classes)
        assert block.dtype == np.float32
        mosaic[rows, columns] = block
        hits[rows, columns] += 1
        valid[rows, columns] = block_valid
    np.testing.assert_array_equal(hits, 1)
    return mosaic, valid


def whole_image_probabilities(model, optical, sar):
    return ModelRunner.wrap(model)(optical[None], sar[None])[0]


@pytest.mark.parametrize(
    "height, width, tile, overlap, batch_size",
    [
        (45, 61, 16, 4, 3),  # not a multiple of the tile; batches span tile rows
        (13, 10, 32, 8, 4),  # smaller than one tile
        (40, 16, 16, 0, 5),  # no overlap, one tile per row, batches of several rows
    ],
)
def test_blocks_cover_scene_once_and_match_whole_image(
    coordinate_scene, position_model, height, width, tile, overlap, batch_size
):
    optical_path, sar_path, optical, sar = coordinate_scene(height, width)
    with open_scene(optical_path, sar_path) as scene:
        mosaic, valid = predict_mosaic(
            position_model, scene, tile=tile, overlap=overlap, batch_size=batch_size
        )
    expected = whole_image_probabilities(position_model, optical, sar)
    np.testing.assert_allclose(mosaic, expected, atol=1e-5)
    assert valid.all()


@pytest.mark.parametrize(
    "length, tile, overlap, expected",
    [(20000, 512, 64, None), (45, 16, 4, [0, 10, 19, 29]), (16, 16, 4, [0]), (10, 32, 8, [0]), (40, 16, 0, [0, 12, 24])],
)
def test_tile_starts_spread_overlaps_evenly(length, tile, overlap, expected):
    starts = tile_starts(length, tile, overlap)
    if expected is not None:
        assert starts == expected
    assert starts[0] == 0 and starts[-1] == max(length - tile, 0)
    overlaps = [tile - (b - a) for a, b in zip(starts, starts[1:])]
    assert all(value >= overlap for value in overlaps)
    assert not overlaps or max(overlaps) - min(overlaps) <= 1
    if length == 20000:
        assert len(starts) == 45 and max(overlaps) <= 70  # not a 288-pixel last overlap


def test_constant_model_gives_constant_map(coordinate_scene, constant_model):
    optical_path, sar_path, _, _ = coordinate_scene(50, 37)
    with open_scene(optical_path, sar_path) as scene:
        mosaic, _ = predict_mosaic(constant_model, scene, tile=16, overlap=6, batch_size=4)
    expected = np.exp([0.0, 1.0, 2.0]) / np.exp([0.0, 1.0, 2.0]).sum()
    np.testing.assert_allclose(mosaic, np.broadcast_to(expected, mosaic.shape), atol=1e-6)


def test_blending_hides_tile_borders(coordinate_scene, border_model):
    """A model with strong tile-edge effects: blended tiles match the untiled image."""
    optical_path, sar_path, optical, sar = coordinate_scene(64, 64)
    expected = whole_image_probabilities(border_model, optical, sar)[..., 0]
    interior = (slice(5, -5), slice(5, -5))  # the scene's own border effects are real
    with open_scene(optical_path, sar_path) as scene:
        seams = predict_mosaic(border_model, scene, tile=24, overlap=0, batch_size=4)[0][..., 0]
        blended = predict_mosaic(border_model, scene, tile=24, overlap=12, batch_size=4)[0][..., 0]
    seam_error = np.abs(seams - expected)[interior].max()
    blend_error = np.abs(blended - expected)[interior].max()
    assert seam_error > 0.05  # the test model does show seams when tiles are just abutted
    assert blend_error < seam_error / 10
    # No jumps between neighbouring pixels where the abutted tiles jump.
    seam_jumps = np.abs(np.diff(seams[interior], axis=1)).max()
    assert np.abs(np.diff(blended[interior], axis=1)).max() < seam_jumps / 10


def test_invalid_pixels_are_reported(tmp_path, coordinate_scene, write_geotiff, constant_model):
    optical_path, sar_path, _, _ = coordinate_scene(20, 20)
    sar = np.ones((20, 20, 1), np.float32)
    sar[3:7, 11:15] = np.nan
    sar_path = write_geotiff(tmp_path / "sar_nan.tif", sar)
    with open_scene(optical_path, sar_path) as scene:
        _, valid = predict_mosaic(constant_model, scene, tile=8, overlap=2, batch_size=2,
                                  nodata_policy="any")
        _, valid_all = predict_mosaic(constant_model, scene, tile=8, overlap=2, batch_size=2)
    np.testing.assert_array_equal(valid, np.isfinite(sar[..., 0]))
    assert valid_all.all()  # the fusion default: the optical is valid everywhere


def test_invalid_pixels_are_reported_under_the_nodata_policy(tmp_path, coordinate_scene, write_geotiff,
                                                            constant_model):
    _, _, optical, _ = coordinate_scene(20, 20)
    optical[0:5, 0:13] = np.nan
    optical_path = write_geotiff(tmp_path / "optical_nan.tif", optical)
    sar = np.ones((20, 20, 1), np.float32)
    sar[3:7, 11:15] = np.nan
    sar_path = write_geotiff(tmp_path / "sar_nan.tif", sar)
    with open_scene(optical_path, sar_path) as scene:
        _, strict = predict_mosaic(constant_model, scene, tile=8, overlap=2, batch_size=2, nodata_policy="any")
        _, lenient = predict_mosaic(constant_model, scene, tile=8, overlap=2, batch_size=2)
    has = {"optical": np.isfinite(optical).all(axis=-1), "sar": np.isfinite(sar[..., 0])}
    np.testing.assert_array_equal(strict, has["optical"] & has["sar"])
    np.testing.assert_array_equal(lenient, has["optical"] | has["sar"])  # "all": the fusion default
    assert not lenient[3:5, 11:13].any() and lenient[0:3, 0:11].all()


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"tile": 0}, "tile"),
        ({"tile": 16, "overlap": 9}, "overlap"),
        ({"batch_size": 0}, "batch_size"),
    ],
)
def test_bad_tiling_is_a_config_error(coordinate_scene, constant_model, kwargs, match):
    optical_path, sar_path, _, _ = coordinate_scene(8, 8)
    with open_scene(optical_path, sar_path) as scene, pytest.raises(ConfigError, match=match):
        next(iter_scene_predictions(constant_model, scene, **kwargs))


def test_band_count_mismatch_names_the_file(coordinate_scene, constant_model):
    optical_path, sar_path, _, _ = coordinate_scene(8, 8, optical_bands=3)
    with open_scene(optical_path, sar_path) as scene:
        with pytest.raises(DataError, match=r"optical raster .*optical\.tif: expected 4 band"):
            next(iter_scene_predictions(constant_model, scene))


def test_single_modality_model_ignores_the_other_input(coordinate_scene):
    """A SAR-only model (like the UNet-SAR baseline) runs on an optical + SAR scene."""
    import keras

    sar_input = keras.Input((None, None, 1), name="sar")
    model = keras.Model({"sar": sar_input}, keras.layers.Conv2D(2, 1, bias_initializer="ones")(sar_input))
    runner = ModelRunner.wrap(model)
    assert (runner.optical_channels, runner.sar_channels, runner.channels) == (None, 1, {"sar": 1})
    optical_path, sar_path, optical, sar = coordinate_scene(20, 30, optical_bands=3)
    with open_scene(optical_path, sar_path) as scene:
        mosaic, _ = predict_mosaic(model, scene, tile=16, overlap=4, batch_size=2)
    expected = np.asarray(keras.ops.softmax(model({"sar": sar[None]})))[0]
    np.testing.assert_allclose(mosaic, expected, atol=1e-6)


def test_single_modality_model_is_valid_where_its_own_input_is(tmp_path, write_geotiff):
    """Missing optical does not blank a SAR-only model's map; missing SAR does."""
    import keras

    sar_input = keras.Input((None, None, 1), name="sar")
    model = keras.Model({"sar": sar_input}, keras.layers.Conv2D(2, 1)(sar_input))
    optical = np.ones((12, 20, 4), np.float32)
    optical[:, :5] = np.nan
    sar = np.ones((12, 20, 1), np.float32)
    sar[:3] = np.nan
    paths = write_geotiff(tmp_path / "o.tif", optical), write_geotiff(tmp_path / "s.tif", sar)
    with open_scene(*paths) as scene:
        _, valid = predict_mosaic(model, scene, tile=8, overlap=2, batch_size=3)
    np.testing.assert_array_equal(valid, np.isfinite(sar[..., 0]))
