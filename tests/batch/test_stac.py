"""STAC Items of class maps: footprint, projection, classes; the offline validator."""

import copy

import pystac
import pytest
from batch_scenes import HEIGHT, ORIGIN, PIXEL, WIDTH
from osgeo import osr

from mfafnet_tf.batch.catalog import SceneJob
from mfafnet_tf.inference.cog import predict_cog
from mfafnet_tf.batch.stac_items import scene_item
from mfafnet_tf.batch.stac_validation import validate_stac


@pytest.fixture(scope="module")
def item_dict(tmp_path_factory, scene_files, model_path):
    name, optical, sar = scene_files[0]
    cog = predict_cog(model_path, optical, sar, tmp_path_factory.mktemp("item") / "west.tif", tile=128,
                      overlap=16, class_names=["bare soil", "mid", "high"], progress=False)
    job = SceneJob("tiles/west", optical, sar, None, "2024-05-01T10:00:00+00:00")
    return scene_item(job, cog, model_path).to_dict(include_self_link=False, transform_hrefs=False)


def test_footprint_is_the_raster_outline_in_longitude_latitude(item_dict):
    utm, wgs84 = osr.SpatialReference(), osr.SpatialReference()
    utm.ImportFromEPSG(32650)
    wgs84.ImportFromEPSG(4326)
    wgs84.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    corners = [(ORIGIN[0] + dx * WIDTH * PIXEL, ORIGIN[1] - dy * HEIGHT * PIXEL) for dx in (0, 1) for dy in (0, 1)]
    lonlat = osr.CoordinateTransformation(utm, wgs84).TransformPoints(corners)
    ring = item_dict["geometry"]["coordinates"][0]
    assert ring[0] == ring[-1] and len(ring) > 5
    for lon, lat, _ in lonlat:
        assert min(abs(lon - x) + abs(lat - y) for x, y in ring) < 1e-7
    assert item_dict["bbox"] == [min(x for x, _ in ring), min(y for _, y in ring),
                                 max(x for x, _ in ring), max(y for _, y in ring)]
    signed_area = sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(ring, ring[1:]))
    assert signed_area > 0  # counter-clockwise exterior ring


def test_item_fields(item_dict):
    assert item_dict["id"] == "tiles_west" and item_dict["properties"]["title"] == "tiles/west"
    assert item_dict["properties"]["datetime"] == "2024-05-01T10:00:00Z"
    assert item_dict["properties"]["proj:transform"] == [PIXEL, 0.0, ORIGIN[0], 0.0, -PIXEL, ORIGIN[1]]
    classes = item_dict["assets"]["class_map"]["classification:classes"]
    # colour hints follow the land-cover palette (bare soil: WorldCover grey)
    assert classes[0] == {"value": 0, "name": "bare_soil", "title": "bare soil", "color_hint": "B4B4B4"}
    assert classes[-1] == {"value": 255, "name": "nodata", "title": "no data", "nodata": True}
    assert item_dict["assets"]["class_map"]["type"] == pystac.MediaType.COG
    assert not any(link["rel"] == "collection" for link in item_dict["links"])  # no collection given
    validate_stac(item_dict)


@pytest.mark.parametrize("damage, message", [
    (lambda d: d.pop("geometry"), "item.json"),
    (lambda d: d["assets"]["class_map"]["classification:classes"][0].update(name="bare soil"), "bare soil"),
    (lambda d: d["properties"].update({"proj:shape": [HEIGHT]}), "proj:shape"),
    (lambda d: d["stac_extensions"].append("https://stac-extensions.github.io/eo/v1.1.0/schema.json"),
     "no offline check"),
])
def test_validator_rejects_damaged_items(item_dict, damage, message):
    damaged = copy.deepcopy(item_dict)
    damage(damaged)
    with pytest.raises(pystac.STACValidationError, match=message):
        validate_stac(damaged)
