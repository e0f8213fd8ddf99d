"""Per-band input normalization inside the model (raw sensor values in)."""

import keras
from keras import ops

TRANSFORMS = ("none", "log", "db")


@keras.saving.register_keras_serializable(package="mfafnet_tf")
class InputNormalization(keras.layers.Layer):
    """``(transform(x) - mean) / std`` per band; non-finite results become 0.

    Non-trainable and part of the model, so a saved or exported model takes raw
    values and training and serving cannot drift apart. NaN (nodata) inputs end
    up as 0, i.e. the band mean. With ``validity=True`` a pixel with any
    non-finite band becomes 0 in every band and one more channel is appended:
    1.0 where all input bands are finite, else 0.0, so the layers after it can
    tell missing data from data at the mean.

    Args:
        mean: per-band means of the transformed values, or None for 0.
        std: per-band standard deviations, or None for 1.
        transform: ``"none"``, ``"log"`` (``ln(max(x, epsilon))``) or ``"db"``
            (``10 * log10(max(x, epsilon))``), applied before the statistics.
        epsilon: floor of the log transforms.
        validity: append the validity channel (output has one channel more).
    """

    def __init__(self, mean=None, std=None, transform="none", epsilon=1e-6, validity=False,
                 **kwargs):
        kwargs.setdefault("dtype", "float32")
        super().__init__(**kwargs)
        if transform not in TRANSFORMS:
            raise ValueError(f"transform must be one of {TRANSFORMS}, got {transform!r}.")
        self.mean = None if mean is None else [float(v) for v in mean]
        self.std = None if std is None else [float(v) for v in std]
        if self.std is not None and min(self.std) <= 0:
            raise ValueError(f"std must be positive, got {self.std}.")
        self.transform = transform
        self.epsilon = float(epsilon)
        self.validity = bool(validity)

    def build(self, input_shape):
        channels = input_shape[-1]
        for key, values in (("mean", self.mean), ("std", self.std)):
            if values is not None and len(values) != channels:
                raise ValueError(
                    f"InputNormalization '{self.name}': {key} has {len(values)} values, "
                    f"expected one per input band ({channels})."
                )

    def call(self, inputs):
        raw = ops.cast(inputs, "float32")
        x = raw
        if self.transform != "none":
            x = ops.log(ops.maximum(x, self.epsilon))
            if self.transform == "db":
                x = x * (10.0 / 2.302585092994046)
        if self.mean is not None:
            x = x - ops.convert_to_tensor(self.mean, "float32")
        if self.std is not None:
            x = x / ops.convert_to_tensor(self.std, "float32")
        x = ops.where(ops.isfinite(x), x, ops.zeros_like(x))
        if not self.validity:
            return x
        valid = ops.cast(ops.all(ops.isfinite(raw), axis=-1, keepdims=True), "float32")
        return ops.concatenate([x * valid, valid], axis=-1)

    def compute_output_shape(self, input_shape):
        if not self.validity or input_shape[-1] is None:
            return tuple(input_shape)
        return (*input_shape[:-1], input_shape[-1] + 1)

    def get_config(self):
        config = super().get_config()
        config.update(mean=self.mean, std=self.std, transform=self.transform, epsilon=self.epsilon,
                      validity=self.validity)
        return config
