"""The conv-BN-ReLU units and 1x1 classifiers that the segmenters' heads are made of.

They are plain layers wired into the task's functional graph (not wrapped in a
layer of their own), so that every weight keeps its place in ``.keras`` files.
"""

import keras

from mfafnet_tf.layers.shape_utils import batch_norm


def conv_unit(width, synchronized_bn, prefix, suffix="", momentum=0.99, epsilon=1e-3):
    """3x3 conv -> BN -> ReLU layers named ``{prefix}_conv{suffix}``, ``_norm``, ``_relu``.

    ``momentum`` and ``epsilon`` are the BatchNormalization's (Keras' defaults).
    """
    return (
        keras.layers.Conv2D(width, 3, padding="same", use_bias=False, name=f"{prefix}_conv{suffix}"),
        batch_norm(synchronized_bn, f"{prefix}_norm{suffix}", momentum, epsilon),
        keras.layers.ReLU(name=f"{prefix}_relu{suffix}"),
    )


def apply_units(units, x):
    """Applies ``conv_unit`` triples in order."""
    for conv, norm, relu in units:
        x = relu(norm(conv(x)))
    return x


def classifier(num_classes, name):
    """A 1x1 convolution to float32 logits."""
    return keras.layers.Conv2D(num_classes, 1, dtype="float32", name=name)
