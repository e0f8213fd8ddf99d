"""``mfafnet data check``: every kind of problem gives a readable report and exit 1."""

import os
import shutil

import numpy as np
import pytest

from tiny_rasters import write_raster
from mfafnet_tf.cli.main import main


@pytest.fixture
def root(tmp_path, synthetic_root):
    copy = tmp_path / "copy"
    shutil.copytree(synthetic_root[0], copy)
    return copy


def _check(root, capsys):
    code = main(["data", "check", "--dataset", "whu_opt_sar", "--root", str(root)])
    return code, capsys.readouterr().out


def test_clean_dataset_passes(root, capsys):
    code, out = _check(root, capsys)
    assert code == 0
    assert out.count("ok    SYN0003_") == 3
    assert "3 scene(s) checked, 0 with problems" in out


def _truncate(path):
    data = open(path, "rb").read()
    with open(path, "wb") as stream:
        stream.write(data[:len(data) * 2 // 3])


def _shift(path):
    from osgeo import gdal

    dataset = gdal.Open(str(path), gdal.GA_Update)
    x, dx, rx, y, ry, dy = dataset.GetGeoTransform()
    dataset.SetGeoTransform((x + 2 * dx, dx, rx, y, ry, dy))
    dataset = None


def _unknown_code(path):
    from osgeo import gdal

    dataset = gdal.Open(str(path), gdal.GA_Update)
    band = dataset.GetRasterBand(1)
    values = band.ReadAsArray()
    values[-1, -1] = 99
    band.WriteArray(values)
    dataset = None


def _three_band_optical(path):
    write_raster(path, np.ones((64, 80, 3), np.uint8))


@pytest.mark.parametrize("folder, damage, expected", [
    ("optical", _truncate, "cannot"),
    ("sar", _shift, "not co-registered"),
    ("lbl", _unknown_code, "unknown label code(s) 99"),
    ("optical", _three_band_optical, "expected 4 band(s), found 3"),
    ("sar", os.remove, "SAR partner"),
])
def test_each_problem_fails_the_check(root, capsys, folder, damage, expected):
    damage(root / folder / "SYN0003_001.tif")
    code, out = _check(root, capsys)
    assert code == 1
    failures = [line for line in out.splitlines() if line.startswith("FAIL")]
    assert len(failures) == 1 and expected in failures[0]
    assert "SYN0003_001" in failures[0]


def test_empty_dataset_fails(tmp_path, capsys):
    code, out = _check(tmp_path, capsys)
    assert code == 1 and "no scenes found" in out


def test_label_map_starting_with_a_minus_sign(tmp_path, capsys):
    write_raster(tmp_path / "s2.tif", np.full((8, 8, 3), 5, np.int16))
    write_raster(tmp_path / "s1.tif", np.full((8, 8), -12.0, np.float32))
    write_raster(tmp_path / "lc.tif", np.array([[-1, 3] * 4] * 8, np.int16))
    (tmp_path / "manifest.csv").write_text("optical,sar,label\ns2.tif,s1.tif,lc.tif\n")
    arguments = ["data", "check", "--dataset", "manifest", "--root", str(tmp_path),
                 "--class-names", "crop"]
    assert main(arguments + ["--label-map=-1:ignore,3:0"]) == 0
    assert ("ok    s2: 8x8, inputs 100.0% valid (optical 100.0%, SAR 100.0%), labels "
            "50.0% valid") in capsys.readouterr().out
    assert main(arguments) == 1                       # -1 and 3 are unknown codes
    assert "unknown label code" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["data", "check", "--help"])
    assert "--label-map=-1:ignore" in " ".join(capsys.readouterr().out.split())


def test_single_strip_scene_is_read_in_bounded_strips(tmp_path, monkeypatch):
    from mfafnet_tf.data.check import check_dataset
    from mfafnet_tf.data.datasets import get_dataset
    from mfafnet_tf.data.scene import Scene

    strip = ["BLOCKYSIZE=3000"]                  # untiled, blocks taller than 1024 rows
    write_raster(tmp_path / "o.tif", np.ones((3000, 2, 3), np.uint8), options=strip)
    write_raster(tmp_path / "s.tif", np.ones((3000, 2), np.uint8), options=strip)
    (tmp_path / "manifest.csv").write_text("optical,sar\no.tif,s.tif\n")
    heights = []
    real_read = Scene.read

    def read(self, window):
        heights.append(window.height)
        return real_read(self, window)

    monkeypatch.setattr(Scene, "read", read)
    (report,), _ = check_dataset(
        get_dataset("manifest", tmp_path, class_names=["a"]), progress=False)
    assert report.problem is None and report.input_valid_fraction == 1.0
    assert report.label_valid_fraction is None and not report.warnings
    assert max(heights) <= 1024 and sum(heights) == 3000


def _manifest_scene(root, sar, label):
    write_raster(root / "s1.tif", sar)
    write_raster(root / "lc.tif", label, nodata=0)
    (root / "manifest.csv").write_text("sar,label,name\ns1.tif,lc.tif,chip\n")
    return ["data", "check", "--dataset", "manifest", "--root", str(root),
            "--class-names", "dry,flooded", "--label-map", "1:0,2:1"]


@pytest.mark.parametrize("sar, label, expected", [
    (np.full((8, 8), np.nan, np.float32), np.full((8, 8), 1, np.uint8),
     "inputs 0.0% valid, labels 100.0% valid; SAR 0% valid: every pixel of"),
    (np.full((8, 8), -12.0, np.float32), np.zeros((8, 8), np.uint8),
     "inputs 100.0% valid, labels 0.0% valid; labels entirely ignore/nodata"),
])
def test_unusable_scene_warns_and_strict_fails(tmp_path, capsys, sar, label, expected):
    arguments = _manifest_scene(tmp_path, sar, label)
    assert main(arguments) == 0
    out = capsys.readouterr().out
    assert f"WARN  chip: 8x8, {expected}" in out and "ok    chip" not in out
    assert "1 scene(s) checked, 0 with problems, 1 with warnings" in out
    assert main(arguments + ["--strict"]) == 1
    out = capsys.readouterr().out
    assert f"FAIL  chip: 8x8, {expected}" in out and "(fatal: --strict)" in out


def test_inputs_and_labels_are_counted_separately(tmp_path, capsys):
    sar = np.full((8, 8), -12.0, np.float32)
    sar[:2] = np.nan                                 # 75 % of the inputs valid
    label = np.ones((8, 8), np.uint8)
    label[:, :2] = 0                                 # a quarter nodata, elsewhere
    assert main(_manifest_scene(tmp_path, sar, label) + ["--strict"]) == 0
    assert "ok    chip: 8x8, inputs 75.0% valid, labels 75.0% valid" in capsys.readouterr().out


def _pair(root, optical, sar, **options):
    write_raster(root / "s2.tif", optical)
    write_raster(root / "s1.tif", sar)
    (root / "manifest.csv").write_text("optical,sar\ns2.tif,s1.tif\n")
    return ["data", "check", "--dataset", "manifest", "--root", str(root),
            "--class-names", "a", *(f"--{k.replace('_', '-')}={v}" for k, v in options.items())]


def test_empty_sar_is_named_and_the_optical_still_predicts(tmp_path, capsys):
    optical = np.full((8, 8, 3), 5, np.int16)
    optical[:2] = -1                                 # 75 % valid with --optical-nodata=-1
    arguments = _pair(tmp_path, optical, np.full((8, 8, 2), np.nan, np.float32),
                      optical_nodata=-1)
    assert main(arguments) == 0
    (line,) = [line for line in capsys.readouterr().out.splitlines() if "s2:" in line]
    assert line.startswith("WARN  s2: 8x8, inputs 0.0% valid (optical 75.0%, SAR 0.0%)")
    assert (f"SAR 0% valid: every pixel of {tmp_path / 's1.tif'} is nodata; fusion models "
            f"still predict from the optical (75.0% valid)") in line
    assert "s2.tif" not in line                      # the optical is not blamed


def test_empty_band_and_disjoint_modalities_are_told_apart(tmp_path, capsys):
    sar = np.full((8, 8, 2), -12.0, np.float32)
    sar[..., 1] = np.nan                             # VH empty, VV fine
    main(_pair(tmp_path, np.full((8, 8, 3), 5, np.int16), sar))
    assert "SAR 0% valid: band(s) 2 of" in capsys.readouterr().out
    main(_pair(tmp_path, np.full((8, 8, 3), 5, np.int16), sar, sar_bands="2,1"))
    assert "SAR 0% valid: band(s) 2 of" in capsys.readouterr().out
    optical = np.full((8, 8, 3), 5, np.int16)
    optical[:4] = -1
    sar = np.full((8, 8), -12.0, np.float32)
    sar[4:] = np.nan
    main(_pair(tmp_path, optical, sar, optical_nodata=-1))
    assert ("inputs 0% valid: no pixel has every band of both modalities valid "
            "(optical 50.0%, SAR 50.0%)") in capsys.readouterr().out


def test_check_takes_the_dataset_of_a_recipe(tmp_path, capsys):
    import yaml

    _pair(tmp_path, np.full((8, 8, 3), 5, np.int16), np.full((8, 8), -1.0, np.float32))
    recipe = tmp_path / "recipe.yaml"
    recipe.write_text(yaml.safe_dump({"data": {
        "dataset": "manifest", "root": str(tmp_path / "manifest.csv"),
        "options": {"class_names": ["a"], "sar_nodata": -1}}}))
    assert main(["data", "check", "--recipe", str(recipe)]) == 0
    assert "inputs 0.0% valid (optical 100.0%, SAR 0.0%)" in capsys.readouterr().out
    assert main(["data", "check", "--recipe", str(recipe),
                 "--override", "data.options.sar_nodata=null"]) == 0
    assert "inputs 100.0% valid" in capsys.readouterr().out
    assert main(["data", "check", "--recipe", str(recipe), "--sar-nodata", "5"]) == 1
    assert ("--sar-nodata: not used with --recipe (the dataset options come from the "
            "recipe); set it with --override data.options.sar_nodata=VALUE"
            ) in capsys.readouterr().err
    assert main(["data", "check", "--root", str(tmp_path)]) == 1
    assert "give --recipe, or --dataset with --root" in capsys.readouterr().err
