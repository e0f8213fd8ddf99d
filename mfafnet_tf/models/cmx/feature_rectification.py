"""CMX's Feature Rectification Module (FRM): each stream corrected by the other."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="mfafnet_tf")
class FeatureRectification(keras.layers.Layer):
    """Rectifies two same-shape streams with channel and spatial weights of both.

    Channel weights: global average and max pooling of both streams,
    ``[avg_a, avg_b, max_a, max_b]`` (4C), through Dense(4C / reduction) ->
    ReLU -> Dense(2C) -> sigmoid, split into ``w_a, w_b`` (C each). Spatial
    weights: ``concat(a, b)`` through 1x1 conv (C / reduction) -> ReLU -> 1x1
    conv (2) -> sigmoid, split into ``s_a, s_b``. Then
    ``a' = a + lambda_c * w_b * b + lambda_s * s_b * b`` and
    ``b' = b + lambda_c * w_a * a + lambda_s * s_a * a``.

    Args:
        lambda_c: weight of the channel-rectified other stream.
        lambda_s: weight of the spatially rectified other stream.
        reduction: hidden-width reduction of both weight networks (CMX: 1).

    Call args:
        inputs: ``[a, b]`` maps of the same shape (B, H, W, C).

    Returns:
        ``[a', b']``, each (B, H, W, C).
    """

    def __init__(self, lambda_c=0.5, lambda_s=0.5, reduction=1, **kwargs):
        super().__init__(**kwargs)
        self.lambda_c = float(lambda_c)
        self.lambda_s = float(lambda_s)
        self.reduction = int(reduction)
        self.channel_hidden = self.channel_output = None
        self.spatial_hidden = self.spatial_output = None

    def build(self, input_shape):
        shape_a, shape_b = input_shape
        if tuple(shape_a[1:]) != tuple(shape_b[1:]):
            raise ValueError(f"FeatureRectification needs equal shapes, got {shape_a} and {shape_b}.")
        channels = shape_a[-1]
        self.channel_hidden = keras.layers.Dense(4 * channels // self.reduction, activation="relu",
                                                 name="channel_hidden")
        self.channel_output = keras.layers.Dense(2 * channels, activation="sigmoid", name="channel_output")
        self.spatial_hidden = keras.layers.Conv2D(channels // self.reduction, 1, activation="relu",
                                                  name="spatial_hidden")
        self.spatial_output = keras.layers.Conv2D(2, 1, activation="sigmoid", name="spatial_output")
        self.channel_hidden.build((shape_a[0], 4 * channels))
        self.channel_output.build((shape_a[0], 4 * channels // self.reduction))
        joint_shape = tuple(shape_a[:-1]) + (2 * channels,)
        self.spatial_hidden.build(joint_shape)
        self.spatial_output.build(tuple(shape_a[:-1]) + (channels // self.reduction,))

    def call(self, inputs):
        a, b = inputs
        channels = a.shape[-1]
        joint = ops.concatenate([a, b], axis=-1)
        pooled = ops.concatenate([ops.mean(joint, axis=(1, 2)), ops.max(joint, axis=(1, 2))], axis=-1)
        channel = self.channel_output(self.channel_hidden(pooled))[:, None, None, :]
        spatial = self.spatial_output(self.spatial_hidden(joint))
        channel_a, channel_b = channel[..., :channels], channel[..., channels:]
        spatial_a, spatial_b = spatial[..., :1], spatial[..., 1:]
        rectified_a = a + (self.lambda_c * channel_b + self.lambda_s * spatial_b) * b
        rectified_b = b + (self.lambda_c * channel_a + self.lambda_s * spatial_a) * a
        return [rectified_a, rectified_b]

    def compute_output_shape(self, input_shape):
        return [tuple(input_shape[0]), tuple(input_shape[1])]

    def get_config(self):
        config = super().get_config()
        config.update(lambda_c=self.lambda_c, lambda_s=self.lambda_s, reduction=self.reduction)
        return config
