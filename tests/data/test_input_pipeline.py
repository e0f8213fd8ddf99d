"""tf.data pipelines: outputs, sample weights, aligned augmentation, window source."""

import json

import numpy as np
import pytest
import tensorflow as tf

from mfafnet_tf.data import get_dataset, make_dataset, make_window_dataset
from mfafnet_tf.data.tfrecord import encode_patch
from mfafnet_tf.data.tiling import tile_dataset
from mfafnet_tf.errors import DataError

PATCH = 16


@pytest.fixture(scope="module")
def coded_tiles(tmp_path_factory):
    """Patches whose inputs encode their label: optical[c] = 10*label + c, sar = 10*label + 5.

    Any misalignment between optical, SAR and labels breaks the relation.
    """
    out = tmp_path_factory.mktemp("coded")
    rng = np.random.default_rng(0)
    with tf.io.TFRecordWriter(str(out / "train-00000-of-00001.tfrecord")) as writer:
        for index in range(10):
            label = rng.integers(0, 3, size=(PATCH, PATCH)).astype(np.uint8)
            label[:2, :5] = 255
            optical = 10.0 * label[..., None] + np.arange(4)
            sar = 10.0 * label[..., None] + 5
            writer.write(encode_patch(optical, sar, label, f"s{index}", 0, 0))
    index = {"dataset": "coded", "patch": PATCH, "stride": PATCH, "optical_channels": 4,
             "sar_channels": 1, "num_classes": 3, "class_names": ["a", "b", "c"],
             "splits": {"train": {"patches": 10, "shards": ["train-00000-of-00001.tfrecord"],
                                  "class_pixels": [0, 0, 0], "scenes": []}}}
    (out / "index.json").write_text(json.dumps(index))
    return out


def _batches(dataset):
    return [tuple(tf.nest.map_structure(lambda t: t.numpy(), b)) for b in dataset]


def test_outputs_and_sample_weights(coded_tiles):
    batches = _batches(make_dataset(coded_tiles, "train", 4, class_weights=[1.0, 2.0, 0.5]))
    assert [b[1].shape[0] for b in batches] == [4, 4, 2]
    inputs, labels, weights = batches[0]
    assert inputs["optical"].shape == (4, PATCH, PATCH, 4) and inputs["optical"].dtype == np.float32
    assert inputs["sar"].shape == (4, PATCH, PATCH, 1)
    assert labels.dtype == np.int32 and weights.dtype == np.float32
    expected = np.select([labels == 0, labels == 1, labels == 2], [1.0, 2.0, 0.5], 0.0)
    np.testing.assert_array_equal(weights, expected)
    assert (weights[labels == 255] == 0).all() and (labels == 255).any()
    dropped = _batches(make_dataset(coded_tiles, "train", 4, drop_remainder=True))
    assert [b[1].shape[0] for b in dropped] == [4, 4]


def test_augmentation_keeps_modalities_and_labels_aligned(coded_tiles):
    plain = _batches(make_dataset(coded_tiles, "train", 10))[0]
    augmented = _batches(make_dataset(coded_tiles, "train", 10, training=True, seed=3))[0]
    inputs, labels, weights = augmented
    ignore = labels == 255
    code = np.where(ignore, 0, labels)[..., None]
    ok = ~ignore[..., None]
    assert (np.where(ok, inputs["optical"] == 10.0 * code + np.arange(4), True)).all()
    assert (np.where(ok, inputs["sar"] == 10.0 * code + 5, True)).all()
    assert (weights[ignore] == 0).all() and (weights[~ignore] == 1).all()
    # Shuffled and transformed, but the same multiset of patches up to symmetry.
    def canonical(label):
        variants = [np.rot90(v, k) for v in (label, label.T) for k in range(4)]
        return min(v.tobytes() for v in variants)
    assert sorted(map(canonical, labels)) == sorted(map(canonical, plain[1]))
    assert any(not np.array_equal(a, b) for a, b in zip(labels, plain[1]))
    again = _batches(make_dataset(coded_tiles, "train", 10, training=True, seed=3))[0]
    np.testing.assert_array_equal(again[1], labels)


def test_speckle_and_modality_dropout(coded_tiles):
    inputs, labels, _ = _batches(make_dataset(
        coded_tiles, "train", 10, speckle=True, modality_dropout=1.0, seed=1))[0]
    optical_gone = np.isnan(inputs["optical"]).all(axis=(1, 2, 3))
    sar_gone = np.isnan(inputs["sar"]).all(axis=(1, 2, 3))
    assert (optical_gone ^ sar_gone).all()        # exactly one modality per example
    assert optical_gone.any() and sar_gone.any()
    kept = inputs["sar"][~sar_gone][..., 0]
    clean = 10.0 * labels[~sar_gone] + 5
    valid = labels[~sar_gone] != 255
    ratio = kept[valid] / clean[valid]
    assert ratio.std() > 0.2 and abs(ratio.mean() - 1) < 0.1   # Gamma(4) speckle


@pytest.mark.parametrize("key, masked, kept", [("cloud_dropout", "optical", "sar"),
                                                ("sar_gap_dropout", "sar", "optical")])
def test_region_dropout_masks_smooth_regions_of_one_modality_only(coded_tiles, key, masked, kept):
    def first_batch(rate, seed):
        return _batches(make_dataset(coded_tiles, "train", 10, seed=seed, **{key: rate}))[0]

    inputs, labels, weights = first_batch(1.0, 4)
    clean_inputs, clean_labels, clean_weights = first_batch(0.0, 4)
    gaps = np.isnan(inputs[masked])
    assert (gaps == gaps[..., :1]).all()  # every band of a masked pixel
    share = gaps[..., 0].mean(axis=(1, 2))
    assert (share > 0.05).all() and (share < 0.95).all() and share.std() > 0.05
    # Cloud-shaped: a masked pixel's neighbours are mostly masked too (not salt and pepper).
    mask = gaps[..., 0]
    same = (mask[:, 1:] == mask[:, :-1]).mean()
    assert same > 0.85
    np.testing.assert_array_equal(inputs[masked][~gaps], clean_inputs[masked][~gaps])
    np.testing.assert_array_equal(inputs[kept], clean_inputs[kept])
    np.testing.assert_array_equal(labels, clean_labels)
    np.testing.assert_array_equal(weights, clean_weights)
    again = first_batch(1.0, 4)[0]
    np.testing.assert_array_equal(np.isnan(again[masked]), gaps)
    assert not np.array_equal(np.isnan(first_batch(1.0, 5)[0][masked]), gaps)
    assert not np.isnan(first_batch(0.0, 4)[0][masked]).any()


def test_dropout_warmup_ramps_the_shares_from_the_first_step(coded_tiles):
    def dropped(first_step, warmup):
        batches = _batches(make_dataset(
            coded_tiles, "train", 10, repeat=True, modality_dropout=1.0, cloud_dropout=1.0,
            dropout_warmup=warmup, first_step=first_step, seed=2).take(3))
        return np.mean([np.isnan(inputs["optical"]).mean() + np.isnan(inputs["sar"]).mean()
                        for inputs, _, _ in batches])

    # Early in a long warm-up almost nothing is dropped; after it (a resumed run's
    # first step counts), as much as without one.
    assert dropped(0, 1000) < 0.05
    full = dropped(1000, 0)
    assert full > 0.5 and dropped(1000, 1000) == pytest.approx(full)
    assert dropped(0, 2) > dropped(0, 1000)


def test_missing_split_is_an_error(coded_tiles):
    with pytest.raises(DataError, match="no split 'val'; it has train"):
        make_dataset(coded_tiles, "val", 2)


def test_window_source_matches_tiles(tmp_path, synthetic_root):
    root, split_file = synthetic_root
    dataset = get_dataset("whu_opt_sar", root, split_file=split_file)
    tile_dataset(dataset, tmp_path, patch=32, min_valid=0.0, progress=False)
    tiled = _batches(make_dataset(tmp_path, "train", 8))
    windowed = _batches(make_window_dataset(dataset, "train", 32, 8, min_valid=0.0))
    assert len(tiled) == len(windowed) == 1
    np.testing.assert_array_equal(tiled[0][1], windowed[0][1])
    np.testing.assert_array_equal(tiled[0][0]["optical"], windowed[0][0]["optical"])
    np.testing.assert_array_equal(tiled[0][0]["sar"], windowed[0][0]["sar"])
    np.testing.assert_array_equal(tiled[0][2], windowed[0][2])


def test_package_exports_are_plain_imports():
    import mfafnet_tf.data as data

    assert set(data.__all__) <= set(vars(data))
    assert data.tile_dataset.__module__ == "mfafnet_tf.data.tiling"
    assert data.make_window_dataset.__module__ == "mfafnet_tf.data.pipeline"
