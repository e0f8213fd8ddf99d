"""Bilinear upsampling by an integer factor that works on maps of unknown size."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="mfafnet_tf")
class BilinearUpsampling(keras.layers.Layer):
    """Upsamples height and width by ``factor`` with half-pixel bilinear interpolation.

    The same values as ``keras.ops.image.resize(x, (factor * H, factor * W),
    interpolation="bilinear")`` (edges clamped), written with gathers so that
    it also traces where H and W are unknown (whole-scene prediction's
    ``tf.function`` of any tile size), which ``keras.ops.image.resize`` and
    ``UpSampling2D(interpolation="bilinear")`` do not.

    Args:
        factor: integer upsampling factor, >= 1.
    """

    def __init__(self, factor, **kwargs):
        super().__init__(**kwargs)
        self.factor = int(factor)
        if self.factor < 1:
            raise ValueError(f"factor: expected an integer >= 1, found {factor!r}.")

    def call(self, inputs):
        x = inputs
        for axis in (1, 2):
            x = self._upsample_axis(x, axis)
        return x

    def _upsample_axis(self, x, axis):
        size = ops.shape(x)[axis]
        source = (ops.cast(ops.arange(size * self.factor), self.compute_dtype) + 0.5) / self.factor - 0.5
        source = ops.clip(source, 0.0, ops.cast(size - 1, self.compute_dtype))
        lower = ops.floor(source)
        weight = ops.reshape(source - lower, (1, -1, 1, 1) if axis == 1 else (1, 1, -1, 1))
        lower = ops.cast(lower, "int32")
        upper = ops.minimum(lower + 1, size - 1)
        below, above = ops.take(x, lower, axis=axis), ops.take(x, upper, axis=axis)
        return below + (above - below) * weight

    def compute_output_shape(self, input_shape):
        batch, height, width, channels = input_shape
        scale = lambda n: None if n is None else n * self.factor  # noqa: E731
        return (batch, scale(height), scale(width), channels)

    def get_config(self):
        config = super().get_config()
        config.update(factor=self.factor)
        return config
