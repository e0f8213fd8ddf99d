"""Segmentation scores from a confusion matrix (NumPy).

Definitions (TP, FP, FN per class from the matrix; N scored pixels):

- aAcc: overall pixel accuracy, trace / N.
- IoU_c = TP / (TP + FP + FN); undefined (NaN) when the class is neither in the
  ground truth nor predicted. A class absent from the ground truth but
  predicted gets IoU 0: its false positives count.
- Acc_c = TP / (TP + FN) (recall); NaN when the class is absent from the truth.
- F1_c = 2 TP / (2 TP + FP + FN); NaN like IoU.
- mIoU, mAcc, mean F1: means over the classes where the score is defined.
- Cohen's kappa = (p_o - p_e) / (1 - p_e), with p_o = aAcc and p_e the agreement
  expected from the row and column totals.
"""

import numpy as np


def segmentation_scores(confusion, class_names=None):
    """Computes the field's metrics from a ``[K, K]`` confusion matrix.

    Args:
        confusion: Rows = truth, columns = prediction.
        class_names: K names; defaults to ``class_0``...

    Returns:
        A dict with ``aAcc``, ``mIoU``, ``mAcc``, ``mF1``, ``kappa`` (floats,
        NaN when nothing was scored), ``per_class_iou``, ``per_class_acc``,
        ``per_class_f1`` (name -> float or NaN) and ``pixels`` (scored count).
    """
    confusion = np.asarray(confusion, dtype=np.float64)
    num_classes = confusion.shape[0]
    names = list(class_names or [f"class_{index}" for index in range(num_classes)])
    if len(names) != num_classes:
        raise ValueError(
            f"{len(names)} class names for a {num_classes}-class confusion matrix"
        )
    true_positive = np.diag(confusion)
    truth = confusion.sum(axis=1)
    predicted = confusion.sum(axis=0)
    total = confusion.sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        union = truth + predicted - true_positive
        iou = np.where(union > 0, true_positive / union, np.nan)
        accuracy = np.where(truth > 0, true_positive / truth, np.nan)
        f1 = np.where(union > 0, 2 * true_positive / (truth + predicted), np.nan)
    overall = true_positive.sum() / total if total else np.nan
    expected = (truth * predicted).sum() / total**2 if total else np.nan
    kappa = (overall - expected) / (1 - expected) if total and expected < 1 else np.nan
    return {
        "aAcc": float(overall),
        "mIoU": _nanmean(iou),
        "mAcc": _nanmean(accuracy),
        "mF1": _nanmean(f1),
        "kappa": float(kappa),
        "per_class_iou": dict(zip(names, map(float, iou))),
        "per_class_acc": dict(zip(names, map(float, accuracy))),
        "per_class_f1": dict(zip(names, map(float, f1))),
        "pixels": int(total),
    }


def _nanmean(values):
    defined = values[~np.isnan(values)]
    return float(defined.mean()) if defined.size else float("nan")
