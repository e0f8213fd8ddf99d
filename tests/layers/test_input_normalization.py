"""Input normalization: statistics, SAR transforms, nodata handling."""

import numpy as np
import pytest

from mfafnet_tf.layers import InputNormalization


def test_mean_std_per_band_and_nodata_to_zero():
    x = np.array([[[[10.0, 1.0], [np.nan, 3.0]]]], dtype="float32")  # (1,1,2,2)
    out = np.asarray(InputNormalization([10.0, 1.0], [2.0, 4.0])(x))
    np.testing.assert_allclose(out, [[[[0.0, 0.0], [0.0, 0.5]]]])


def test_db_and_log_transforms_floor_at_epsilon():
    x = np.array([1.0, 100.0, 0.0, np.inf], dtype="float32").reshape(1, 1, 4, 1)
    db = np.asarray(InputNormalization([0.0], [1.0], "db")(x)).ravel()
    np.testing.assert_allclose(db[:3], [0.0, 20.0, -60.0], atol=1e-3)
    assert db[3] == 0.0  # non-finite -> 0
    log = np.asarray(InputNormalization(transform="log")(x)).ravel()
    np.testing.assert_allclose(log[:2], [0.0, np.log(100.0)], rtol=1e-5)


def test_band_count_mismatch_names_expected_and_found():
    layer = InputNormalization([0.0, 0.0, 0.0], [1.0, 1.0, 1.0], name="optical_normalization")
    with pytest.raises(ValueError, match=r"optical_normalization.*3 values.*\(4\)"):
        layer(np.zeros((1, 2, 2, 4), "float32"))


def test_invalid_arguments_are_rejected():
    with pytest.raises(ValueError, match="transform"):
        InputNormalization(transform="sqrt")
    with pytest.raises(ValueError, match="std must be positive"):
        InputNormalization([0.0], [0.0])


def test_validity_channel_marks_pixels_with_every_band_finite():
    x = np.array([[[[10.0, 1.0], [np.nan, 3.0], [12.0, np.inf]]]], dtype="float32")  # (1,1,3,2)
    layer = InputNormalization([10.0, 1.0], [2.0, 4.0], validity=True)
    out = np.asarray(layer(x))
    assert layer.compute_output_shape((None, None, None, 2)) == (None, None, None, 3)
    # A pixel missing one band is nodata as a whole: all bands 0, validity 0.
    np.testing.assert_allclose(out, [[[[0.0, 0.0, 1.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]]])
    assert InputNormalization.from_config(layer.get_config()).validity
