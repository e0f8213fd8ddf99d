"""Confusion matrices over valid pixels (NumPy)."""

import numpy as np

IGNORE_LABEL = 255


def confusion_matrix(labels, predictions, num_classes, valid=None):
    """Counts (truth, prediction) pairs over the scored pixels.

    A pixel is scored when its label is a class id (``0..K-1``; ``255`` and any
    other value are ignored) and ``valid`` (if given) is true there.

    Args:
        labels: Integer array of true class ids.
        predictions: Integer array of predicted class ids, same shape.
        num_classes: K.
        valid: Optional boolean mask, same shape (e.g. pixels with input data).

    Returns:
        int64 array ``[K, K]``; rows are the truth, columns the prediction.
    """
    labels = np.asarray(labels).astype(np.int64).ravel()
    predictions = np.asarray(predictions).astype(np.int64).ravel()
    if labels.shape != predictions.shape:
        raise ValueError(
            f"labels and predictions differ in size: {labels.size} vs "
            f"{predictions.size}"
        )
    keep = (labels >= 0) & (labels < num_classes)
    if valid is not None:
        keep &= np.asarray(valid, dtype=bool).ravel()
    pairs = labels[keep] * num_classes + np.clip(predictions[keep], 0, num_classes - 1)
    counts = np.bincount(pairs, minlength=num_classes * num_classes)
    return counts.reshape(num_classes, num_classes).astype(np.int64)
