"""``mfafnet predict`` on a full disk and after killed runs: one line, nothing left behind."""

import os
import subprocess
import sys

import numpy as np
import pytest
from osgeo import gdal

from mfafnet_tf.cli.main import main


@pytest.fixture
def saved_model(tmp_path, position_model):
    path = tmp_path / "position.keras"
    position_model.save(path)
    return str(path)


def _predict(model, optical, sar, out, *extra):
    return main(["predict", "--model", model, "--optical", optical, "--sar", sar, "--out", str(out),
                 "--tile", "16", "--overlap", "4", "--quiet", *extra])


def _assert_one_line_naming(err, *paths):
    """One line that names the output being written (of ``paths``) and says the disk is full."""
    assert err.count("\n") == 1 and "Traceback" not in err and "Exception ignored" not in err, err
    assert err.startswith("mfafnet predict: error: ") and "no space left" in err
    assert any(f"{path}: cannot be written" in err for path in paths), err


@pytest.mark.filterwarnings("error::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.parametrize("extra", [[], ["--cog"]])
def test_full_disk_is_one_line_naming_out_and_leaves_nothing(full_disk, coordinate_scene, saved_model, capsys,
                                                           extra):
    optical, sar, _, _ = coordinate_scene(40, 40)
    out, probabilities = full_disk / "map.tif", full_disk / "map_prob.tif"
    assert _predict(saved_model, optical, sar, out, "--probabilities", str(probabilities), *extra) == 1
    _assert_one_line_naming(capsys.readouterr().err, out, probabilities)
    assert os.listdir(full_disk) == ["filler.bin"]


@pytest.mark.filterwarnings("error::pytest.PytestUnraisableExceptionWarning")
def test_gdal_out_of_space_is_one_line_naming_out(tmp_path, coordinate_scene, saved_model, capsys, monkeypatch):
    """Where no small file system can be mounted: GDAL's own error, injected."""
    def full(*_args, **_kwargs):
        raise RuntimeError("_tiffWriteProc:No space left on device")

    optical, sar, _, _ = coordinate_scene(40, 40)
    monkeypatch.setattr(gdal.Band, "WriteArray", full)
    out = tmp_path / "out" / "map.tif"
    assert _predict(saved_model, optical, sar, out) == 1
    _assert_one_line_naming(capsys.readouterr().err, out)
    assert os.listdir(tmp_path / "out") == []


def _leftovers(folder):
    """What killed runs leave: temporaries of the map and of its ``_prob`` twin, a GDAL sidecar,
    and a scratch folder of ``--cog``; no process holds them any more."""
    names = [".map.tif.k1ll3d0a.tmp", ".map.tif.k1ll3d0b.tmp", ".map.tif.k1ll3d0b.tmp.aux.xml",
             ".map_prob.tif.k1ll3d0c.tmp", ".map.tif.k1ll3d0d.tmp"]
    for name in names[:-1]:
        (folder / name).write_bytes(b"partial")
        os.chmod(folder / name, 0o600)
    (folder / names[-1]).mkdir()
    (folder / names[-1] / "class_map.tif").write_bytes(b"partial")
    return names


# Files that look alike but are not this command's temporaries: they stay.
OTHERS = [".map.tif.backup", "map.tif.k1ll3d0a.tmp", ".other.tif.k1ll3d0a.tmp", ".map.tif.k1ll3d0a.tmp.bak",
          "notes.tmp"]


@pytest.mark.parametrize("extra", [[], ["--cog"]])
def test_rerun_removes_what_killed_runs_left_and_nothing_else(tmp_path, coordinate_scene, saved_model, extra):
    optical, sar, _, _ = coordinate_scene(24, 24)
    folder = tmp_path / "maps"
    folder.mkdir()
    _leftovers(folder)
    for name in OTHERS:
        (folder / name).write_text("keep")
    assert _predict(saved_model, optical, sar, folder / "map.tif", "--probabilities",
                    str(folder / "map_prob.tif"), *extra) == 0
    assert sorted(os.listdir(folder)) == sorted(OTHERS + ["map.tif", "map.tif.aux.xml", "map_prob.tif"])


def test_a_live_run_keeps_its_temporaries(tmp_path, coordinate_scene, saved_model):
    """Another run still writing into the same folder (it holds its temporary) is left alone."""
    optical, sar, _, _ = coordinate_scene(24, 24)
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time\n"
         "from mfafnet_tf.data.atomic import atomic_path\n"
         "with atomic_path(sys.argv[1]) as temporary:\n"
         "    print(temporary, flush=True)\n"
         "    time.sleep(120)\n", str(tmp_path / "map.tif")],
        stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    try:
        live = holder.stdout.readline().strip()
        assert _predict(saved_model, optical, sar, tmp_path / "map.tif") == 0
        assert os.path.exists(live)
    finally:
        holder.kill()
        holder.wait()
    np.testing.assert_array_equal(gdal.Open(str(tmp_path / "map.tif")).RasterXSize, 24)
