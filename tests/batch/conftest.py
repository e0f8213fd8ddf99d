"""A small scene catalog (two good pairs side by side, one broken pair) and a tiny saved model."""

import json
import os

import keras
import numpy as np
import pytest
from batch_scenes import ORIGIN, PIXEL, WIDTH, scene_values, write_geotiff


@pytest.fixture(scope="module")
def scene_files(tmp_path_factory):
    """[(name, optical, sar)]: ``east`` right of ``west`` on one grid; ``broken``'s SAR is smaller."""
    folder = tmp_path_factory.mktemp("scenes")
    files = []
    for index, name in enumerate(["west", "east"]):
        optical, sar = scene_values(index)
        origin_x = ORIGIN[0] + index * WIDTH * PIXEL
        files.append((name, write_geotiff(folder / f"{name}_opt.tif", optical, origin_x),
                      write_geotiff(folder / f"{name}_sar.tif", sar, origin_x)))
    optical, sar = scene_values(2)
    files.insert(1, ("broken", write_geotiff(folder / "broken_opt.tif", optical, ORIGIN[0]),
                     write_geotiff(folder / "broken_sar.tif", sar[:200], ORIGIN[0])))
    return files


@pytest.fixture(scope="module")
def manifest(scene_files):
    """A manifest CSV (optical,sar,name) of the three scenes, paths relative to it."""
    path = os.path.join(os.path.dirname(scene_files[0][1]), "catalog.csv")
    lines = ["optical,sar,name"] + [f"{os.path.basename(o)},{os.path.basename(s)},{n}" for n, o, s in scene_files]
    with open(path, "w", encoding="utf-8") as stream:
        stream.write("\n".join(lines) + "\n")
    return path


@pytest.fixture(scope="session")
def model_path(tmp_path_factory):
    """A saved .keras model: class = level of optical band 1 (0, 1 or 2), 3 classes."""
    optical = keras.Input((None, None, 4), name="optical")
    sar = keras.Input((None, None, 1), name="sar")
    layer = keras.layers.Conv2D(3, 1)
    logits = layer(keras.layers.Concatenate()([optical, sar]))
    kernel = np.zeros((1, 1, 5, 3), np.float32)
    kernel[0, 0, 0] = [-10.0, 0.0, 10.0]
    layer.set_weights([kernel, np.array([10.0, 5.5, -10.0], np.float32)])
    path = tmp_path_factory.mktemp("model") / "stripes.keras"
    keras.Model({"optical": optical, "sar": sar}, logits).save(path)
    return str(path)


@pytest.fixture(scope="module")
def stac_catalog(scene_files):
    """A STAC ItemCollection JSON of the three scenes (relative optical/sar asset hrefs)."""
    import datetime

    import pystac

    folder = os.path.dirname(scene_files[0][1])
    items = []
    for day, (name, optical, sar) in enumerate(scene_files, 1):
        item = pystac.Item(name, {"type": "Point", "coordinates": [117.0, 36.1]}, [117.0, 36.1, 117.0, 36.1],
                           datetime.datetime(2024, 5, day, tzinfo=datetime.timezone.utc), {})
        for key, path in (("optical", optical), ("sar", sar)):
            item.add_asset(key, pystac.Asset(os.path.basename(path), media_type=pystac.MediaType.GEOTIFF))
        item.set_self_href(os.path.join(folder, "items", f"{name}.json"))
        items.append(item.to_dict(include_self_link=True, transform_hrefs=False))
    path = os.path.join(folder, "items.json")
    with open(path, "w", encoding="utf-8") as stream:
        json.dump({"type": "FeatureCollection", "features": items}, stream)
    return path
