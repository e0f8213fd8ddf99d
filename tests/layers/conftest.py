"""Shared checks for the layer tests."""

import keras
import numpy as np
import pytest
import tensorflow as tf


def _random(shape, seed=0):
    return np.random.default_rng(seed).normal(size=shape).astype("float32")


def _check_layer(layer, input_shape, call_kwargs=None):
    """Output shape vs compute_output_shape, JSON config round trip with equal
    outputs, and a gradient for every trainable weight. Returns the output."""
    call_kwargs = call_kwargs or {}
    multi = isinstance(input_shape, list)
    inputs = [_random(s, i) for i, s in enumerate(input_shape)] if multi else _random(input_shape)
    outputs = layer(inputs, **call_kwargs)
    expected = layer.compute_output_shape(input_shape)
    flat_outputs = keras.tree.flatten(outputs)
    expected = expected if isinstance(expected, list) else [expected]
    assert len(flat_outputs) == len(expected)
    for out, shape in zip(flat_outputs, expected):
        assert tuple(out.shape) == tuple(shape)

    config = keras.saving.serialize_keras_object(layer)
    clone = keras.saving.deserialize_keras_object(config)
    assert keras.saving.serialize_keras_object(clone)["config"] == config["config"]
    clone(inputs, **call_kwargs)
    clone.set_weights(layer.get_weights())
    for a, b in zip(flat_outputs, keras.tree.flatten(clone(inputs, **call_kwargs))):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-5, atol=1e-5)

    with tf.GradientTape() as tape:
        result = layer(inputs, **call_kwargs)
        loss = sum(tf.reduce_sum(tf.square(t)) for t in keras.tree.flatten(result))
        loss += sum(layer.losses) if layer.losses else 0.0
    grads = tape.gradient(loss, layer.trainable_weights)
    missing = [
        w.path
        for w, g in zip(layer.trainable_weights, grads)
        if g is None or not np.any(np.asarray(g))
    ]
    assert not missing, f"no gradient reaches {missing}"
    return outputs


@pytest.fixture
def check_layer():
    return _check_layer


@pytest.fixture
def random_array():
    return _random
