"""Auxiliary cross-entropies (per stream, per fallback decoder) and the validity gate:
label sampling, loss values, training, saving."""

import keras
import numpy as np
import pytest

from mfafnet_tf.errors import ConfigError
from mfafnet_tf.losses import SegmentationCrossEntropy
from mfafnet_tf.models import MFAFNet
from mfafnet_tf.losses.auxiliary_cross_entropy import fallback_loss, sample_at_stride, stream_loss


def test_sample_at_stride_takes_block_centres_and_pads_with_fill():
    values = np.arange(30, dtype="int32").reshape(1, 5, 6)
    sampled = np.asarray(sample_at_stride(values, 3, 4, 2, 255))
    padded = np.full((1, 6, 8), 255, "int32")
    padded[:, :5, :6] = values
    np.testing.assert_array_equal(sampled, padded[:, 1::2, 1::2])
    assert sampled[0, 2, 0] == 255 and sampled[0, 0, 3] == 255  # from the padding


def _cross_entropy(labels, logits, weights):
    """Numpy reference: weighted mean over labelled pixels of -log softmax."""
    logits = logits - logits.max(-1, keepdims=True)
    log_probabilities = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    valid = labels != 255
    picked = np.take_along_axis(log_probabilities, np.where(valid, labels, 0)[..., None], -1)[..., 0]
    return (-picked * weights * valid).sum() / valid.sum()


def test_stream_loss_is_the_mean_cross_entropy_of_the_sampled_labels():
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 3, (2, 8, 8)).astype("int32")
    labels[:, :3] = 255
    weights = rng.uniform(0.5, 2.0, (2, 8, 8)).astype("float32")
    logits = [rng.normal(size=(2, 4, 4, 3)).astype("float32"),
              rng.normal(size=(2, 2, 2, 3)).astype("float32")]
    loss = float(stream_loss(labels, weights, logits, [2, 4], 255))
    expected = np.mean([
        _cross_entropy(labels[:, 1::2, 1::2], logits[0], weights[:, 1::2, 1::2]),
        _cross_entropy(labels[:, 2::4, 2::4], logits[1], weights[:, 2::4, 2::4]),
    ])
    assert loss == pytest.approx(expected, rel=1e-5)


def test_stream_heads_add_their_weighted_loss_and_leave_inference_alone(batch, tmp_path):
    x, labels = batch
    common = {"num_classes": 4, "preset": "tiny", "alignment": "none", "fallback_decoders": 0.0}
    plain = MFAFNet(**common, stream_supervision=0.0)
    model = MFAFNet(**common, stream_supervision=0.5)
    # One 1x1 classifier (kernel and bias) per modality, on its full-resolution stem and at every level.
    assert len(model.trainable_weights) == len(plain.trainable_weights) + 2 * 2 * (1 + 4)
    model.compile(run_eagerly=True)
    logits, *streams = model._supervised(x, training=True)
    assert [s.shape[1] for s in streams] == [32, 32, 16, 16, 8, 8, 4, 4, 2, 2]
    strides = [1, 1, 2, 2, 4, 4, 8, 8, 16, 16]
    expected = (float(SegmentationCrossEntropy()(labels, logits))
                + 0.5 * float(stream_loss(labels, None, streams, strides, 255)))
    head = model._supervised.get_layer("sar_classifier_1").kernel
    before = head.numpy().copy()
    logs = model.train_on_batch(x, labels, return_dict=True)
    assert logs["loss"] == pytest.approx(expected, rel=1e-4)
    assert not np.array_equal(head.numpy(), before)
    # Inference runs the main graph only, whose output the supervised graph shares.
    np.testing.assert_array_equal(np.asarray(model(x)), np.asarray(model._supervised(x)[0]))
    model.save(tmp_path / "m.keras")
    loaded = keras.saving.load_model(tmp_path / "m.keras")
    saved = {w.path: w.numpy() for w in model.weights}
    assert sorted(saved) == sorted(w.path for w in loaded.weights)
    for weight in loaded.weights:
        np.testing.assert_array_equal(weight.numpy(), saved[weight.path])


def test_configs_saved_before_the_option_have_no_stream_heads():
    config = MFAFNet(num_classes=3, preset="tiny").get_config()
    del config["stream_supervision"]
    older = MFAFNet.from_config(config)
    assert older.options.stream_supervision == 0.0 and not older.all_weather.strides


def _inputs_with_gaps(x):
    """Optical missing in rows 0-7, SAR in rows 8-15, both in rows 16-19."""
    optical, sar = x["optical"].copy(), x["sar"].copy()
    optical[:, 0:8] = np.nan
    sar[:, 8:16] = np.nan
    optical[:, 16:20, :, 1] = np.nan  # one band is enough to make a pixel invalid
    sar[:, 16:20] = np.nan
    return {"optical": optical, "sar": sar}


def _validity_input(raw, rows):
    """A padded normalized input as the loss sees it: bands (unused) and validity last."""
    normalized = np.zeros((raw.shape[0], rows, raw.shape[2], raw.shape[3] + 1), "float32")
    normalized[:, :raw.shape[1], :, -1] = np.isfinite(raw).all(-1)
    return normalized


def test_fallback_loss_counts_only_pixels_where_the_modality_is_valid():
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 3, (2, 7, 8)).astype("int32")
    labels[:, :2] = 255
    weights = rng.uniform(0.5, 2.0, (2, 7, 8)).astype("float32")
    optical = rng.normal(size=(2, 7, 8, 4)).astype("float32")
    sar = rng.normal(size=(2, 7, 8, 1)).astype("float32")
    optical[:, 3:5, :, 2] = np.nan
    sar[:, :, 5:] = np.nan
    logits = [rng.normal(size=(2, 8, 8, 3)).astype("float32") for _ in range(2)]
    normalized = [_validity_input(optical, 8), _validity_input(sar, 8)]
    loss = float(fallback_loss(labels, weights, logits, normalized, 255))
    # The logits are padded by one row, whose labels count for nothing.
    padded = np.full((2, 8, 8), 255, "int32")
    padded[:, :7] = labels
    expected = []
    for raw, modality_logits in zip((optical, sar), logits):
        valid = np.zeros((2, 8, 8), "float32")
        valid[:, :7] = np.isfinite(raw).all(-1) * weights
        expected.append(_cross_entropy(padded, modality_logits, valid))
    assert loss == pytest.approx(np.mean(expected), rel=1e-5)


def _outputs(model, x):
    """The fused, optical and SAR logits (cropped) and the model's output."""
    parts = keras.Model(model.inputs, [
        model.get_layer(name).output
        for name in ("classifier", "optical_fallback_classifier", "sar_fallback_classifier")])
    fused, optical, sar = (np.asarray(p)[:, :32, :32] for p in parts(x))
    return fused, optical, sar, np.asarray(model(x))


def test_the_output_takes_the_valid_modality_s_decoder_where_the_other_is_missing(batch):
    x = _inputs_with_gaps(batch[0])
    model = MFAFNet(num_classes=4, preset="tiny", alignment="none", fallback_decoders=1.0)
    fused, optical, sar, output = _outputs(model, x)
    both = np.ones(32, bool)
    both[:20] = False
    both_missing = np.zeros(32, bool)
    both_missing[16:20] = True
    np.testing.assert_allclose(output[:, both], fused[:, both], atol=1e-6)
    np.testing.assert_allclose(output[:, both_missing], fused[:, both_missing], atol=1e-6)
    np.testing.assert_allclose(output[:, 8:16], optical[:, 8:16], atol=1e-6)  # SAR missing
    np.testing.assert_allclose(output[:, 0:8], (fused[:, 0:8] + sar[:, 0:8]) / 2, atol=1e-6)
    assert not np.allclose(optical[:, 8:16], fused[:, 8:16], atol=1e-3)  # the decoders differ
    assert not np.allclose(sar[:, 0:8], fused[:, 0:8], atol=1e-3)


def test_fallback_decoders_add_their_weighted_loss_and_save_and_load(batch, tmp_path):
    x, labels = _inputs_with_gaps(batch[0]), batch[1]
    plain = MFAFNet(num_classes=4, preset="tiny", alignment="none", fallback_decoders=0.0)
    model = MFAFNet(num_classes=4, preset="tiny", alignment="none", fallback_decoders=2.0)
    # Default: on with validity channels.
    assert MFAFNet(num_classes=4, preset="tiny").options.fallback_decoders == 1.0
    assert len(model.trainable_weights) > len(plain.trainable_weights)
    model.compile(run_eagerly=True)
    logits, *extra = model._supervised(x, training=True)
    streams, fallbacks = extra[:10], extra[10::2]
    assert [f.shape[1:] for f in fallbacks] == [(32, 32, 4)] * 2
    # Each decoder is scored where its raw input has all bands finite.
    normalized = [_validity_input(x["optical"], 32), _validity_input(x["sar"], 32)]
    expected = (float(SegmentationCrossEntropy()(labels, logits))
                + 0.5 * float(stream_loss(labels, None, streams, list(model.all_weather.strides.values()), 255))
                + 2.0 * float(fallback_loss(labels, None, fallbacks, normalized, 255)))
    head = model.get_layer("sar_fallback_classifier").kernel
    before = head.numpy().copy()
    logs = model.train_on_batch(x, labels, return_dict=True)
    assert logs["loss"] == pytest.approx(expected, rel=1e-4)
    assert not np.array_equal(head.numpy(), before)
    model.save(tmp_path / "m.keras")
    loaded = keras.saving.load_model(tmp_path / "m.keras")
    np.testing.assert_array_equal(np.asarray(loaded(x)), np.asarray(model(x)))


def test_fallback_decoders_need_the_validity_channels_and_older_configs_have_none():
    assert MFAFNet(preset="tiny", validity_channels=False).options.fallback_decoders == 0.0
    with pytest.raises(ConfigError, match="validity_channels"):
        MFAFNet(preset="tiny", validity_channels=False, fallback_decoders=1.0)
    with pytest.raises(ConfigError, match="fallback_decoders"):
        MFAFNet(preset="tiny", fallback_decoders=-1.0)
    config = MFAFNet(num_classes=3, preset="tiny").get_config()
    del config["fallback_decoders"]  # as saved before the option existed
    older = MFAFNet.from_config(config)
    assert older.options.fallback_decoders == 0.0
    assert "validity_gate" not in [layer.name for layer in older.layers]
