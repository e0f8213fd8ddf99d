"""Fixtures for the data-layer tests: tiny GeoTIFFs written on the fly."""

import numpy as np
import pytest

from tiny_rasters import write_raster


@pytest.fixture
def rng():
    return np.random.default_rng(7)


@pytest.fixture
def scene_files(tmp_path, rng):
    """A 64x48 WHU-like trio: 4-band uint8 optical, float32 SAR, uint8 label codes."""
    optical = rng.integers(1, 256, size=(48, 64, 4), dtype=np.uint8)
    sar = rng.uniform(0.01, 1.0, size=(48, 64)).astype(np.float32)
    label = rng.choice(np.array([0, 10, 20, 30, 40, 50, 60, 70], np.uint8), size=(48, 64))
    return {
        "optical": write_raster(tmp_path / "optical.tif", optical),
        "sar": write_raster(tmp_path / "sar.tif", sar),
        "label": write_raster(tmp_path / "label.tif", label),
        "arrays": {"optical": optical, "sar": sar, "label": label},
    }


@pytest.fixture(scope="session")
def synthetic_root(tmp_path_factory):
    """Three synthetic 64x80 scenes in the WHU layout (read-only for tests)."""
    from mfafnet_tf.data.synthetic import synthesize

    root = tmp_path_factory.mktemp("synthetic")
    split_file = synthesize(root, scenes=3, size=(64, 80), seed=3, progress=False)
    return root, split_file
