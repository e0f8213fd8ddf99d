"""Semantic alignment: MMD values, token bound, determinism, add_loss."""

import keras
import numpy as np
import tensorflow as tf

from mfafnet_tf.layers import SemanticAlignment
from mfafnet_tf.layers.semantic_alignment import gaussian_mmd, linear_mmd


def _numpy_gaussian_mmd(x, y, num_kernels=3, multiplier=2.0):
    z = np.concatenate([x, y]).astype("float64")
    d = ((z[:, None, :] - z[None, :, :]) ** 2).sum(-1)
    m = len(z)
    base = d.sum() / (m * m - m)
    k = sum(np.exp(-d / (base * multiplier ** (i - num_kernels // 2))) for i in range(num_kernels))
    n = len(x)
    return k[:n, :n].mean() + k[n:, n:].mean() - 2 * k[:n, n:].mean()


def test_gaussian_mmd_matches_reference(random_array):
    x, y = random_array((20, 5), 1), random_array((20, 5), 2) + 0.5
    np.testing.assert_allclose(float(gaussian_mmd(x, y)), _numpy_gaussian_mmd(x, y), rtol=1e-4)
    assert abs(float(gaussian_mmd(x, x))) < 1e-6


def test_linear_mmd_is_squared_mean_distance(random_array):
    x, y = random_array((10, 3), 1), random_array((10, 3), 2)
    expected = np.sum((x.mean(0) - y.mean(0)) ** 2)
    np.testing.assert_allclose(float(linear_mmd(x, y)), expected, rtol=1e-5)


def test_layer_adds_weighted_loss_bounded_and_deterministic(random_array):
    keras.utils.set_random_seed(7)
    layer = SemanticAlignment("gaussian_mmd", weight=0.5, max_tokens=16)
    optical, sar = random_array((2, 8, 8, 4), 1), random_array((2, 8, 8, 4), 2) + 1.0
    out = layer([optical, sar])
    (loss,) = layer.losses
    # 128 tokens per modality, 16 kept at stride 8.
    projected = [np.asarray(t).reshape(-1, 4)[::8] for t in out]
    np.testing.assert_allclose(float(loss), 0.5 * _numpy_gaussian_mmd(*projected), rtol=1e-4)
    layer([optical, sar])
    assert float(layer.losses[0]) == float(loss)


def test_identical_streams_give_zero_loss_and_gradients_flow(random_array):
    layer = SemanticAlignment("linear_mmd")
    x = random_array((1, 4, 4, 6))
    layer([x, x])
    assert abs(float(layer.losses[0])) < 1e-10
    with tf.GradientTape() as tape:
        layer([x, x + 1.0])
        loss = layer.losses[0]
    grads = tape.gradient(loss, layer.trainable_weights)
    assert float(loss) > 0 and all(g is not None for g in grads)


def test_kernel_none_adds_no_loss(random_array):
    layer = SemanticAlignment("none")
    layer([random_array((1, 4, 4, 6), 1), random_array((1, 4, 4, 6), 2)])
    assert layer.losses == []
