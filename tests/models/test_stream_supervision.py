"""Per-stream auxiliary cross-entropy: label sampling, loss value, training, saving."""

import keras
import numpy as np
import pytest

from mfafnet_tf.losses import SegmentationCrossEntropy
from mfafnet_tf.models import MFAFNet
from mfafnet_tf.models.stream_supervision import sample_at_stride, stream_loss


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
    plain = MFAFNet(num_classes=4, preset="tiny", alignment="none", stream_supervision=0.0)
    model = MFAFNet(num_classes=4, preset="tiny", alignment="none", stream_supervision=0.5)
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
    assert older.options["stream_supervision"] == 0.0 and older._supervised is None
