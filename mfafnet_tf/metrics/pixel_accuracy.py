"""Streaming pixel accuracy that ignores a label value."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="mfafnet_tf")
class PixelAccuracy(keras.metrics.Metric):
    """Share of non-ignored pixels whose arg-max prediction equals the label.

    Args:
        ignore_class: label value to leave out (None: count every pixel).
    """

    def __init__(self, ignore_class=255, name="pixel_accuracy", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.ignore_class = ignore_class
        self.correct = self.add_variable((), initializer="zeros", name="correct")
        self.total = self.add_variable((), initializer="zeros", name="total")

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true = ops.cast(y_true, "int32")
        if len(y_true.shape) == len(y_pred.shape):
            y_true = ops.squeeze(y_true, axis=-1)
        predicted = ops.cast(ops.argmax(y_pred, axis=-1), "int32")
        weight = ops.ones_like(y_true, dtype=self.dtype)
        if self.ignore_class is not None:
            weight = weight * ops.cast(ops.not_equal(y_true, self.ignore_class), self.dtype)
        if sample_weight is not None:
            weight = weight * ops.reshape(ops.cast(sample_weight, self.dtype), ops.shape(weight))
        hits = ops.cast(ops.equal(predicted, y_true), self.dtype) * weight
        self.correct.assign_add(ops.sum(hits))
        self.total.assign_add(ops.sum(weight))

    def result(self):
        return ops.divide_no_nan(self.correct, self.total)

    def reset_state(self):
        self.correct.assign(0.0)
        self.total.assign(0.0)

    def get_config(self):
        config = super().get_config()
        config.update(ignore_class=self.ignore_class)
        return config
