"""Haar DWT/IDWT: exact reconstruction, energy, constant images, downsampling."""

import numpy as np
import pytest

from mfafnet_tf.layers import HaarDownsampling, HaarDWT, HaarIDWT, InverseHaarUpsampling


def test_dwt_then_idwt_reconstructs_and_preserves_energy(random_array):
    x = random_array((2, 16, 12, 3))
    bands = np.asarray(HaarDWT()(x))
    assert bands.shape == (2, 8, 6, 12)
    np.testing.assert_allclose(np.asarray(HaarIDWT()(bands)), x, atol=1e-5)
    np.testing.assert_allclose(np.sum(bands**2), np.sum(x**2), rtol=1e-5)


def test_constant_image_gives_constant_low_band_and_zero_details():
    x = np.full((1, 8, 8, 2), 3.0, dtype="float32")
    bands = np.asarray(HaarDWT()(x))
    np.testing.assert_allclose(bands[..., :2], 6.0)  # LL = (a+b+c+d)/2
    np.testing.assert_allclose(bands[..., 2:], 0.0, atol=1e-7)


def test_band_order_on_a_single_block():
    # [[a, b], [c, d]] = [[1, 2], [3, 4]]
    x = np.array([[1.0, 2.0], [3.0, 4.0]], dtype="float32").reshape(1, 2, 2, 1)
    np.testing.assert_allclose(np.asarray(HaarDWT()(x)).ravel(), [5.0, -2.0, -1.0, 0.0])


def test_odd_size_is_rejected():
    with pytest.raises(ValueError, match="even height"):
        HaarDWT()(np.zeros((1, 7, 8, 1), "float32"))


def test_downsampling_and_upsampling_change_resolution(random_array):
    x = random_array((2, 16, 16, 3))
    down = HaarDownsampling(8)(x, training=True)
    assert tuple(down.shape) == (2, 8, 8, 8)
    assert np.all(np.asarray(down) >= 0)  # ReLU at the end
    assert tuple(InverseHaarUpsampling(5)(down).shape) == (2, 16, 16, 5)
