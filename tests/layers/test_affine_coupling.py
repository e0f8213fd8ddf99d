"""Invertible coupling: exact inverse, bounded scale, float16 safety; the sliced
forms equal the split/concatenate forms."""

import keras
import numpy as np
import pytest

from mfafnet_tf.layers import AffineCoupling, FeatureDecomposition
from mfafnet_tf.layers.feature_decomposition import split_channels


def test_inverse_recovers_input(random_array):
    keras.utils.set_random_seed(1)
    block = AffineCoupling(clamp=2.0)
    x = random_array((2, 8, 8, 6))
    y = block(x)
    assert np.abs(np.asarray(y) - x).max() > 1e-2  # not the identity
    np.testing.assert_allclose(np.asarray(block.inverse(y)), x, atol=1e-4)


def test_soft_clamp_bounds_the_log_scale(random_array):
    keras.utils.set_random_seed(2)
    block = AffineCoupling(clamp=0.5)
    x = random_array((1, 4, 4, 4)) * 100.0
    block(x)
    z2 = x[..., 2:] + np.asarray(block.phi(x[..., :2]))
    log_scale = np.asarray(block.log_scale(z2))
    assert np.abs(log_scale).max() <= 0.5 + 1e-6


def test_mixed_float16_large_inputs_stay_finite(random_array):
    keras.config.set_dtype_policy("mixed_float16")
    try:
        keras.utils.set_random_seed(3)
        block = AffineCoupling()
        x = random_array((2, 8, 8, 8)) * 1e3
        block(x)
        kernel = block.rho.project.kernel
        kernel.assign(kernel * 1e3)  # an unclamped exp(rho) would overflow float16
        y = block(x)
        assert keras.backend.standardize_dtype(y.dtype) == "float16"
        assert np.all(np.isfinite(np.asarray(y, dtype="float32")))
    finally:
        keras.config.set_dtype_policy("float32")


def test_split_keeps_high_part_even():
    assert split_channels(16, 0.25) == (4, 12)
    assert split_channels(128, 0.875) == (112, 16)
    low, high = split_channels(10, 0.25)  # round(2.5)=2 -> high 8
    assert high % 2 == 0 and low + high == 10
    low, high = split_channels(12, 0.3)  # round(3.6)=4 -> high 8
    assert (low, high) == (4, 8)


def test_decomposition_routes_channels_to_branches(random_array):
    layer = FeatureDecomposition(low_ratio=0.25, num_heads=1, reduction_ratio=2)
    layer(random_array((1, 8, 8, 16)))
    assert (layer.low_channels, layer.high_channels) == (4, 12)
    assert layer.low_blocks[0].attention.key_dim == 4
    assert layer.high_blocks[0].phi.output_channels == 6


def _randomize(layer, seed):
    rng = np.random.default_rng(seed)
    for weight in layer.weights:
        weight.assign(rng.normal(0.0, 0.5, weight.shape).astype("float32"))


def test_sliced_coupling_equals_split_and_concat_form(random_array):
    block = AffineCoupling(clamp=2.0)
    x = random_array((2, 8, 8, 6))
    block.build(x.shape)
    _randomize(block, 4)
    expected = np.asarray(block.plain_call(x))
    assert np.abs(expected - x).max() > 1e-2
    np.testing.assert_allclose(np.asarray(block(x)), expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("high_branch", ["inn", "conv"])
def test_decomposition_with_chained_halves_equals_whole_block_form(random_array, high_branch):
    layer = FeatureDecomposition(0.25, num_heads=2, inn_depth=2, high_branch=high_branch)
    x = random_array((2, 8, 8, 16))
    layer.build(x.shape)
    _randomize(layer, 5)
    expected = np.asarray(layer.plain_call(x))
    np.testing.assert_allclose(np.asarray(layer(x)), expected, rtol=1e-4, atol=1e-4)
