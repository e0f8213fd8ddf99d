"""Invertible affine coupling block (INN) with a soft-clamped scale."""

import keras
from keras import ops

from mfafnet_tf.layers.conv_feed_forward import ConvFeedForward


@keras.saving.register_keras_serializable(package="mfafnet_tf")
class AffineCoupling(keras.layers.Layer):
    """Affine coupling of eq. 4 (CDDFuse detail encoder), exactly invertible.

    With halves ``z1, z2`` of the channels::

        z2 <- z2 + phi(z1)
        s  =  clamp * tanh(rho(z2) / clamp)
        z1 <- z1 * exp(s) + eta(z2)

    ``phi``, ``rho`` and ``eta`` are ``ConvFeedForward`` bottlenecks (expand x2,
    ReLU6). The soft clamp bounds ``|s| <= clamp`` so ``exp`` cannot overflow,
    also under float16.

    Args:
        clamp: soft clamp ``alpha`` of the log-scale (> 0).
        expansion: bottleneck expansion factor.
    """

    def __init__(self, clamp=2.0, expansion=2, **kwargs):
        super().__init__(**kwargs)
        if clamp <= 0:
            raise ValueError(f"clamp must be > 0, got {clamp}.")
        self.clamp = float(clamp)
        self.expansion = int(expansion)
        self.phi = self.rho = self.eta = None

    def build(self, input_shape):
        channels = input_shape[-1]
        if channels is None or channels % 2:
            raise ValueError(f"AffineCoupling needs an even channel count, got {channels}.")
        half = channels // 2
        half_shape = tuple(input_shape[:-1]) + (half,)
        hidden = half * self.expansion
        self.phi = ConvFeedForward(half, hidden, "relu6", name="phi")
        self.rho = ConvFeedForward(half, hidden, "relu6", name="rho")
        self.eta = ConvFeedForward(half, hidden, "relu6", name="eta")
        for net in (self.phi, self.rho, self.eta):
            net.build(half_shape)

    def log_scale(self, z2):
        """The soft-clamped log-scale ``s = clamp * tanh(rho(z2) / clamp)`` of eq. 4."""
        return self.clamp * ops.tanh(self.rho(z2) / self.clamp)

    def call(self, inputs):
        half = inputs.shape[-1] // 2
        z1, z2 = self.couple(inputs[..., :half], inputs[..., half:])
        return ops.concatenate([z1, z2], axis=-1)

    def couple(self, z1, z2):
        """The coupling on the two halves, returned as ``(z1, z2)``.

        Callers that hold the halves already (``FeatureDecomposition``) chain
        blocks this way without concatenating and splitting between them.
        """
        z2 = z2 + self.phi(z1)
        z1 = z1 * ops.exp(self.log_scale(z2)) + self.eta(z2)
        return z1, z2

    def plain_call(self, inputs):
        """``call`` as the paper writes it: split, couple, concatenate per block."""
        z1, z2 = ops.split(inputs, 2, axis=-1)
        z2 = z2 + self.phi(z1)
        z1 = z1 * ops.exp(self.log_scale(z2)) + self.eta(z2)
        return ops.concatenate([z1, z2], axis=-1)

    def inverse(self, outputs):
        """Recovers the block's input from its output."""
        half = outputs.shape[-1] // 2
        z1, z2 = outputs[..., :half], outputs[..., half:]
        z1 = (z1 - self.eta(z2)) * ops.exp(-self.log_scale(z2))
        z2 = z2 - self.phi(z1)
        return ops.concatenate([z1, z2], axis=-1)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update(clamp=self.clamp, expansion=self.expansion)
        return config
