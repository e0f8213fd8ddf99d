"""bench/step_profile.py: the categories and the overhead add up to the wall time."""

import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "bench"))
step_profile = pytest.importorskip("step_profile")


def test_op_names_are_categorized_by_scope():
    cases = {
        "mfafnet_1/head_conv/Conv2D": "forward",
        "gradient_tape/mfafnet_1/head_conv/Conv2DBackpropFilter": "backward",
        "AddN_214": "backward",
        "adam_w/mul_745": "optimizer",
        "segmentation_cross_entropy_10/Sum": "loss",
        "compile_loss/add": "loss",
        "metrics/mean_iou/ScatterNd": "metrics",
        "ArithmeticOptimizer/AddOpsRewrite_Add": "other",
    }
    for name, expected in cases.items():
        assert step_profile.category(name, "mfafnet", "segmentation_cross_entropy") == expected, name
    assert step_profile.layer_of("gradient_tape/mfafnet_1/head_conv/Conv2D", "mfafnet") == "head_conv"


def test_wall_shares_and_overhead_sum_to_the_steps():
    # Two steps of 100; ops overlap (a and b share 20..40), a gap is overhead.
    windows = [(0, 100), (200, 300)]
    ops = [(0, 40, "a", "Conv2D"), (20, 60, "b", "Mul"), (210, 300, "c", "AddN"), (90, 220, "d", "X")]
    categories = ["forward", "backward", "optimizer", "metrics"]
    shares, total = step_profile.attribute_wall(ops, windows, categories)
    assert total == 200
    assert sum(shares.values()) == pytest.approx(total)
    assert shares["forward"] == pytest.approx(20 + 10)  # alone 0..20, half of 20..40
    assert shares["backward"] == pytest.approx(10 + 20)
    assert shares["metrics"] == pytest.approx(10 + 10 + 5)  # 90..100 and 200..210 alone, 210..220 halved
    assert shares["optimizer"] == pytest.approx(5 + 80)
    assert shares["overhead"] == pytest.approx(30)  # 60..90
