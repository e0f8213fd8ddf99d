"""Metrics against hand-computed confusion matrices."""

import math

import numpy as np
import pytest

from mfafnet_tf.evaluation.confusion import confusion_matrix
from mfafnet_tf.evaluation.scores import segmentation_scores

# 3x4 label map with ignore pixels (255); class 3 never occurs in the truth.
LABELS = np.array([[0, 0, 1, 1], [2, 2, 255, 1], [0, 255, 2, 2]])
PREDICTIONS = np.array([[0, 1, 1, 1], [2, 0, 3, 1], [0, 2, 3, 2]])


def test_confusion_matrix_by_hand():
    expected = np.array(
        [
            [2, 1, 0, 0],  # truth 0: (0,0) (0,1) (2,0)
            [0, 3, 0, 0],  # truth 1
            [1, 0, 2, 1],  # truth 2: (1,0)->2 (1,1)->0 (2,2)->3 (2,3)->2
            [0, 0, 0, 0],  # class 3 absent from the truth
        ]
    )
    np.testing.assert_array_equal(confusion_matrix(LABELS, PREDICTIONS, 4), expected)


def test_valid_mask_removes_pixels():
    valid = np.ones_like(LABELS, dtype=bool)
    valid[0, 1] = False  # the 0 -> 1 error
    matrix = confusion_matrix(LABELS, PREDICTIONS, 4, valid=valid)
    assert matrix[0, 1] == 0
    assert matrix.sum() == 9


def test_scores_by_hand():
    scores = segmentation_scores(confusion_matrix(LABELS, PREDICTIONS, 4), ["a", "b", "c", "d"])
    # TP = [2, 3, 2, 0]; truth = [3, 3, 4, 0]; predicted = [3, 4, 2, 1]; N = 10.
    assert scores["pixels"] == 10
    assert scores["aAcc"] == pytest.approx(7 / 10)
    iou = [2 / 4, 3 / 4, 2 / 4, 0.0]  # d: absent from truth but predicted -> IoU 0
    assert list(scores["per_class_iou"].values()) == pytest.approx(iou)
    assert scores["mIoU"] == pytest.approx(np.mean(iou))
    acc = scores["per_class_acc"]
    assert [acc["a"], acc["b"], acc["c"]] == pytest.approx([2 / 3, 1.0, 0.5])
    assert math.isnan(acc["d"])  # recall undefined without ground truth
    assert scores["mAcc"] == pytest.approx((2 / 3 + 1 + 0.5) / 3)
    f1 = [4 / 6, 6 / 7, 4 / 6, 0.0]
    assert scores["mF1"] == pytest.approx(np.mean(f1))
    expected_agreement = (3 * 3 + 3 * 4 + 4 * 2 + 0 * 1) / 100
    assert scores["kappa"] == pytest.approx((0.7 - expected_agreement) / (1 - expected_agreement))


def test_class_neither_true_nor_predicted_is_left_out_of_means():
    labels = np.array([0, 0, 1, 1])
    scores = segmentation_scores(confusion_matrix(labels, labels, 3))
    assert math.isnan(scores["per_class_iou"]["class_2"])
    assert scores["mIoU"] == 1.0
    assert scores["kappa"] == 1.0


def test_out_of_range_labels_are_ignored_and_predictions_clipped():
    matrix = confusion_matrix([0, 7, 255, 1], [0, 0, 0, 9], 2)
    np.testing.assert_array_equal(matrix, [[1, 0], [0, 1]])


def test_nothing_scored_gives_nan():
    scores = segmentation_scores(np.zeros((2, 2)))
    assert math.isnan(scores["aAcc"]) and math.isnan(scores["mIoU"])
