"""Atomic writes: nothing at the target on failure, normal permissions on success."""

import os
import stat

import pytest

from mfafnet_tf.data.atomic import atomic_path, remove_stale, temporary_pattern, write_text


def test_result_has_the_permissions_of_a_new_file(tmp_path):
    umask = os.umask(0o022)
    try:
        write_text(tmp_path / "a.json", "{}")
    finally:
        os.umask(umask)
    assert stat.S_IMODE((tmp_path / "a.json").stat().st_mode) == 0o644


def test_failure_leaves_neither_target_nor_temporary(tmp_path):
    target = tmp_path / "b.txt"
    with pytest.raises(RuntimeError):
        with atomic_path(target) as temporary:
            with open(temporary, "w") as stream:
                stream.write("partial")
            raise RuntimeError("interrupted")
    assert list(tmp_path.iterdir()) == []


def test_remove_stale_removes_only_the_temporary_files_of_its_path(tmp_path):
    # Killed writers': mkstemp's 8 characters, and an older release's process id.
    leftovers = [".best.keras.k2j4x9ab.tmp.keras", ".best.keras.4242.tmp.keras"]
    others = ["best.keras", "best.keras.1.tmp.keras", ".best.keras", ".model.keras.1.tmp.keras",
              ".best.keras.1.tmp", ".best.keras.backup.tmp.keras"]
    for name in leftovers + others:
        (tmp_path / name).write_text("x")
    remove_stale(tmp_path, temporary_pattern(tmp_path / "best.keras", ".tmp.keras"))
    assert not set(os.listdir(tmp_path)) & set(leftovers)
    assert sorted(os.listdir(tmp_path)) == sorted(others)


def test_durable_write_lands_at_the_target(tmp_path, monkeypatch):
    flushed = []
    real_fsync = os.fsync
    monkeypatch.setattr(os, "fsync", lambda handle: (flushed.append(os.fstat(handle).st_ino),
                                                      real_fsync(handle)))
    write_text(tmp_path / "state.json", "{}", durable=True)
    assert os.listdir(tmp_path) == ["state.json"]
    assert (tmp_path / "state.json").read_text() == "{}"
    # The file, then the folder that holds its new name.
    assert flushed == [os.stat(tmp_path / "state.json").st_ino, os.stat(tmp_path).st_ino]
    flushed.clear()
    write_text(tmp_path / "other.json", "{}")
    assert flushed == []


def test_full_disk_is_a_data_error_naming_the_file(full_disk):
    from mfafnet_tf.errors import DataError

    with pytest.raises(DataError, match=f"^{full_disk / 'a.json'}: cannot be written, no space left on device$"):
        write_text(full_disk / "a.json", "x" * 100_000)
    assert os.listdir(full_disk) == ["filler.bin"]


def test_an_unlocked_temporary_can_be_written_by_hdf5(tmp_path):
    """HDF5 locks the file it creates; a temporary this process holds locked would refuse it."""
    import h5py

    with atomic_path(tmp_path / "w.h5", suffix=".tmp.h5", locked=False) as temporary:
        with h5py.File(temporary, "w") as stream:
            stream["x"] = [1, 2, 3]
    with h5py.File(tmp_path / "w.h5", "r") as stream:
        assert list(stream["x"][:]) == [1, 2, 3]
    assert os.listdir(tmp_path) == ["w.h5"]
