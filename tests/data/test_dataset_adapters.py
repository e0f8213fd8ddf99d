"""Dataset adapters: discovery, official and file splits, spatial validation, manifests."""

import numpy as np
import pytest

from tiny_rasters import write_raster
from mfafnet_tf.data import (
    Window, compute_stats, get_dataset, make_dataset, read_split_file, tile_dataset)
from mfafnet_tf.errors import ConfigError, DataError


def _whu_scene(root, name, column=0, size=(16, 24)):
    geotransform = (400000.0 + column * 1000.0, 5.0, 0.0, 3500000.0, 0.0, -5.0)
    height, width = size
    for folder, array in (("optical", np.full((height, width, 4), 9, np.uint8)),
                          ("sar", np.full((height, width), 9, np.uint8)),
                          ("lbl", np.full((height, width), 10, np.uint8))):
        (root / folder).mkdir(exist_ok=True)
        write_raster(root / folder / f"{name}.tif", array, geotransform=geotransform)


def test_official_whu_split_where_names_match(tmp_path):
    for column, name in enumerate(["NH49E001014", "NH49E004021", "MYOWN001"]):
        _whu_scene(tmp_path, name, column)
    dataset = get_dataset("whu_opt_sar", tmp_path, val_fraction=0)
    splits = {r.name: r.split for r in dataset.scenes()}
    assert splits == {"NH49E001014": "test", "NH49E004021": "train", "MYOWN001": "train"}
    record = dataset.scenes("test")[0]
    assert record.optical.endswith("optical/NH49E001014.tif")
    assert record.label.endswith("lbl/NH49E001014.tif")


def test_validation_is_a_spatial_block_of_whole_training_scenes(tmp_path):
    for column in range(10):
        _whu_scene(tmp_path, f"S{column}", column)
    dataset = get_dataset("whu_opt_sar", tmp_path, val_fraction=0.3)
    val = sorted(r.name for r in dataset.scenes("val"))
    assert len(val) == 3
    columns = sorted(int(name[1:]) for name in val)
    assert columns in ([0, 1, 2], [7, 8, 9])  # one contiguous block at an end
    assert len(dataset.scenes("train")) == 7


def test_split_file_formats(tmp_path):
    for column, name in enumerate(["A", "B", "C"]):
        _whu_scene(tmp_path, name, column)
    plain = tmp_path / "split.txt"
    plain.write_text("A train\nB val  # comment\n")
    dataset = get_dataset("whu_opt_sar", tmp_path, split_file=plain)
    assert {r.name: r.split for r in dataset.scenes()} == {"A": "train", "B": "val"}
    division = tmp_path / "division.txt"
    division.write_text("train:\nA.tif\nC.tif\n\ntest:\nB.tif\n")
    assert read_split_file(division) == {"A": "train", "C": "train", "B": "test"}
    bad = tmp_path / "bad.txt"
    bad.write_text("A train extra\n")
    with pytest.raises(DataError, match="bad.txt, line 1: expected 'name split'"):
        read_split_file(bad)


def test_missing_partner_and_empty_dataset(tmp_path):
    with pytest.raises(DataError, match="no scenes found"):
        get_dataset("whu_opt_sar", tmp_path).scenes()
    _whu_scene(tmp_path, "A")
    (tmp_path / "sar" / "A.tif").unlink()
    records, problems = get_dataset("whu_opt_sar", tmp_path).discover()
    assert records == [] and "SAR partner" in problems[0] and "A.tif" in problems[0]
    with pytest.raises(DataError, match="SAR partner .*sar/A.tif is missing"):
        get_dataset("whu_opt_sar", tmp_path).scenes()


def test_manifest_with_sentinel_like_stacks(tmp_path, rng):
    """int16 reflectance with -1 nodata, float32 dB SAR with NaN, -1 ignore codes."""
    optical = rng.integers(0, 10000, size=(16, 20, 6)).astype(np.int16)
    optical[0, 0, :] = -1
    sar = rng.normal(-12, 3, size=(16, 20, 2)).astype(np.float32)
    sar[1, 1, 0] = np.nan
    label = rng.choice(np.array([-1, 1, 2], np.int16), size=(16, 20))
    write_raster(tmp_path / "s2.tif", optical, nodata=-1)
    write_raster(tmp_path / "s1.tif", sar)
    write_raster(tmp_path / "lc.tif", label)
    (tmp_path / "manifest.csv").write_text(
        "optical,sar,label,split\ns2.tif,s1.tif,lc.tif,test\n")
    dataset = get_dataset(
        "manifest", tmp_path, optical_bands=(4, 3, 2), sar_bands=(1, 2),
        class_names=["crop", "forest"], label_map={-1: "ignore", 1: 0, 2: 1})
    (record,) = dataset.scenes()
    assert record.name == "s2" and record.split == "test"
    assert (dataset.optical_channels, dataset.sar_channels) == (3, 2)
    with dataset.open(record) as scene:
        window = scene.read(Window(0, 0, 20, 16))
    np.testing.assert_array_equal(window.optical[2, 2], optical[2, 2, [3, 2, 1]])
    assert not window.valid[0, 0] and not window.valid[1, 1] and window.valid[2, 2]
    ids = dataset.map_labels(window.label, record.label)
    np.testing.assert_array_equal(ids, np.select([label == 1, label == 2], [0, 1], 255))


def test_manifest_errors(tmp_path):
    (tmp_path / "manifest.csv").write_text("label,split\nb.tif,train\n")
    with pytest.raises(DataError, match="manifest .*manifest.csv: no optical or sar column"):
        get_dataset("manifest", tmp_path, class_names=["a"]).scenes()
    (tmp_path / "manifest.csv").write_text("optical,sar\na.tif,\n")
    with pytest.raises(DataError, match="manifest.csv, line 2: empty sar path"):
        get_dataset("manifest", tmp_path, class_names=["a"]).scenes()
    with pytest.raises(ConfigError, match="class_names must be given"):
        get_dataset("manifest", tmp_path)
    with pytest.raises(ConfigError, match="unknown name 'whu'"):
        get_dataset("whu", tmp_path)


def test_unknown_option_is_named(tmp_path):
    with pytest.raises(ConfigError, match="unknown option\\(s\\) optical_band;"):
        get_dataset("whu_opt_sar", tmp_path, optical_band=(1, 2))


def test_yeseg_png_pairs_in_area_folders(tmp_path, rng):
    from osgeo import gdal

    def png(path, array):
        path.parent.mkdir(parents=True, exist_ok=True)
        memory = gdal.GetDriverByName("MEM").Create(
            "", array.shape[1], array.shape[0], array.shape[2], gdal.GDT_Byte)
        for index in range(array.shape[2]):
            memory.GetRasterBand(index + 1).WriteArray(array[..., index])
        gdal.GetDriverByName("PNG").CreateCopy(str(path), memory)

    optical = rng.integers(0, 256, size=(16, 16, 3), dtype=np.uint8)
    sar = rng.integers(0, 256, size=(16, 16, 3), dtype=np.uint8)  # grey stored as RGB
    label = rng.integers(0, 8, size=(16, 16, 1), dtype=np.uint8)
    png(tmp_path / "optical" / "HY_C" / "12.png", optical)
    png(tmp_path / "sar" / "HY_C" / "12.png", sar)
    png(tmp_path / "label" / "HY_C" / "12.png", label)
    dataset = get_dataset("yeseg_opt_sar", tmp_path, val_fraction=0)
    (record,) = dataset.scenes()
    assert record.name == "HY_C/12" and record.split == "train"
    with dataset.open(record) as scene:
        window = scene.read(Window(0, 0, 16, 16))
    np.testing.assert_array_equal(window.optical, optical)
    np.testing.assert_array_equal(window.sar[..., 0], sar[..., 0])
    np.testing.assert_array_equal(dataset.map_labels(window.label), np.where(
        label[..., 0] == 0, 255, label[..., 0] - 1))


def test_split_file_names_scenes_in_area_folders(tmp_path):
    for area in ("HY_C", "HY_D"):
        for folder, array in (("optical", np.full((8, 8, 3), 9, np.uint8)),
                              ("sar", np.full((8, 8), 9, np.uint8)),
                              ("label", np.full((8, 8), 1, np.uint8))):
            (tmp_path / folder / area).mkdir(parents=True, exist_ok=True)
            write_raster(tmp_path / folder / area / "12.tif", array)
    split_file = tmp_path / "split.txt"
    split_file.write_text("HY_C/12 test\nHY_D/12.tif train\n")
    dataset = get_dataset("yeseg_opt_sar", tmp_path, split_file=split_file,
                          val_fraction=0)
    assert {r.name: r.split for r in dataset.scenes()} == {
        "HY_C/12": "test", "HY_D/12": "train"}


def test_optical_only_manifest_tiles_into_zero_sar_channels(tmp_path, rng):
    optical = rng.integers(1, 10000, size=(16, 16, 3)).astype(np.int16)
    optical[0, 0, 1] = 0
    write_raster(tmp_path / "s2.tif", optical, nodata=0)
    write_raster(tmp_path / "lc.tif", np.ones((16, 16), np.uint8))
    (tmp_path / "manifest.csv").write_text("optical,label\ns2.tif,lc.tif\n")
    dataset = get_dataset("manifest", tmp_path, class_names=["a", "b"])
    (record,) = dataset.scenes()
    assert record.name == "s2" and record.sar is None and dataset.modalities == ("optical",)
    with dataset.open(record) as scene:
        window = scene.read(Window(0, 0, 16, 16))
        assert (scene.optical_channels, scene.sar_channels, scene.sar_path) == (3, 0, None)
    assert window.sar.shape == (16, 16, 0)
    assert window.valid.sum() == 16 * 16 - 1              # only the optical nodata
    stats = compute_stats(dataset, progress=False)
    assert stats["sar"]["count"] == 0 and stats["optical"]["count"] == 255

    index = tile_dataset(dataset, tmp_path / "tiles", 8, progress=False)
    assert (index["optical_channels"], index["sar_channels"]) == (3, 0)
    inputs, labels, _ = next(iter(make_dataset(tmp_path / "tiles", "train", 4)))
    assert inputs["sar"].shape == (4, 8, 8, 0) and inputs["optical"].shape == (4, 8, 8, 3)
    np.testing.assert_array_equal(inputs["optical"][0, 1, 1], optical[1, 1])
    assert labels.numpy()[0, 0, 0] == 255 and labels.numpy()[0, 1, 1] == 1

    with pytest.raises(DataError, match="scene of .*s2.tif: expected 2 SAR band\\(s\\), found no SAR file"):
        get_dataset("manifest", tmp_path, class_names=["a", "b"],
                    sar_bands=(1, 2)).open(record)


def test_val_fraction_with_one_training_scene_says_what_is_needed(tmp_path, capsys):
    from mfafnet_tf.cli.main import main

    for name in ("a", "b"):
        write_raster(tmp_path / f"{name}.tif", np.full((8, 8), -12.0, np.float32))
    (tmp_path / "manifest.csv").write_text("sar,split\na.tif,train\nb.tif,test\n")
    dataset = get_dataset("manifest", tmp_path, class_names=["x"], val_fraction=0.2)
    expected = (f"dataset manifest ({tmp_path / 'manifest.csv'}): val_fraction 0.2 holds out "
                f"whole training scenes as 'val', but there is only one training scene (a) "
                f"and no 'val' scene; give at least 2 training scenes (e.g. cut "
                f"{tmp_path / 'a.tif'} and its partners into two scenes and mark one 'val'")
    with pytest.raises(DataError) as error:
        dataset.scenes()
    assert str(error.value).startswith(expected) and "or set val_fraction 0" in str(error.value)
    assert main(["data", "tile", "--dataset", "manifest", "--root", str(tmp_path),
                 "--class-names", "x", "--val-fraction", "0.2", "--out", str(tmp_path / "t"),
                 "--patch", "8"]) == 1
    assert expected in capsys.readouterr().err and not (tmp_path / "t").exists()
    # No validation set asked for, or a 'val' scene: no error.
    unsplit = get_dataset("manifest", tmp_path, class_names=["x"], val_fraction=0)
    assert [r.split for r in unsplit.scenes()] == ["train", "test"]
    (tmp_path / "manifest.csv").write_text("sar,split\na.tif,train\nb.tif,val\n")
    assert [r.split for r in dataset.scenes()] == ["train", "val"]
    # An adapter's default val_fraction is skipped (a single scene can be evaluated).
    (tmp_path / "whu").mkdir()
    _whu_scene(tmp_path / "whu", "A")
    assert [r.split for r in get_dataset("whu_opt_sar", tmp_path / "whu").scenes()] == ["train"]
    with pytest.raises(DataError, match="val_fraction 0.1 holds out"):
        get_dataset("whu_opt_sar", tmp_path / "whu", val_fraction=0.1).scenes()
