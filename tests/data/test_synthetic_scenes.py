"""The synthetic OPT-SAR generator: layout, determinism, georeference, physics."""

import hashlib

import numpy as np
import pytest
from osgeo import gdal, osr

from mfafnet_tf.cli.main import main
from mfafnet_tf.data import get_dataset, read_split_file
from mfafnet_tf.data.synthetic import (
    STRIP, _nearest_seeds, _plan, _speckle, render_scene, scene_strips, synthesize)
from mfafnet_tf.data.synthetic_profile import DEFAULT, REALISTIC, get_profile
from mfafnet_tf.errors import ConfigError


def _digest(root, folder, name):
    dataset = gdal.Open(str(root / folder / f"{name}.tif"))
    return hashlib.sha256(dataset.ReadAsArray().tobytes()).hexdigest()


def test_layout_dtypes_georeference_and_split(synthetic_root):
    root, split_file = synthetic_root
    splits = read_split_file(split_file)
    assert sorted(splits) == ["SYN0003_000", "SYN0003_001", "SYN0003_002"]
    assert sorted(splits.values()) == ["test", "train", "val"]
    for name in splits:
        optical = gdal.Open(str(root / "optical" / f"{name}.tif"))
        sar = gdal.Open(str(root / "sar" / f"{name}.tif"))
        label = gdal.Open(str(root / "lbl" / f"{name}.tif"))
        assert (optical.RasterCount, sar.RasterCount, label.RasterCount) == (4, 1, 1)
        for dataset in (optical, sar, label):
            assert dataset.GetRasterBand(1).DataType == gdal.GDT_Byte
            assert (dataset.RasterXSize, dataset.RasterYSize) == (80, 64)
        geotransform = optical.GetGeoTransform()
        assert geotransform[1] == 5.0 and geotransform[5] == -5.0
        reference = osr.SpatialReference(wkt=optical.GetProjection())
        assert reference.IsProjected() and reference.GetAuthorityCode(None) == "32650"
        codes = set(np.unique(label.ReadAsArray()).tolist())
        assert codes <= {0, 10, 20, 30, 40, 50, 60, 70}
    dataset = get_dataset("whu_opt_sar", root, split_file=split_file)
    assert len(dataset.scenes()) == 3


def test_same_seed_same_scenes(tmp_path):
    first, second, other = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    for path, seed in ((first, 5), (second, 5), (other, 6)):
        assert main(["data", "synth", "--out", str(path), "--scenes", "2",
                     "--size", "32x48", "--seed", str(seed)]) == 0
    for folder in ("optical", "sar", "lbl"):
        assert _digest(first, folder, "SYN0005_001") == _digest(second, folder, "SYN0005_001")
    assert _digest(first, "sar", "SYN0005_000") != _digest(other, "sar", "SYN0006_000")
    assert (first / "split.txt").read_text() == (second / "split.txt").read_text()


def test_modalities_are_complementary():
    """City/village differ in SAR only; farmland/forest/others in optical only."""
    # Pooled over three scenes: a class covers only a few regions in one scene, and
    # each region has its own brightness factor.
    scenes = [render_scene(np.random.default_rng(seed), (384, 384)) for seed in range(3)]
    optical, sar, labels = (np.concatenate(parts, axis=-1) for parts in zip(*scenes))
    clear = np.ones(labels.shape, bool)  # judge the spectra away from clouds
    clear &= optical.min(axis=0) < 200

    def means(code):
        where = (labels == code) & clear
        return optical[:, where].mean(axis=1), sar[0, where].mean()

    city, village = means(20), means(30)
    assert np.abs(city[0] - village[0]).max() < 10       # optical: confusable
    assert city[1] - village[1] > 30                      # SAR: separable
    farmland, forest, others = means(10), means(50), means(70)
    assert max(abs(farmland[1] - forest[1]), abs(forest[1] - others[1])) < 10
    assert abs(farmland[0][3] - forest[0][3]) > 25        # NIR separates them
    assert abs(others[0][0] - farmland[0][0]) > 50        # red separates them
    water = means(40)
    assert water[1] < village[1] - 60                     # water dark in SAR


def test_clouds_hide_optical_but_not_sar():
    # A scene with clouds over both city and water (as the first checks require).
    optical, sar, labels = render_scene(np.random.default_rng(1), (256, 256))
    cloudy = optical.min(axis=0) > 215
    assert 0.02 < cloudy.mean() < 0.5
    city, water = cloudy & (labels == 20), cloudy & (labels == 40)
    assert city.sum() > 100 and water.sum() > 100
    # Under clouds city and water look alike in the optical, unlike in the SAR,
    # whose city backscatter is the same under clouds as in the clear.
    assert np.abs(optical[:, city].mean(1) - optical[:, water].mean(1)).max() < 15
    assert sar[0][city].mean() > sar[0][water].mean() + 60
    assert abs(sar[0][city].mean() - sar[0][~cloudy & (labels == 20)].mean()) < 5


def test_cloud_nodata_blanks_only_the_cloudy_optical(tmp_path):
    plain, masked = tmp_path / "plain", tmp_path / "masked"
    synthesize(plain, scenes=1, size=(256, 256), seed=1, progress=False)
    assert main(["data", "synth", "--out", str(masked), "--scenes", "1", "--size", "256x256",
                 "--seed", "1", "--cloud-nodata"]) == 0
    name = "SYN0001_000"
    read = {root: {folder: gdal.Open(str(root / folder / f"{name}.tif")).ReadAsArray()
                   for folder in ("optical", "sar", "lbl")} for root in (plain, masked)}
    # Default output unchanged (the scene render_scene draws), SAR and labels alike.
    np.testing.assert_array_equal(read[plain]["optical"], render_scene(
        np.random.default_rng([1, 0]), (256, 256))[0])
    for folder in ("sar", "lbl"):
        np.testing.assert_array_equal(read[plain][folder], read[masked][folder])
    gone = (read[masked]["optical"] == 0).all(axis=0) & (read[plain]["optical"] != 0).all(axis=0)
    assert 0.02 < gone.mean() < 0.5
    kept = ~gone
    clear = kept & (read[plain]["optical"] != 0).all(axis=0)
    # What is masked is the (half or more opaque) cloud tops, far brighter than the ground.
    assert read[plain]["optical"][:, gone].mean() > read[plain]["optical"][:, clear].mean() + 60
    np.testing.assert_array_equal(read[plain]["optical"][:, kept], read[masked]["optical"][:, kept])


def _box_mean(array, size=5):
    """Mean over size x size neighbourhoods of [C, H, W] (edges replicated)."""
    half = size // 2
    padded = np.pad(array.astype(float), ((0, 0), (half + 1, half), (half + 1, half)),
                    mode="edge")
    total = padded.cumsum(1).cumsum(2)
    return (total[:, size:, size:] - total[:, :-size, size:] - total[:, size:, :-size]
            + total[:, :-size, :-size]) / size ** 2


def _gaussian_classifier_accuracy(train, test, codes):
    """Accuracy of a per-class Gaussian classifier trained on pixel features."""
    features = np.concatenate([f.reshape(len(f), -1).T for f, _ in train])
    labels = np.concatenate([l.ravel() for _, l in train])
    test_features = np.concatenate([f.reshape(len(f), -1).T for f, _ in test])
    test_labels = np.concatenate([l.ravel() for _, l in test])
    keep = test_labels > 0
    test_features, test_labels = test_features[keep], test_labels[keep]
    scores, codes = [], [c for c in codes if (labels == c).sum() > 50]
    for code in codes:
        samples = features[labels == code]
        covariance = np.atleast_2d(np.cov(samples.T)) + 1e-3 * np.eye(features.shape[1])
        offset = test_features - samples.mean(axis=0)
        distance = np.einsum("ij,jk,ik->i", offset, np.linalg.inv(covariance), offset)
        scores.append(-0.5 * distance - 0.5 * np.linalg.slogdet(covariance)[1])
    predictions = np.asarray(codes)[np.argmax(scores, axis=0)]
    return (predictions == test_labels).mean()


def test_fusion_beats_each_modality():
    """A simple classifier on both modalities clearly beats either one alone."""
    scenes = [render_scene(np.random.default_rng(seed), (256, 256)) for seed in range(6)]
    smoothed = [(_box_mean(o), _box_mean(s), l) for o, s, l in scenes]
    codes = [10, 20, 30, 40, 50, 60, 70]
    accuracy = {}
    for name, pick in (("optical", lambda o, s: o), ("sar", lambda o, s: s),
                       ("both", lambda o, s: np.concatenate([o, s]))):
        pairs = [(pick(o, s), l) for o, s, l in smoothed]
        accuracy[name] = _gaussian_classifier_accuracy(pairs[:4], pairs[4:], codes)
    assert accuracy["both"] > max(accuracy["optical"], accuracy["sar"]) + 0.1, accuracy


def test_files_are_the_scene_written_strip_by_strip(tmp_path):
    height = STRIP + 44  # a full strip and a partial one
    synthesize(tmp_path, scenes=1, size=(height, 40), seed=2, progress=False)
    expected = render_scene(np.random.default_rng([2, 0]), (height, 40))
    for folder, values in zip(("optical", "sar", "lbl"), expected):
        written = gdal.Open(str(tmp_path / folder / "SYN0002_000.tif")).ReadAsArray()
        np.testing.assert_array_equal(written.reshape(values.shape), values)
    assert len({strip[0] for strip in scene_strips(np.random.default_rng(0), (height, 40))}) == 2


@pytest.mark.parametrize("count", [6, 200])  # sparse seeds need a wider search
def test_region_search_finds_the_nearest_seed(count):
    rng = np.random.default_rng(count)
    seeds = rng.uniform(0, 400, size=(count, 2)).astype(np.float32)
    seeds = seeds[np.argsort(seeds[:, 0])]
    grid = np.mgrid[0:200, 0:400].astype(np.float32)
    rows, columns = grid + rng.normal(0, 20, size=grid.shape).astype(np.float32)
    distance = ((rows[..., None] - seeds[:, 0]) ** 2 + (columns[..., None] - seeds[:, 1]) ** 2)
    np.testing.assert_array_equal(_nearest_seeds(seeds, rows, columns), distance.argmin(-1))


def test_realistic_classes_need_texture_and_context():
    """Per-pixel (5 x 5 mean) features leave the realistic classes far apart from perfect."""
    scenes = [render_scene(np.random.default_rng(seed), (256, 256), REALISTIC)
              for seed in range(6)]
    pairs = [(np.concatenate([_box_mean(o), _box_mean(s)]), l) for o, s, l in scenes]
    accuracy = _gaussian_classifier_accuracy(pairs[:4], pairs[4:], [10, 20, 30, 40, 50, 60, 70])
    assert accuracy < 0.65, accuracy


def test_realistic_sar_is_coarse_and_shifted():
    optical, sar, labels = render_scene(np.random.default_rng(3), (128, 96), REALISTIC)
    valid = sar[0] > 0
    blocks = sar[0].reshape(64, 2, 48, 2)
    whole = valid.reshape(64, 2, 48, 2).all(axis=(1, 3))
    # One native SAR pixel covers 2 x 2 optical pixels.
    assert (blocks.max(axis=(1, 3)) == blocks.min(axis=(1, 3)))[whole].all()
    offsets = [np.hypot(*_plan(np.random.default_rng(seed), (64, 64), REALISTIC).sar_offset)
               for seed in range(40)]
    assert max(offsets) <= 1.5 and max(offsets) > 1.0
    assert _plan(np.random.default_rng(0), (64, 64), DEFAULT).sar_offset == (0.0, 0.0)


@pytest.mark.parametrize("looks", [1, 4])
def test_speckle_has_the_variance_of_its_looks(looks):
    speckle = _speckle(np.random.default_rng(0), (400, 400), looks, 1)
    assert abs(speckle.mean() - 1.0) < 0.01
    assert abs(speckle.var() * looks - 1.0) < 0.03


def test_realistic_clouds_and_seasons():
    shares, gains = [], []
    for seed in range(6):
        optical, _, labels = render_scene(np.random.default_rng(seed), (192, 192), REALISTIC)
        shares.append((optical.min(axis=0) > 200).mean())
        gains.append(_plan(np.random.default_rng(seed), (64, 64), REALISTIC).season.gain)
    assert 0.25 < np.mean(shares) < 0.75, shares
    assert np.ptp(gains) > 0.1  # illumination differs between scenes
    assert _plan(np.random.default_rng(0), (64, 64), DEFAULT).season.gain == 1.0


def test_realistic_profile_from_the_command_line(tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    for path in (first, second):
        assert main(["data", "synth", "--out", str(path), "--scenes", "1", "--size", "40x40",
                     "--seed", "1", "--profile", "realistic", "--looks", "1"]) == 0
    assert _digest(first, "sar", "SYN0001_000") == _digest(second, "sar", "SYN0001_000")
    expected = render_scene(np.random.default_rng([1, 0]), (40, 40), get_profile("realistic", 1))
    written = gdal.Open(str(first / "sar" / "SYN0001_000.tif")).ReadAsArray()
    np.testing.assert_array_equal(written, expected[1][0])
    with pytest.raises(ConfigError, match="synthetic profile"):
        synthesize(tmp_path / "c", scenes=1, size=(8, 8), profile="fancy", progress=False)
