"""Exported models fold BatchNormalization into the convolutions: same outputs, no BN reads."""

import numpy as np
import pytest
import tensorflow as tf

from mfafnet_tf.export import export_saved_model
from mfafnet_tf.export.batch_norm_folding import conv_batch_norm_pairs, fold_batch_norms
from mfafnet_tf.models import MFAFNet, UNet

STATISTICS = ("gamma", "beta", "moving_mean", "moving_variance")


def _with_random_statistics(model, seed=0):
    """Gives every BatchNormalization statistics far from the identity."""
    rng = np.random.default_rng(seed)
    for weight in model.weights:
        name = weight.path.rsplit("/", 1)[-1]
        if name in STATISTICS:
            low, high = (0.5, 2.0) if name in ("gamma", "moving_variance") else (-0.5, 0.5)
            weight.assign(rng.uniform(low, high, weight.shape).astype("float32"))
    return model


def _inputs(model, size=(24, 20)):
    rng = np.random.default_rng(1)
    return {
        name: rng.uniform(0, 2, (2, *size, tensor.shape[-1])).astype("float32")
        for name, tensor in model.input.items()
    }


def _normalization_reads(model, inputs):
    specs = {k: tf.TensorSpec((None, None, None, v.shape[-1])) for k, v in inputs.items()}
    function = tf.function(lambda x: model(x, training=False)).get_concrete_function(specs)
    return sorted(v.name for v in function.variables if "moving_" in v.name)


@pytest.mark.slow  # builds and traces three models
@pytest.mark.parametrize(
    "factory",
    [
        lambda: MFAFNet(3, preset="tiny"),
        lambda: MFAFNet(3, preset="tiny", downsampling="strided_conv", fusion="concat"),
        lambda: UNet(3, modalities=("optical", "sar"), widths=(8, 16)),
    ],
    ids=["mfafnet", "mfafnet_ablations", "unet"],
)
def test_folded_model_equals_inference_mode_and_reads_no_statistics(factory):
    model = _with_random_statistics(factory())
    inputs = _inputs(model)
    expected = np.asarray(model(inputs, training=False))
    assert _normalization_reads(model, inputs)  # the plain model does normalize
    folded = fold_batch_norms(model)
    np.testing.assert_allclose(np.asarray(folded(inputs, training=False)), expected, rtol=1e-4, atol=1e-4)
    assert _normalization_reads(folded, inputs) == []
    np.testing.assert_array_equal(np.asarray(model(inputs, training=False)), expected)  # original unchanged


def test_every_batch_norm_of_mfafnet_has_its_convolution():
    model = MFAFNet(3, preset="tiny")
    norms = {w.path.rsplit("/", 1)[0] for w in model.weights if w.path.endswith("moving_mean")}
    assert {norm.path for _, norm in conv_batch_norm_pairs(model)} == norms


@pytest.mark.slow  # exports MFAFNet-tiny
def test_exported_probabilities_equal_the_keras_model(tmp_path):
    model = _with_random_statistics(MFAFNet(3, preset="tiny"))
    inputs = _inputs(model)
    expected = tf.nn.softmax(model(inputs, training=False)).numpy()
    served = tf.saved_model.load(export_saved_model(model, tmp_path / "1")).signatures["serving_default"]
    np.testing.assert_allclose(served(**inputs)["probabilities"].numpy(), expected, atol=1e-5)
