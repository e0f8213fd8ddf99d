"""Scene panels: decimation that lines up with GDAL's, the stretches, the error map, the PNG."""

import numpy as np
from matplotlib.image import imread

from mfafnet_tf.data import Window, open_scene
from mfafnet_tf.inference.palette import class_colors
from mfafnet_tf.inference.preview_grid import PreviewGrid
from mfafnet_tf.inference.scene_panel import (
    CORRECT_RGB, NOT_SCORED_RGB, WRONG_RGB, error_rgb, optical_rgb, sar_gray,
    write_scene_panel)


def test_preview_grid_picks_the_pixels_of_gdal_decimation(write_geotiff, tmp_path):
    height, width = 90, 250
    rows, columns = np.mgrid[0:height, 0:width]
    index = (rows * 1000 + columns).astype(np.float32)[..., None]
    path = write_geotiff(tmp_path / "index.tif", index)
    grid = PreviewGrid(width, height, 64)
    assert grid.size == (64, 24)
    with open_scene(path, path) as scene:
        read = scene.read(Window(0, 0, width, height), size=grid.size).optical[..., 0]
        pasted = grid.full(-1, np.int64)
        for window in scene.windows(40):          # windows overlap at the edges
            grid.paste(pasted, window, scene.read(window).optical[..., 0].astype(np.int64))
    expected = grid.rows[:, None] * 1000 + grid.columns[None, :]
    np.testing.assert_array_equal(read, expected)
    np.testing.assert_array_equal(pasted, expected)
    assert PreviewGrid(30, 20, 64).size == (30, 20)    # small scenes are not enlarged


def test_optical_percentile_stretch_and_black_nodata():
    values = np.linspace(0, 1000, 101, dtype=np.float32)
    optical = np.stack([values, values * 2, values + 5, values], -1)[None]   # [1, 101, 4]
    optical[0, 50, 3] = np.nan                 # NIR nodata: the pixel is nodata
    rgb = optical_rgb(optical)
    assert rgb.shape == (1, 101, 3)
    assert (rgb[0, :3] == 0).all() and (rgb[0, -3:] == 255).all()   # below 2 %, above 98 %
    assert (rgb[0, 50] == 0).all()
    assert 120 <= rgb[0, 49, 0] <= 130          # linear in between


def test_sar_is_drawn_in_db_and_nodata_black():
    linear = (10.0 ** np.linspace(-3, 0, 61)).astype(np.float32)[None, :, None]
    linear[0, 30, 0] = np.nan
    gray = sar_gray(linear)[0, :, 0].astype(int)
    # In dB the values are evenly spaced, so the grey steps are even too.
    steps = np.diff(gray[5:25])
    assert steps.min() >= 3 and steps.max() - steps.min() <= 1
    assert gray[30] == 0
    np.testing.assert_array_equal(sar_gray(10 * np.log10(linear)), sar_gray(linear))


def test_error_map_colours():
    labels = np.array([[0, 1, 255, 1]], np.uint8)
    predicted = np.array([[0, 0, 1, 255]], np.uint8)
    rgb = error_rgb(predicted, labels, 2)
    assert [tuple(p) for p in rgb[0]] == [CORRECT_RGB, WRONG_RGB, NOT_SCORED_RGB, NOT_SCORED_RGB]


def _has(image, rgb):
    return bool((np.abs(image[..., :3] * 255 - np.array(rgb)) < 2).all(-1).any())


def test_panel_png_shows_inputs_map_label_and_errors(tmp_path):
    rng = np.random.default_rng(1)
    optical = rng.uniform(0, 1, (40, 60, 4)).astype(np.float32)
    sar = rng.uniform(0.01, 1, (40, 60, 1)).astype(np.float32)
    predicted = np.zeros((40, 60), np.uint8)
    names = ("water", "forest")
    colors = class_colors(names)
    plain = write_scene_panel(str(tmp_path / "plain.png"), optical, sar, predicted, names, colors)
    labels = predicted.copy()
    labels[:10] = 1                            # a quarter wrong
    labels[-5:] = 255
    full = write_scene_panel(str(tmp_path / "full.png"), optical, sar, predicted, names, colors,
                             labels=labels, title="scene 1")
    plain_image, full_image = imread(plain), imread(full)
    assert full_image.shape[1] > plain_image.shape[1] * 1.4       # 5 images instead of 3
    assert _has(plain_image, colors[0]) and not _has(plain_image, WRONG_RGB)
    assert _has(full_image, WRONG_RGB) and _has(full_image, NOT_SCORED_RGB)
    assert _has(full_image, colors[1])                              # the label's forest
    assert not list(tmp_path.glob("*.tmp"))


def test_panel_without_an_optical_or_with_one_band(tmp_path):
    predicted = np.zeros((8, 8), np.uint8)
    widths = []
    for bands in (0, 1):
        optical = np.arange(64 * bands, dtype=np.float32).reshape(8, 8, bands)
        path = write_scene_panel(str(tmp_path / f"{bands}.png"), optical,
                                 np.ones((8, 8, 1), np.float32), predicted, ("a",),
                                 class_colors(("a",)))
        widths.append(imread(path).shape[1])
    assert widths[1] > widths[0] * 1.3          # the optical image is left out without bands
