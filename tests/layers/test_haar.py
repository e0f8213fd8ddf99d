"""Haar DWT/IDWT: exact reconstruction, energy, constant images; the fused
downsampling/upsampling equal their plain DWT/IDWT forms."""

import numpy as np
import pytest
from keras import ops

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


def _set_random_weights(layer, seed=1):
    rng = np.random.default_rng(seed)
    layer.set_weights([rng.uniform(0.5, 1.5, w.shape).astype("float32") for w in layer.get_weights()])


@pytest.mark.parametrize("training", [False, True])
def test_fused_downsampling_equals_dwt_then_conv(random_array, training):
    x = random_array((2, 16, 12, 3))
    layer = HaarDownsampling(8)
    layer.build(x.shape)
    _set_random_weights(layer)  # BN statistics too, so inference mode is not an identity
    plain = np.asarray(ops.relu(layer.norm(layer.plain_convolve(x), training=training)))
    np.testing.assert_allclose(np.asarray(layer(x, training=training)), plain, rtol=1e-5, atol=1e-5)
    # the fused kernel is one 2x2 stride-2 convolution: moving one pixel changes one output pixel
    bumped = x.copy()
    bumped[0, 5, 7] += 1.0
    changed = np.any(np.asarray(layer.convolve(bumped) - layer.convolve(x)) != 0, axis=-1)
    assert np.argwhere(changed).tolist() == [[0, 2, 3]]


def test_fused_upsampling_equals_conv_then_idwt(random_array):
    x = random_array((2, 6, 5, 7))
    layer = InverseHaarUpsampling(3)
    layer.build(x.shape)
    _set_random_weights(layer)  # a non-zero bias in every band
    expected = np.asarray(layer.plain_call(x))
    assert expected.shape == (2, 12, 10, 3)
    np.testing.assert_allclose(np.asarray(layer(x)), expected, rtol=1e-5, atol=1e-5)


def test_fused_downsampling_rejects_odd_sizes():
    with pytest.raises(ValueError, match="HaarDownsampling needs an even width"):
        HaarDownsampling(4)(np.zeros((1, 8, 7, 1), "float32"))
