"""Streaming band statistics equal numpy's on small data."""

import json

import numpy as np
import pytest

from tiny_rasters import write_raster
from mfafnet_tf.cli.main import main
from mfafnet_tf.data import Window, open_scene
from mfafnet_tf.data import stats as stats_module
from mfafnet_tf.data.stats import compute_stats
from mfafnet_tf.errors import ConfigError


def _expected(values, transform):
    values = values.reshape(-1, values.shape[-1]).astype(np.float64)
    values = values[np.isfinite(values).all(axis=1)]
    if transform == "db":
        values = 10 * np.log10(np.maximum(values, 1e-6))
    return values.mean(axis=0), values.std(axis=0), len(values)


@pytest.mark.parametrize("transform", ["none", "db"])
def test_stats_equal_numpy(tmp_path, rng, monkeypatch, transform):
    monkeypatch.setattr(stats_module, "STRIP_ROWS", 7)   # many strips to merge
    pairs, opticals, sars = [], [], []
    for index in range(2):
        optical = rng.normal(1000 + 500 * index, 200, size=(30, 20, 3)).astype(np.float32)
        optical[3, 4, 1] = np.nan
        sar = rng.gamma(2.0, 0.05 * (index + 1), size=(30, 20, 2)).astype(np.float32)
        sar[5, :, 0] = -1.0
        pairs.append((write_raster(tmp_path / f"o{index}.tif", optical),
                      write_raster(tmp_path / f"s{index}.tif", sar, nodata=-1.0)))
        with open_scene(*pairs[-1]) as scene:
            window = scene.read(Window(0, 0, 20, 30))
        opticals.append(window.optical)
        sars.append(window.sar)
    scenes = [open_scene(*pair) for pair in pairs]
    try:
        result = compute_stats(scenes, sar_transform=transform, progress=False)
    finally:
        for scene in scenes:
            scene.close()
    for key, arrays, used in (("optical", opticals, "none"), ("sar", sars, transform)):
        mean, std, count = _expected(np.concatenate(arrays), used)
        np.testing.assert_allclose(result[key]["mean"], mean, rtol=1e-9)
        np.testing.assert_allclose(result[key]["std"], std, rtol=1e-9)
        assert result[key]["count"] == count
        assert result[key]["transform"] == used
    assert result["optical"]["count"] == 2 * 600 - 2
    assert result["sar"]["count"] == 2 * 600 - 2 * 20


def test_unknown_transform_is_a_config_error(scene_files):
    with open_scene(scene_files["optical"], scene_files["sar"]) as scene:
        with pytest.raises(ConfigError, match="found 'ln'"):
            compute_stats([scene], sar_transform="ln", progress=False)


def test_stats_command_writes_the_model_format(tmp_path, synthetic_root):
    root, split_file = synthetic_root
    out = tmp_path / "stats.json"
    code = main(["data", "stats", "--dataset", "whu_opt_sar", "--root", str(root),
                 "--split-file", str(split_file), "--split", "train",
                 "--sar-transform", "db", "--out", str(out)])
    assert code == 0
    stats = json.loads(out.read_text())
    assert set(stats) == {"optical", "sar"}
    assert len(stats["optical"]["mean"]) == 4 and len(stats["sar"]["std"]) == 1
    assert stats["sar"]["transform"] == "db" and stats["optical"]["transform"] == "none"
    assert 0 < stats["optical"]["count"] <= 64 * 80
    assert 0 < stats["sar"]["mean"][0] < 10 * np.log10(255)
