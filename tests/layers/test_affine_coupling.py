"""Invertible coupling: exact inverse, bounded scale, float16 safety."""

import keras
import numpy as np

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
    log_scale = np.asarray(block._log_scale(z2))
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
