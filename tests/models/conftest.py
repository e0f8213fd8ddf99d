"""Small inputs shared by the model tests (tiny preset, batch 2)."""

import keras
import numpy as np
import pytest


def make_batch(height=32, width=32, batch=2, num_classes=4, seed=0):
    """Raw-valued optical/SAR inputs with some nodata, and labels with 255s.

    The labels depend on the inputs (thresholds of the optical mean and the
    SAR value), so a model can learn them.
    """
    rng = np.random.default_rng(seed)
    optical = rng.uniform(0, 255, (batch, height, width, 4)).astype("float32")
    sar = rng.gamma(2.0, 0.05, (batch, height, width, 1)).astype("float32")
    optical[:, :2, :2] = np.nan
    score = optical[..., :3].mean(-1) / 255.0 + 5.0 * sar[..., 0]
    labels = np.clip(np.nan_to_num(score * num_classes / 2.0).astype("int32"), 0, num_classes - 1)
    labels[:, :2, :2] = 255
    return {"optical": optical, "sar": sar}, labels


NORMALIZATION = {
    "optical": {"mean": [127.0] * 4, "std": [74.0] * 4, "transform": "none", "count": 10},
    "sar": {"mean": [-10.8], "std": [3.0], "transform": "db", "count": 10},
}


@pytest.fixture
def batch():
    return make_batch()


@pytest.fixture
def normalization():
    return NORMALIZATION


@pytest.fixture(autouse=True)
def _seed_and_policy():
    keras.utils.set_random_seed(0)
    yield
    keras.config.set_dtype_policy("float32")
