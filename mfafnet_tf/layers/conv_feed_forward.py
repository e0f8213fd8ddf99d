"""Convolutional bottleneck: 1x1 expand -> act -> depthwise 3x3 -> act -> 1x1."""

import keras


@keras.saving.register_keras_serializable(package="mfafnet_tf")
class ConvFeedForward(keras.layers.Layer):
    """Depthwise-separable bottleneck used as transformer FFN and INN sub-network.

    Args:
        output_channels: channels of the result.
        hidden_channels: channels of the expanded middle part.
        activation: activation after the expansion and after the depthwise conv
            (``"gelu"`` in the transformer FFN, ``"relu6"`` in the INN blocks).
    """

    def __init__(self, output_channels, hidden_channels, activation="gelu", **kwargs):
        super().__init__(**kwargs)
        self.output_channels = int(output_channels)
        self.hidden_channels = int(hidden_channels)
        self.activation = activation
        self.act = keras.activations.get(activation)
        self.expand = keras.layers.Conv2D(self.hidden_channels, 1, name="expand")
        self.depthwise = keras.layers.DepthwiseConv2D(3, padding="same", name="depthwise")
        self.project = keras.layers.Conv2D(self.output_channels, 1, name="project")

    def build(self, input_shape):
        self.expand.build(input_shape)
        hidden_shape = tuple(input_shape[:-1]) + (self.hidden_channels,)
        self.depthwise.build(hidden_shape)
        self.project.build(hidden_shape)

    def call(self, inputs):
        x = self.act(self.expand(inputs))
        x = self.act(self.depthwise(x))
        return self.project(x)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.output_channels,)

    def get_config(self):
        config = super().get_config()
        config.update(
            output_channels=self.output_channels,
            hidden_channels=self.hidden_channels,
            activation=self.activation,
        )
        return config
