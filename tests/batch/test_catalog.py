"""Reading scene catalogs: manifest CSV and STAC ItemCollection."""

import json
import os

import pytest

from mfafnet_tf.batch.catalog import output_stem, read_catalog
from mfafnet_tf.errors import DataError


def test_manifest_rows_become_jobs_with_absolute_paths(manifest, scene_files):
    jobs = read_catalog(manifest)
    assert [(job.name, job.optical, job.sar) for job in jobs] == [tuple(files) for files in scene_files]
    assert all(job.source_item is None and job.datetime is None for job in jobs)


def test_stac_items_become_jobs_with_their_assets_time_and_link(stac_catalog, scene_files):
    jobs = read_catalog(stac_catalog)
    assert [(job.name, job.optical, job.sar) for job in jobs] == [tuple(files) for files in scene_files]
    assert jobs[0].datetime.startswith("2024-05-01T00:00:00")
    assert jobs[0].source_item == os.path.join(os.path.dirname(stac_catalog), "items", "west.json")


def test_bad_catalogs_are_reported_with_the_file_and_item(tmp_path, stac_catalog):
    document = json.loads(open(stac_catalog, encoding="utf-8").read())
    for asset in ("optical", "sar"):
        del document["features"][1]["assets"][asset]
    path = tmp_path / "no_assets.json"
    path.write_text(json.dumps(document))
    with pytest.raises(DataError, match=r"no_assets.json, item 'broken': expected an 'optical' and/or a 'sar' asset"):
        read_catalog(path)
    path.write_text(json.dumps({"type": "Feature"}))
    with pytest.raises(DataError, match="expected a STAC ItemCollection .* found 'Feature'"):
        read_catalog(path)
    path.write_text(json.dumps({"type": "FeatureCollection", "features": []}))
    with pytest.raises(DataError, match="expected at least one scene, found none"):
        read_catalog(path)
    csv = tmp_path / "clash.csv"
    csv.write_text("optical,sar,name\na.tif,b.tif,HY/1\nc.tif,d.tif,HY_1\n")
    with pytest.raises(DataError, match="'HY/1' and 'HY_1' both give the output name 'HY_1'"):
        read_catalog(csv)


def test_output_stems_are_safe_file_names_and_ids():
    assert output_stem("HY_C/12") == "HY_C_12"
    assert output_stem("a b:c") == "a_b_c"
    assert output_stem("///") == "scene"
