"""SegmentationCrossEntropy and PixelAccuracy ignore label 255."""

import numpy as np

from mfafnet_tf.losses import SegmentationCrossEntropy
from mfafnet_tf.metrics import PixelAccuracy


def _logits_and_labels(random_array):
    logits = random_array((2, 4, 4, 3))
    labels = np.random.default_rng(0).integers(0, 3, (2, 4, 4))
    labels[0, :2] = 255
    return logits, labels


def _reference_ce(logits, labels):
    valid = labels != 255
    shifted = logits - logits.max(-1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(-1, keepdims=True))
    picked = np.take_along_axis(log_probs, np.where(valid, labels, 0)[..., None], -1)[..., 0]
    return -picked[valid].mean()


def test_cross_entropy_is_mean_over_valid_pixels(random_array):
    logits, labels = _logits_and_labels(random_array)
    loss = float(SegmentationCrossEntropy()(labels, logits))
    np.testing.assert_allclose(loss, _reference_ce(logits, labels), rtol=1e-5)
    # trailing channel axis on labels is accepted
    np.testing.assert_allclose(float(SegmentationCrossEntropy()(labels[..., None], logits)), loss, rtol=1e-6)


def test_cross_entropy_of_all_ignored_is_zero(random_array):
    logits = random_array((1, 2, 2, 3))
    assert float(SegmentationCrossEntropy()(np.full((1, 2, 2), 255), logits)) == 0.0


def test_pixel_accuracy_streams_and_ignores(random_array):
    logits, labels = _logits_and_labels(random_array)
    metric = PixelAccuracy()
    metric.update_state(labels, logits)
    metric.update_state(labels[:1], logits[:1])
    predicted = logits.argmax(-1)
    hits = np.concatenate([(predicted == labels)[labels != 255], (predicted[:1] == labels[:1])[labels[:1] != 255]])
    np.testing.assert_allclose(float(metric.result()), hits.mean(), rtol=1e-6)
    metric.reset_state()
    assert float(metric.result()) == 0.0
