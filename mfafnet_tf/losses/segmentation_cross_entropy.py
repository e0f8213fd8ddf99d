"""Pixel-wise cross-entropy that ignores a label value."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="mfafnet_tf")
class SegmentationCrossEntropy(keras.losses.Loss):
    """Sparse categorical cross-entropy over pixels, averaged over non-ignored ones.

    Labels equal to ``ignore_class`` contribute nothing and are never used as
    an index (safe on CPU, where an out-of-range label would fail). With the
    default reduction the result is the mean over valid pixels (optionally
    weighted by ``sample_weight``).

    Args:
        ignore_class: label value to ignore (None: ignore nothing).
        from_logits: whether ``y_pred`` are logits (the models emit logits).
    """

    def __init__(
        self,
        ignore_class=255,
        from_logits=True,
        reduction="sum_over_batch_size",
        name="segmentation_cross_entropy",
        dtype=None,
    ):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.ignore_class = ignore_class
        self.from_logits = from_logits

    def call(self, y_true, y_pred):
        y_true = ops.cast(y_true, "int32")
        if len(y_true.shape) == len(y_pred.shape):
            y_true = ops.squeeze(y_true, axis=-1)
        if self.ignore_class is None:
            valid = ops.ones_like(y_true, dtype=y_pred.dtype)
        else:
            valid = ops.cast(ops.not_equal(y_true, self.ignore_class), y_pred.dtype)
            y_true = ops.where(valid > 0, y_true, ops.zeros_like(y_true))
        losses = keras.losses.sparse_categorical_crossentropy(
            y_true, y_pred, from_logits=self.from_logits
        )
        total = ops.cast(ops.size(valid), y_pred.dtype)
        return losses * valid * (total / ops.maximum(ops.sum(valid), 1.0))

    def get_config(self):
        config = super().get_config()
        config.update(ignore_class=self.ignore_class, from_logits=self.from_logits)
        return config
