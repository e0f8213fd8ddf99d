"""Spatial-reduction attention and cross feature fusion behaviour; the fused
cross attention equals one attention per stream."""

import keras
import numpy as np
import pytest

from mfafnet_tf.layers import CrossFeatureFusion, SpatialReductionAttention


def test_attention_is_invariant_to_context_pixel_order(random_array):
    keras.utils.set_random_seed(4)
    layer = SpatialReductionAttention(num_heads=2, key_dim=8, output_dim=8)
    query = random_array((1, 4, 4, 8), 1)
    context = random_array((1, 4, 4, 8), 2)
    shuffled = context.reshape(1, 16, 8)[:, np.random.default_rng(0).permutation(16)].reshape(1, 4, 4, 8)
    np.testing.assert_allclose(
        np.asarray(layer(query, context)), np.asarray(layer(query, shuffled)), atol=1e-5
    )


def test_reduced_context_equals_attention_on_pooled_context(random_array):
    keras.utils.set_random_seed(5)
    reduced = SpatialReductionAttention(1, 4, 4, reduction_ratio=2)
    full = SpatialReductionAttention(1, 4, 4, reduction_ratio=1)
    x = random_array((1, 8, 8, 4))
    reduced(x)
    full(x)
    full.set_weights(reduced.get_weights())
    pooled = x.reshape(1, 4, 2, 4, 2, 4).mean(axis=(2, 4))
    np.testing.assert_allclose(np.asarray(reduced(x)), np.asarray(full(x, pooled)), atol=1e-5)


def test_cross_fusion_uses_both_modalities(random_array):
    keras.utils.set_random_seed(6)
    layer = CrossFeatureFusion("cross_attention", num_heads=2, reduction_ratio=2)
    optical, sar = random_array((1, 8, 8, 8), 1), random_array((1, 8, 8, 8), 2)
    base = np.asarray(layer([optical, sar], training=True))
    changed = np.asarray(layer([optical, sar * 2.0], training=True))
    assert base.shape == (1, 8, 8, 8)
    assert np.abs(base - changed).max() > 1e-3


@pytest.mark.parametrize("training", [False, True])
def test_fused_cross_attention_equals_one_attention_per_stream(random_array, training):
    layer = CrossFeatureFusion("cross_attention", num_heads=2, reduction_ratio=2)
    inputs = [random_array((2, 8, 6, 8), 1), random_array((2, 8, 6, 8), 2)]
    layer.build([x.shape for x in inputs])
    rng = np.random.default_rng(6)
    for weight in layer.weights:  # non-zero biases, BN statistics away from the identity
        weight.assign(rng.uniform(0.2, 1.0, weight.shape).astype("float32"))
    expected = np.asarray(layer.plain_call(inputs, training=training))
    assert np.std(expected) > 1e-2
    np.testing.assert_allclose(np.asarray(layer(inputs, training=training)), expected, rtol=1e-4, atol=1e-4)
    # the streams really attend separately: changing the SAR changes the result
    changed = np.asarray(layer([inputs[0], inputs[1] * 2.0], training=training))
    assert np.abs(changed - expected).max() > 1e-3
