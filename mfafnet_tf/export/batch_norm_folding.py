"""Folds inference-mode BatchNormalization into the convolution before it, for export."""

import keras
import tensorflow as tf

from mfafnet_tf.layers.cross_feature_fusion import CrossFeatureFusion
from mfafnet_tf.layers.downsampling_block import DownsamplingBlock
from mfafnet_tf.layers.feature_reconstruction import FeatureReconstruction

# (convolution, BatchNormalization) attribute pairs inside the package's layers;
# each convolution's kernel enters its layer's output linearly, with the
# output channels on the kernel's last axis, right before the normalization.
LAYER_PAIRS = {
    DownsamplingBlock: (("conv", "norm"),),
    CrossFeatureFusion: (("fuse", "fuse_norm"),),
    FeatureReconstruction: (("reduce", "reduce_norm"), ("conv", "conv_norm")),
}


def conv_batch_norm_pairs(model):
    """(convolution, BatchNormalization) pairs of a model whose BN sees only the conv's output.

    Covers the package's layers (``LAYER_PAIRS``) and, in the functional
    graph, a BatchNormalization layer whose input is a Conv2D layer's output.
    """
    pairs = []
    for layer in model.layers:
        for cls, names in LAYER_PAIRS.items():
            if isinstance(layer, cls):
                pairs += [(getattr(layer, conv), getattr(layer, norm)) for conv, norm in names]
    convs = [layer for layer in model.layers if isinstance(layer, keras.layers.Conv2D)]
    for norm in model.layers:
        if isinstance(norm, keras.layers.BatchNormalization):
            pairs += [(conv, norm) for conv in convs if norm.input is conv.output]
    return pairs


def fold_batch_norms(model):
    """A copy of ``model`` whose BatchNormalizations are folded into their convolutions.

    In inference BN computes ``x * scale + shift`` per channel with
    ``scale = gamma / sqrt(moving_variance + epsilon)`` and
    ``shift = beta - moving_mean * scale``; the copy multiplies the
    convolution kernel's output channels by ``scale`` (its bias, if any, too)
    and its BN layers only add ``shift`` (a BiasAdd, which TensorFlow fuses
    into the convolution). For inference only; ``model`` is not changed.

    Args:
        model: a built Keras segmentation model of this package.

    Returns:
        The folded copy (same inputs and, to float tolerance, same outputs).
    """
    folded = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(model))
    folded.set_weights(model.get_weights())
    for conv, norm in conv_batch_norm_pairs(folded):
        scale = norm.gamma * tf.math.rsqrt(norm.moving_variance + norm.epsilon)
        shift = norm.beta - norm.moving_mean * scale
        conv.kernel.assign(conv.kernel * scale)
        if conv.use_bias:
            conv.bias.assign(conv.bias * scale)
        norm.call = _bias_add(tf.constant(shift))
    return folded


def _bias_add(shift):
    def call(inputs, training=None, mask=None):
        return tf.nn.bias_add(inputs, tf.cast(shift, inputs.dtype))

    return call
