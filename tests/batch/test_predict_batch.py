"""``run_batch`` / ``mfafnet predict-batch`` on the DirectRunner: a 3-scene catalog with a broken pair."""

import json
import os

import numpy as np
import pytest
from batch_scenes import HEIGHT, ORIGIN, PIXEL, WIDTH, expected_class_map, scene_values, write_geotiff
from osgeo import gdal

from mfafnet_tf.batch.beam_pipeline import run_batch
from mfafnet_tf.batch.cog_check import cog_problems
from mfafnet_tf.batch.stac_validation import validate_stac
from mfafnet_tf.cli.main import main
from mfafnet_tf.inference.predict_settings import PredictSettings

SETTINGS = PredictSettings(tile=128, overlap=16, class_names=["low", "mid", "high"])


@pytest.fixture(scope="module")
def first_run(tmp_path_factory, manifest, model_path):
    out = tmp_path_factory.mktemp("run") / "out"
    summary = run_batch(manifest, model_path, out, settings=SETTINGS)
    return out, summary


def test_good_scenes_become_valid_cogs_and_the_broken_one_is_reported(first_run):
    out, summary = first_run
    assert sorted(summary["predicted"]) == ["east", "west"] and summary["skipped"] == []
    (failure,) = summary["failed"]
    assert failure["name"] == "broken" and failure["sar"].endswith("broken_sar.tif")
    assert "DataError" in failure["error"] and "differ in size" in failure["error"]
    assert json.loads((out / "failures.json").read_text()) == summary
    assert not (out / "broken.tif").exists() and not (out / "broken.json").exists()
    for name in ("west", "east"):
        path = str(out / f"{name}.tif")
        assert cog_problems(path) == []
        dataset = gdal.Open(path)
        dataset.GetGeoTransform()
        band = dataset.GetRasterBand(1)
        np.testing.assert_array_equal(band.ReadAsArray(), expected_class_map())
        assert band.GetCategoryNames() == ["low", "mid", "high"]
        assert band.GetColorTable() is not None and band.GetOverviewCount() >= 1
    assert not [name for name in os.listdir(out) if name.startswith(".")]  # no temporaries left


def test_stac_items_and_collection_validate_and_describe_the_maps(first_run, model_path, scene_files):
    out, _ = first_run
    inputs = {name: (optical, sar) for name, optical, sar in scene_files}
    for name in ("west", "east"):
        item = json.loads((out / f"{name}.json").read_text())
        validate_stac(item)
        assert item["id"] == name and item["assets"]["class_map"]["href"] == f"{name}.tif"
        assert item["properties"]["proj:code"] == "EPSG:32650"
        assert item["properties"]["proj:shape"] == [HEIGHT, WIDTH]
        classes = item["assets"]["class_map"]["classification:classes"]
        assert [(c["value"], c["name"]) for c in classes] == [(0, "low"), (1, "mid"), (2, "high"), (255, "nodata")]
        links = {(link["rel"], link["href"]) for link in item["links"]}
        assert {("derived_from", inputs[name][0]), ("derived_from", inputs[name][1]),
                ("describedby", os.path.abspath(model_path)), ("collection", "./collection.json")} <= links
        west, south, east, north = item["bbox"]
        assert 116.99 < west < east < 117.1 and 36.0 < south < north < 36.2
    collection = json.loads((out / "collection.json").read_text())
    validate_stac(collection)
    assert sorted(link["href"] for link in collection["links"] if link["rel"] == "item") == ["./east.json",
                                                                                              "./west.json"]
    (box,) = collection["extent"]["spatial"]["bbox"]
    east_item = json.loads((out / "east.json").read_text())
    assert box[2] == east_item["bbox"][2]  # the collection spans the eastern scene too


def test_mosaic_opens_and_covers_both_scenes(first_run):
    out, _ = first_run
    mosaic = gdal.Open(str(out / "mosaic.vrt"))
    assert (mosaic.RasterXSize, mosaic.RasterYSize) == (2 * WIDTH, HEIGHT)
    assert mosaic.GetGeoTransform()[1] == PIXEL
    values = mosaic.GetRasterBand(1).ReadAsArray()
    np.testing.assert_array_equal(values, np.concatenate([expected_class_map()] * 2, axis=1))
    assert mosaic.GetRasterBand(1).GetCategoryNames() == ["low", "mid", "high"]
    assert "relativeToVRT=\"1\"" in (out / "mosaic.vrt").read_text()


def test_rerun_skips_finished_scenes_without_touching_them(first_run, manifest, model_path):
    out, _ = first_run
    outputs = [out / f"{name}.{extension}" for name in ("west", "east") for extension in ("tif", "json")]
    before = {path: path.stat().st_mtime_ns for path in outputs}
    summary = run_batch(manifest, model_path, out, settings=SETTINGS)
    assert sorted(summary["skipped"]) == ["east", "west"] and summary["predicted"] == []
    assert [failure["name"] for failure in summary["failed"]] == ["broken"]
    assert {path: path.stat().st_mtime_ns for path in outputs} == before


def test_a_damaged_output_is_predicted_again(tmp_path, manifest, model_path):
    out = tmp_path / "out"
    run_batch(manifest, model_path, out, settings=SETTINGS)
    (out / "east.tif").write_bytes(b"not a tiff")
    summary = run_batch(manifest, model_path, out, settings=SETTINGS)
    assert summary["predicted"] == ["east"] and summary["skipped"] == ["west"]
    assert cog_problems(str(out / "east.tif")) == []


def test_cli_runs_a_stac_catalog_with_beam_options(tmp_path, stac_catalog, model_path, capsys):
    out = tmp_path / "stac_out"
    code = main(["predict-batch", "--catalog", stac_catalog, "--model", model_path, "--out", str(out),
                 "--tile", "128", "--overlap", "16", "--direct_num_workers=1", "--collection-id", "demo-run"])
    printed = capsys.readouterr().out
    assert code == 1  # a scene failed
    assert "3 scenes: 2 predicted, 0 skipped (already done), 1 failed" in printed and "failed broken:" in printed
    item = json.loads((out / "west.json").read_text())
    assert item["properties"]["datetime"].startswith("2024-05-01")
    assert item["collection"] == "demo-run"
    source = os.path.join(os.path.dirname(stac_catalog), "items", "west.json")
    assert {"rel": "derived_from", "href": source, "type": "application/json", "title": "input item"} in item["links"]


def test_align_warps_each_sar_onto_its_optical_through_beam(tmp_path, model_path, capsys):
    optical, sar = scene_values(0)
    optical_path = write_geotiff(tmp_path / "s2_utm.tif", optical, ORIGIN[0])
    # Ones in EPSG:4326, 0.0001 degree pixels, around the optical's 2000 x 1500 m.
    write_geotiff(tmp_path / "s1_wgs84.tif", np.ones((160, 250, 1), np.float32), None,
                  geotransform=(116.999, 0.0001, 0.0, 36.146, 0.0, -0.0001), epsg=4326)
    manifest = tmp_path / "catalog.csv"
    manifest.write_text("optical,sar,name\ns2_utm.tif,s1_wgs84.tif,pair\n")
    out = tmp_path / "out"
    command = ["predict-batch", "--catalog", str(manifest), "--model", model_path, "--out", str(out),
               "--tile", "128", "--overlap", "16"]
    assert main([*command, "--align"]) == 0
    assert "1 scenes: 1 predicted" in capsys.readouterr().out
    written, grid = gdal.Open(str(out / "pair.tif")), gdal.Open(optical_path)
    assert written.GetGeoTransform() == grid.GetGeoTransform()
    assert written.GetProjection() == grid.GetProjection()
    np.testing.assert_array_equal(written.ReadAsArray(), expected_class_map())
    assert main([*command, "--out", str(tmp_path / "unaligned")]) == 1
    assert "differ in size: 400x300 vs 250x160" in capsys.readouterr().out


def test_unknown_options_are_still_errors_for_other_commands(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["predict", "--model", "m.keras", "--optical", "o.tif", "--sar", "s.tif", "--out", "x.tif",
              "--direct_num_workers=2"])
    assert exit_info.value.code == 2
    assert "unrecognized arguments: --direct_num_workers=2" in capsys.readouterr().err


def test_prism_runner(tmp_path, manifest, model_path):
    location = os.environ.get("MFAFNET_PRISM_LOCATION")  # a local Prism binary, where one is installed
    try:
        summary = run_batch(manifest, model_path, tmp_path / "out", runner="PrismRunner", settings=SETTINGS,
                            pipeline_args=[f"--prism_location={location}"] if location else [])
    except RuntimeError as error:
        if "prism binary" not in str(error):
            raise
        pytest.skip("the Prism runner downloads its Go binary at first use and there is no network here "
                    f"(set MFAFNET_PRISM_LOCATION to a local binary): {error}")
    assert sorted(summary["predicted"]) == ["east", "west"]


def test_a_pipeline_that_cannot_run_leaves_no_earlier_summary(tmp_path, manifest, model_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "failures.json").write_text('{"scenes": 3, "predicted": [], "skipped": [], "failed": []}')
    with pytest.raises(ValueError, match="NoSuchRunner"):
        run_batch(manifest, model_path, out, runner="NoSuchRunner", settings=SETTINGS)
    assert not (out / "failures.json").exists()


def test_rerun_removes_scratch_folders_of_killed_runs(tmp_path, manifest, model_path):
    """A killed worker leaves a scene's scratch folder and COG temporary; the rerun of the scene removes them."""
    out = tmp_path / "out"
    out.mkdir()
    (out / ".west.tif.k1ll3d0a.tmp").mkdir()
    (out / ".west.tif.k1ll3d0a.tmp" / "class_map.tif").write_bytes(b"partial")
    (out / ".east.tif.k1ll3d0b.tmp").write_bytes(b"partial")
    others = [".west.tif.backup", "notes.tmp"]
    for name in others:
        (out / name).write_text("keep")
    summary = run_batch(manifest, model_path, out, settings=SETTINGS)
    assert sorted(summary["predicted"]) == ["east", "west"]
    assert not [name for name in os.listdir(out) if name.startswith(".") and name not in others]
    assert all((out / name).exists() for name in others)
