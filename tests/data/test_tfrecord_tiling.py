"""Tiling scenes into sharded TFRecords: reassembly, index, dropping nodata, CLI."""

import json
import os

import numpy as np
import tensorflow as tf

from tiny_rasters import write_raster
from mfafnet_tf.cli.main import main
from mfafnet_tf.data import Window, get_dataset
from mfafnet_tf.data.tfrecord import decode_patches
from mfafnet_tf.data.tiling import tile_dataset


def _read_split(out_dir, index, split):
    files = [os.path.join(out_dir, name) for name in index["splits"][split]["shards"]]
    serialized = tf.constant(list(tf.data.TFRecordDataset(files).as_numpy_iterator()))
    patches = decode_patches(serialized, index["optical_channels"],
                             index["sar_channels"], index["patch"])
    return {key: value.numpy() for key, value in patches.items()}


def test_tiles_reassemble_to_the_scene(tmp_path, synthetic_root):
    root, split_file = synthetic_root
    dataset = get_dataset("whu_opt_sar", root, split_file=split_file)
    index = tile_dataset(dataset, tmp_path, patch=32, stride=24, min_valid=0.0,
                         shard_size=4, progress=False)
    for record in dataset.scenes():
        patches = _read_split(tmp_path, index, record.split)
        mine = patches["scene"] == record.name.encode()
        with dataset.open(record) as scene:
            full = scene.read(Window(0, 0, scene.width, scene.height))
        labels = dataset.map_labels(full.label)
        labels[~full.valid] = 255
        optical = np.full(full.optical.shape, -1.0, np.float32)
        sar = np.full(full.sar.shape, -1.0, np.float32)
        pasted = np.full(labels.shape, 254, np.uint8)
        positions = set()
        for i in np.flatnonzero(mine):
            x, y = patches["x"][i], patches["y"][i]
            positions.add((int(x), int(y)))
            optical[y:y + 32, x:x + 32] = patches["optical"][i]
            sar[y:y + 32, x:x + 32] = patches["sar"][i]
            pasted[y:y + 32, x:x + 32] = patches["label"][i]
        assert positions == {(x, y) for y in (0, 24, 32) for x in (0, 24, 48)}
        np.testing.assert_array_equal(optical, full.optical)
        np.testing.assert_array_equal(sar, full.sar)
        np.testing.assert_array_equal(pasted, labels)


def test_index_counts_shards_and_splits(tmp_path, synthetic_root):
    root, split_file = synthetic_root
    dataset = get_dataset("whu_opt_sar", root, split_file=split_file)
    index = tile_dataset(dataset, tmp_path, patch=32, shard_size=2, min_valid=0.0,
                         progress=False)
    assert json.loads((tmp_path / "index.json").read_text()) == index
    assert (index["optical_channels"], index["sar_channels"], index["num_classes"]) == (4, 1, 7)
    for split, entry in index["splits"].items():
        assert entry["scenes"] == [r.name for r in dataset.scenes(split)]
        patches = _read_split(tmp_path, index, split)
        assert entry["patches"] == len(patches["label"]) == 6  # 2 rows x 3 columns
        assert entry["shards"] == [f"{split}-{i:05d}-of-00003.tfrecord" for i in range(3)]
        counts = np.bincount(patches["label"].ravel(), minlength=256)[:7]
        assert entry["class_pixels"] == counts.tolist()
    assert not [n for n in os.listdir(tmp_path) if n.startswith(".")]
    # Tiling again with bigger shards replaces the old shards.
    tile_dataset(dataset, tmp_path, patch=32, shard_size=100, progress=False)
    assert sorted(n for n in os.listdir(tmp_path) if n.endswith(".tfrecord")) == [
        "test-00000-of-00001.tfrecord", "train-00000-of-00001.tfrecord",
        "val-00000-of-00001.tfrecord"]


def test_mostly_nodata_patches_are_dropped_and_small_scenes_padded(tmp_path, rng):
    optical = rng.integers(1, 255, size=(24, 40, 4), dtype=np.uint8)
    optical[:, :20] = 0                          # left half has no data
    root = tmp_path / "whu"
    for folder, array in (("optical", optical),
                          ("sar", rng.integers(1, 255, size=(24, 40), dtype=np.uint8)),
                          ("lbl", np.full((24, 40), 50, np.uint8))):
        (root / folder).mkdir(parents=True)
        write_raster(root / folder / "A.tif", array, nodata=0 if folder != "lbl" else None)
    dataset = get_dataset("whu_opt_sar", root, val_fraction=0)
    index = tile_dataset(dataset, tmp_path / "out", patch=8, min_valid=0.5, progress=False)
    entry = index["splits"]["train"]
    assert (entry["patches"], entry["dropped"]) == (9, 6)  # 3 rows x (0, 8) dropped
    patches = _read_split(tmp_path / "out", index, "train")
    assert sorted(set(patches["x"].tolist())) == [16, 24, 32]
    half = patches["x"] == 16                    # exactly half valid: kept
    assert (patches["label"][half][:, :, :4] == 255).all()
    assert (patches["label"][half][:, :, 4:] == 4).all()
    assert (patches["label"][~half] == 4).all()
    # A patch larger than the scene is padded with NaN inputs and ignore labels.
    index = tile_dataset(dataset, tmp_path / "big", patch=48, min_valid=0.0, progress=False)
    (patch,) = _read_split(tmp_path / "big", index, "train")["label"]
    assert (patch[24:] == 255).all() and (patch[:, 40:] == 255).all()
    assert (patch[:24, :20] == 255).all() and (patch[:24, 20:40] == 4).all()


def test_tile_command(tmp_path, synthetic_root, capsys):
    root, split_file = synthetic_root
    code = main(["data", "tile", "--dataset", "whu_opt_sar", "--root", str(root),
                 "--out", str(tmp_path), "--patch", "32", "--stride", "32",
                 "--split-file", str(split_file)])
    assert code == 0
    index = json.loads((tmp_path / "index.json").read_text())
    assert set(index["splits"]) == {"train", "val", "test"}
    out = capsys.readouterr().out
    for split, entry in index["splits"].items():
        assert entry["patches"] + entry["dropped"] == 6   # 2 rows x 3 columns
        assert f"{split}: {entry['patches']} patches from 1 scene(s) in 1 shard(s)" in out


def test_at_most_one_scene_is_open_at_a_time(tmp_path, synthetic_root, monkeypatch):
    root, split_file = synthetic_root
    dataset = get_dataset("whu_opt_sar", root, split_file=split_file)
    open_scenes, most = set(), []
    real_open = type(dataset).open

    def tracked_open(self, record):
        scene = real_open(self, record)
        real_close = scene.close

        def close():
            open_scenes.discard(id(scene))
            real_close()

        scene.close = close
        open_scenes.add(id(scene))
        most.append(len(open_scenes))
        return scene

    monkeypatch.setattr(type(dataset), "open", tracked_open)
    index = tile_dataset(dataset, tmp_path, patch=32, min_valid=0.0, progress=False)
    assert sum(e["patches"] for e in index["splits"].values()) == 18
    assert max(most) == 1 and not open_scenes


def test_padding_does_not_count_against_the_valid_share(tmp_path, rng):
    root = tmp_path / "whu"
    for folder, array in (("optical", rng.integers(1, 255, size=(20, 20, 4), dtype=np.uint8)),
                          ("sar", rng.integers(1, 255, size=(20, 20), dtype=np.uint8)),
                          ("lbl", np.full((20, 20), 30, np.uint8))):
        (root / folder).mkdir(parents=True)
        write_raster(root / folder / "A.tif", array)
    dataset = get_dataset("whu_opt_sar", root, val_fraction=0)
    index = tile_dataset(dataset, tmp_path / "out", patch=32, min_valid=0.5, progress=False)
    assert (index["splits"]["train"]["patches"], index["splits"]["train"]["dropped"]) == (1, 0)


def test_declared_label_nodata_is_ignored(tmp_path, rng):
    from mfafnet_tf.data.check import check_dataset

    label = rng.choice(np.array([-1, 1, 2], np.int16), size=(16, 16))
    write_raster(tmp_path / "s2.tif", rng.integers(1, 99, size=(16, 16, 3), dtype=np.int16))
    write_raster(tmp_path / "s1.tif", rng.normal(-12, 3, size=(16, 16)).astype(np.float32))
    write_raster(tmp_path / "lc.tif", label, nodata=-1)
    (tmp_path / "manifest.csv").write_text("optical,sar,label\ns2.tif,s1.tif,lc.tif\n")
    dataset = get_dataset("manifest", tmp_path, class_names=["crop", "forest"],
                          label_map="1:0,2:1", val_fraction=0)
    (report,), problems = check_dataset(dataset, progress=False)
    assert report.problem is None and not problems
    index = tile_dataset(dataset, tmp_path / "out", patch=16, min_valid=0.0, progress=False)
    (patch,) = _read_split(tmp_path / "out", index, "train")["label"]
    np.testing.assert_array_equal(patch, np.select([label == 1, label == 2], [0, 1], 255))


def _two_scene_root(tmp_path, rng):
    """WHU layout: scene A's left half is background (ignore), scene B all nodata."""
    root = tmp_path / "whu"
    label = np.full((16, 32), 50, np.uint8)
    label[:, :16] = 0
    scenes = {
        "A": (rng.integers(1, 255, size=(16, 32, 4), dtype=np.uint8), label),
        "B": (np.zeros((16, 32, 4), np.uint8), np.full((16, 32), 50, np.uint8)),
    }
    for name, (optical, label) in scenes.items():
        for folder, array in (("optical", optical),
                              ("sar", rng.integers(1, 255, size=(16, 32), dtype=np.uint8)),
                              ("lbl", label)):
            (root / folder).mkdir(parents=True, exist_ok=True)
            write_raster(root / folder / f"{name}.tif", array,
                         nodata=0 if folder == "optical" else None)
    return root


def test_per_scene_counts_and_unlabelled_patches(tmp_path, rng):
    dataset = get_dataset("whu_opt_sar", _two_scene_root(tmp_path, rng), val_fraction=0)
    index = tile_dataset(dataset, tmp_path / "out", patch=8, progress=False)
    entry = index["splits"]["train"]
    assert entry["scene_patches"] == {
        "A": {"kept": 4, "dropped_nodata": 0, "dropped_unlabelled": 4},
        "B": {"kept": 0, "dropped_nodata": 8, "dropped_unlabelled": 0}}
    assert (entry["patches"], entry["dropped"], entry["empty_scenes"]) == (4, 12, ["B"])
    assert json.loads((tmp_path / "out" / "index.json").read_text()) == index
    assert (_read_split(tmp_path / "out", index, "train")["x"] >= 16).all()
    kept = tile_dataset(dataset, tmp_path / "all", patch=8, keep_unlabelled=True,
                        progress=False)
    assert kept["keep_unlabelled"] and kept["splits"]["train"]["scene_patches"]["A"] == {
        "kept": 8, "dropped_nodata": 0, "dropped_unlabelled": 0}


def test_tile_command_names_what_it_drops(tmp_path, rng, capsys):
    root = _two_scene_root(tmp_path, rng)
    arguments = ["data", "tile", "--dataset", "whu_opt_sar", "--root", str(root),
                 "--val-fraction", "0", "--patch", "8", "--out"]
    assert main(arguments + [str(tmp_path / "out")]) == 0
    out = capsys.readouterr().out
    assert "train: 4 patches from 2 scene(s) in 1 shard(s), 12 dropped" in out
    assert "  A: 4 kept, 0 dropped (valid share < 0.5), 4 dropped (labels all ignore)" in out
    assert "  B: 0 kept, 8 dropped (valid share < 0.5), 0 dropped" in out
    assert "WARNING: scene B (train) lost all its patches" in out
    assert "scene A" not in out
    assert main(arguments + [str(tmp_path / "all"), "--keep-unlabelled"]) == 0
    assert "  A: 8 kept" in capsys.readouterr().out


def _tile(root, split_file, out, *extra):
    return main(["data", "tile", "--dataset", "whu_opt_sar", "--root", str(root), "--out", str(out),
                 "--patch", "32", "--split-file", str(split_file), "--min-valid", "0", *extra])


def _assert_no_space_line(err, out):
    """The error is one line (after the progress bar) naming ``out`` and saying the disk is full."""
    assert "Traceback" not in err and "Error" not in err, err
    assert err.endswith("\n") and err.splitlines()[-1].startswith(f"mfafnet data: error: {out}: "), err
    assert "no space left" in err.splitlines()[-1]


def test_full_disk_is_one_line_naming_out_and_leaves_no_shard(full_disk, synthetic_root, capsys):
    root, split_file = synthetic_root
    assert _tile(root, split_file, full_disk, "--shard-size", "2") == 1
    _assert_no_space_line(capsys.readouterr().err, full_disk)
    assert os.listdir(full_disk) == ["filler.bin"]


class _FullDiskWriter:
    """A TFRecordWriter on a disk that fills after two records; closing fails as well."""

    def __init__(self, path):
        self.records = 0
        open(path, "wb").close()

    def write(self, _record):
        self.records += 1
        if self.records > 2:
            raise tf.errors.ResourceExhaustedError(None, None, "")

    def close(self):
        raise tf.errors.ResourceExhaustedError(None, None, "")


def test_out_of_space_in_tensorflow_is_one_line_and_cleaned_up(tmp_path, synthetic_root, capsys, monkeypatch):
    """Where no small file system can be mounted: TensorFlow's own error, injected."""
    root, split_file = synthetic_root
    monkeypatch.setattr(tf.io, "TFRecordWriter", _FullDiskWriter)
    assert _tile(root, split_file, tmp_path, "--shard-size", "2") == 1
    _assert_no_space_line(capsys.readouterr().err, tmp_path)
    assert os.listdir(tmp_path) == []


def test_rerun_removes_shards_that_killed_runs_left(tmp_path, synthetic_root):
    """Temporary shards of killed runs (any shard size) go; other files stay."""
    root, split_file = synthetic_root
    stale = [f".train-{i:05d}.tfrecord.tmp" for i in range(28)] + [".val-00003.tfrecord.tmp"]
    others = [".train-00000.tfrecord.bak", "train-00000.tfrecord.tmp", "notes.tmp", ".train.tfrecord.tmp"]
    for name in stale + others:
        (tmp_path / name).write_bytes(b"partial")
    assert _tile(root, split_file, tmp_path, "--shard-size", "7") == 0
    index = json.loads((tmp_path / "index.json").read_text())
    shards = [name for entry in index["splits"].values() for name in entry["shards"]]
    assert sorted(os.listdir(tmp_path)) == sorted(others + shards + ["index.json"])
