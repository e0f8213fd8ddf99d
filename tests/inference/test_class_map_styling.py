"""Class maps that travel: names and colours inside the TIFF, a land-cover palette."""

import os

import numpy as np
import pytest
from osgeo import gdal

from mfafnet_tf.data.datasets import WHU_CLASSES, YESEG_CLASSES
from mfafnet_tf.inference.palette import MIN_DISTANCE, class_colors
from mfafnet_tf.inference.predict_scene import predict_scene


@pytest.fixture
def without_pam():
    """GDAL ignores .aux.xml sidecars (reads only what is inside the files)."""
    gdal.SetConfigOption("GDAL_PAM_ENABLED", "NO")
    yield
    gdal.SetConfigOption("GDAL_PAM_ENABLED", None)


def test_names_and_colours_are_inside_the_tiff(tmp_path, coordinate_scene, position_model,
                                               without_pam):
    optical_path, sar_path, _, _ = coordinate_scene(20, 24)
    out = tmp_path / "map.tif"
    names = ["water", "forest", "city"]
    gdal.SetConfigOption("GDAL_PAM_ENABLED", None)   # write as users do, sidecar and all
    predict_scene(position_model, optical_path, sar_path, out, tile=16, overlap=4,
                  class_names=names, progress=False)
    gdal.SetConfigOption("GDAL_PAM_ENABLED", "NO")
    os.remove(str(out) + ".aux.xml")
    dataset = gdal.Open(str(out))
    band = dataset.GetRasterBand(1)
    assert band.GetDescription() == "class"
    assert band.GetMetadata() == {"CLASS_0": "water", "CLASS_1": "forest", "CLASS_2": "city"}
    table = band.GetColorTable()
    colors = [table.GetColorEntry(i)[:3] for i in range(3)]
    assert colors == [tuple(c) for c in class_colors(names).tolist()]
    assert colors[0] == (0, 100, 200)                # water is blue
    assert table.GetColorEntry(255)[3] == 0          # nodata transparent in GIS


def test_land_cover_palette_follows_the_names():
    whu = dict(zip(WHU_CLASSES, map(tuple, class_colors(WHU_CLASSES).tolist())))
    assert (whu["water"], whu["forest"], whu["city"], whu["farmland"]) == (
        (0, 100, 200), (0, 100, 0), (250, 0, 0), (240, 150, 255))
    yeseg = dict(zip(YESEG_CLASSES, map(tuple, class_colors(YESEG_CLASSES).tolist())))
    assert (yeseg["trees"], yeseg["houses"], yeseg["water"]) == (
        (0, 100, 0), (250, 0, 0), (0, 100, 200))
    for names in (WHU_CLASSES, YESEG_CLASSES, [f"c{i}" for i in range(25)]):
        assert len({tuple(c) for c in class_colors(names).tolist()}) == len(names)
    # An unnamed class is never drawn close to the water blue of its neighbour.
    for other in ("dry", "non-water"):
        colors = class_colors([other, "flooded"]).astype(float)
        assert tuple(colors[1]) == (0, 100, 200)
        assert np.linalg.norm(colors[0] - colors[1]) >= MIN_DISTANCE
    # Two classes of the same kind get different colours.
    city, buildings = class_colors(["city", "buildings"]).tolist()
    assert city == [250, 0, 0] and buildings != city


def test_quicklook_draws_nodata_apart_from_the_page(tmp_path, coordinate_scene, write_geotiff,
                                                    constant_model, panel_images):
    optical_path, sar_path, optical, _ = coordinate_scene(40, 40)
    optical[:, :20, 0] = np.nan                      # left half nodata (under the any policy)
    optical_path = write_geotiff(tmp_path / "optical_nd.tif", optical)
    quicklook = tmp_path / "map.png"
    predict_scene(constant_model, optical_path, sar_path, tmp_path / "map.tif", tile=16,
                  overlap=4, quicklook=quicklook, class_names=["dry", "forest", "water"],
                  nodata_policy="any", progress=False)
    _, _, map_area = panel_images(quicklook)         # optical, SAR, class map
    black = (map_area == 0).all(axis=-1)
    water = (map_area == (0, 100, 200)).all(axis=-1)   # the constant model's class 2
    page = (map_area == 255).all(axis=-1)
    assert black.sum() > 1000 and water.sum() > 1000 and page.sum() > 1000
    assert abs(int(black.sum()) - int(water.sum())) < 0.05 * water.sum()   # half and half
