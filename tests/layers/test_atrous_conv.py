"""AtrousConv2D: the dilated Conv2D's function, taps that only read padding skipped."""

import json

import keras
import numpy as np
import pytest
import tensorflow as tf

from mfafnet_tf.layers import AtrousConv2D


def _pair(rate, shape, seed=0):
    """A Conv2D and an AtrousConv2D with the same weights, and an input."""
    x = np.random.default_rng(seed).normal(size=shape).astype("float32")
    reference = keras.layers.Conv2D(5, 3, dilation_rate=rate, padding="same")
    reference.build(shape)
    layer = AtrousConv2D(5, 3, dilation_rate=rate)
    layer.build(shape)
    layer.set_weights([w + 0.1 for w in reference.get_weights()])  # a non-zero bias too
    reference.set_weights(layer.get_weights())
    return reference, layer, x


def _output_and_gradients(layer, x, function=None):
    x = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = (function or layer)(x)
        loss = tf.reduce_sum(y * tf.cos(y))
    return [y, *tape.gradient(loss, [x, *layer.trainable_variables])]


@pytest.mark.parametrize("rate, shape", [
    (6, (2, 4, 4, 3)),        # every off-centre tap beyond the map: centre only
    (12, (2, 16, 5, 3)),      # the columns' off-centre taps beyond the map
    ((2, 3), (2, 7, 9, 3)),   # every tap inside the map
    (1, (2, 6, 6, 3)),
])
def test_equals_the_dilated_conv2d_in_value_and_gradients(rate, shape):
    reference, layer, x = _pair(rate, shape)
    expected = _output_and_gradients(reference, x)
    for got in (_output_and_gradients(layer, x),
                # unknown sizes: every tap is summed, the result is the same
                _output_and_gradients(layer, x, tf.function(
                    layer.__call__, input_signature=[tf.TensorSpec((None, None, None, 3))]))):
        for a, b in zip(got, expected):
            np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-5, atol=2e-5)


def test_taps_beyond_the_map_are_not_read():
    _, layer, x = _pair(6, (2, 4, 4, 3))
    centre = np.asarray(layer.kernel)[1:2, 1:2]
    expected = np.asarray(keras.ops.conv(x, centre, padding="same")) + np.asarray(layer.bias)
    kernel = np.full(layer.kernel.shape, np.nan, "float32")
    kernel[1, 1] = centre[0, 0]
    layer.kernel.assign(kernel)  # NaN in every off-centre tap
    np.testing.assert_allclose(np.asarray(layer(x)), expected, rtol=1e-5, atol=1e-6)
    assert np.isnan(np.asarray(layer(np.ones((1, 8, 8, 3), "float32")))).all()  # 8 > 6: read


def test_config_round_trip_and_save_load(tmp_path):
    _, layer, x = _pair(3, (2, 5, 6, 3))
    config = json.loads(json.dumps(keras.saving.serialize_keras_object(layer)))
    clone = keras.saving.deserialize_keras_object(config)
    assert clone.get_config() == layer.get_config() and clone.dilation_rate == (3, 3)
    inputs = keras.Input((None, None, 3))
    model = keras.Model(inputs, layer(inputs))
    model.save(tmp_path / "m.keras")
    loaded = keras.saving.load_model(tmp_path / "m.keras", safe_mode=True)
    assert isinstance(loaded.layers[-1], AtrousConv2D)
    np.testing.assert_array_equal(np.asarray(loaded(x)), np.asarray(model(x)))


@pytest.mark.parametrize("kwargs, named", [
    ({"strides": 2}, "strides"),
    ({"padding": "valid"}, "padding"),
    ({"kernel_size": 2}, "kernel_size"),
])
def test_unsupported_arguments_are_named(kwargs, named):
    arguments = {"filters": 4, "kernel_size": 3, "dilation_rate": 2, **kwargs}
    with pytest.raises(ValueError, match=named):
        AtrousConv2D(**arguments)
