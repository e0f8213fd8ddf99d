"""A tiny MFAFNet, saved as .keras and exported as a SavedModel once per session."""

import numpy as np
import pytest

from mfafnet_tf.export import export_saved_model
from mfafnet_tf.models.mfafnet.mfafnet import MFAFNet

CLASS_NAMES = ["water", "forest", "city"]


@pytest.fixture(scope="session")
def tiny_model():
    """MFAFNet-tiny with 3 classes, random weights, built on a 32x32 batch."""
    model = MFAFNet(num_classes=3, preset="tiny", class_names=CLASS_NAMES)
    model({"optical": np.zeros((1, 32, 32, 4), np.float32), "sar": np.zeros((1, 32, 32, 1), np.float32)})
    return model


@pytest.fixture(scope="session")
def keras_file(tiny_model, tmp_path_factory):
    path = tmp_path_factory.mktemp("keras") / "tiny.keras"
    tiny_model.save(path)
    return path


@pytest.fixture(scope="session")
def saved_model_dir(tiny_model, tmp_path_factory):
    return export_saved_model(tiny_model, tmp_path_factory.mktemp("serving") / "1")


@pytest.fixture
def raw_inputs():
    """Raw optical/SAR values of odd size, with a nodata (NaN) patch."""
    rng = np.random.default_rng(3)
    optical = rng.uniform(0, 255, (2, 37, 29, 4)).astype(np.float32)
    sar = rng.gamma(1.0, 40.0, (2, 37, 29, 1)).astype(np.float32)
    optical[1, 5:9, 3:7] = np.nan
    return optical, sar
