"""Crops a map back to the height and width of a reference tensor."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="mfafnet_tf")
class SpatialCrop(keras.layers.Layer):
    """Keeps the top-left ``H x W`` of ``inputs[0]``, with H, W from ``inputs[1]``.

    Undoes ``SpatialPadding``. Output dtype is the layer's (float32 by default,
    so logits stay float32 under mixed precision).
    """

    def __init__(self, **kwargs):
        kwargs.setdefault("dtype", "float32")
        super().__init__(**kwargs)

    def call(self, inputs):
        features, reference = inputs
        shape = ops.shape(reference)
        return features[:, : shape[1], : shape[2], :]

    def compute_output_shape(self, input_shape):
        features_shape, reference_shape = input_shape
        return (features_shape[0], reference_shape[1], reference_shape[2], features_shape[-1])
