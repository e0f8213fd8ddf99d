"""``mfafnet predict --quicklook``: the class map beside the optical and the SAR it came from."""

import numpy as np
import pytest

from mfafnet_tf.cli.main import main
from mfafnet_tf.models.unet.unet import UNet

RED, BLUE, GREY, WATER = (255, 0, 0), (0, 0, 255), (128, 128, 128), (0, 100, 200)
# Pixels of a colour that an image does not show: a few anti-aliased pixels of the titles.
STRAY = 50


def _pixels(image, rgb):
    """(rows, columns) of the pixels of one colour."""
    return np.nonzero((np.abs(image.astype(int) - rgb) <= 1).all(-1))


def _inputs(tmp_path, write_geotiff):
    """An optical red in its west half and blue in its east half, and a SAR of
    0, -10 and -20 dB in its top, middle and bottom thirds (white, grey, black)."""
    optical = np.zeros((30, 40, 4), np.float32)
    optical[:, :20, 0] = 1000.0
    optical[:, 20:, 2] = 1000.0
    sar = np.full((30, 40, 1), 0.01, np.float32)
    sar[:10], sar[10:20] = 1.0, 0.1
    return (write_geotiff(tmp_path / "optical.tif", optical),
            write_geotiff(tmp_path / "sar.tif", sar))


@pytest.mark.parametrize("cog", [[], ["--cog"]])
def test_quicklook_shows_optical_sar_and_map(tmp_path, write_geotiff, constant_model,
                                             panel_images, cog):
    optical, sar = _inputs(tmp_path, write_geotiff)
    model = str(tmp_path / "constant.keras")
    constant_model.save(model)
    quicklook = tmp_path / "look.png"
    assert main(["predict", "--model", model, "--optical", optical, "--sar", sar,
                 "--out", str(tmp_path / "map.tif"), "--quicklook", str(quicklook),
                 "--class-names", "dry,forest,water", "--tile", "16", "--quiet", *cog]) == 0
    optical_image, sar_image, map_image = panel_images(quicklook)
    red, blue = _pixels(optical_image, RED), _pixels(optical_image, BLUE)
    assert red[0].size > 1000 and blue[0].size > 1000
    assert red[1].max() < blue[1].min()                 # red west of blue
    grey_rows, black_rows = _pixels(sar_image, GREY)[0], _pixels(sar_image, (0, 0, 0))[0]
    assert grey_rows.size > 1000
    assert np.median(black_rows) > np.median(grey_rows)      # -10 dB above -20 dB
    assert _pixels(map_image, WATER)[0].size > 1000
    for image, absent in ((optical_image, (GREY, WATER)), (sar_image, (RED, WATER)),
                          (map_image, (RED, BLUE, GREY))):
        assert all(_pixels(image, rgb)[0].size < STRAY for rgb in absent)


def test_quicklook_of_a_sar_only_model_shows_the_sar_and_the_map(tmp_path, write_geotiff,
                                                                  panel_images):
    _, sar = _inputs(tmp_path, write_geotiff)
    model = str(tmp_path / "sar_unet.keras")
    UNet(2, modalities=("sar",), sar_channels=1, widths=(4, 8)).save(model)
    quicklook = tmp_path / "look.png"
    assert main(["predict", "--model", model, "--sar", sar, "--out", str(tmp_path / "map.tif"),
                 "--quicklook", str(quicklook), "--tile", "32", "--quiet"]) == 0
    images = panel_images(quicklook)
    assert len(images) == 2                             # SAR and map, no optical
    assert _pixels(images[0], GREY)[0].size > 1000
    assert _pixels(images[0], RED)[0].size < STRAY and _pixels(images[1], GREY)[0].size < STRAY
