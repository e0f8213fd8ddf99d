"""BilinearUpsampling: the values of keras' bilinear resize, and any map size in a traced graph."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from mfafnet_tf.layers import BilinearUpsampling


@pytest.mark.parametrize("factor, shape", [(2, (2, 5, 7, 3)), (4, (1, 3, 1, 2)), (1, (1, 4, 4, 1))])
def test_equals_keras_bilinear_resize(factor, shape):
    x = np.random.default_rng(0).normal(size=shape).astype("float32")
    expected = keras.ops.image.resize(x, (shape[1] * factor, shape[2] * factor), interpolation="bilinear")
    np.testing.assert_allclose(np.asarray(BilinearUpsampling(factor)(x)), np.asarray(expected),
                               rtol=1e-5, atol=1e-6)


def test_traces_with_unknown_height_and_width_and_round_trips():
    layer = BilinearUpsampling(4)
    traced = tf.function(layer, input_signature=[tf.TensorSpec((None, None, None, 2))])
    x = np.random.default_rng(1).normal(size=(1, 3, 5, 2)).astype("float32")
    np.testing.assert_allclose(traced(x).numpy(), np.asarray(layer(x)), rtol=1e-6)
    assert traced(x).shape == (1, 12, 20, 2)
    again = BilinearUpsampling.from_config(layer.get_config())
    assert again.factor == 4 and again.compute_output_shape((1, None, 5, 2)) == (1, None, 20, 2)
    with pytest.raises(ValueError, match="factor"):
        BilinearUpsampling(0)
