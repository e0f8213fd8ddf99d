"""ValidityGate: the per-pixel choice between fused and single-modality logits."""

import numpy as np

from mfafnet_tf.layers import ValidityGate


def test_each_pixel_takes_the_logits_of_the_modalities_that_are_valid():
    rng = np.random.default_rng(0)
    fused, optical_logits, sar_logits = (rng.normal(size=(1, 2, 2, 3)).astype("float32")
                                         for _ in range(3))
    # Validity per pixel (optical, SAR): both, only optical, only SAR, neither.
    optical_valid = np.array([1, 1, 0, 0], "float32").reshape(1, 2, 2, 1)
    sar_valid = np.array([1, 0, 1, 0], "float32").reshape(1, 2, 2, 1)
    optical = np.concatenate([rng.normal(size=(1, 2, 2, 4)), optical_valid], -1).astype("float32")
    sar = np.concatenate([rng.normal(size=(1, 2, 2, 1)), sar_valid], -1).astype("float32")
    out = np.asarray(ValidityGate()([fused, optical_logits, sar_logits, optical, sar]))
    np.testing.assert_allclose(out[0, 0, 0], fused[0, 0, 0], rtol=1e-6)
    np.testing.assert_allclose(out[0, 0, 1], optical_logits[0, 0, 1], rtol=1e-6)
    np.testing.assert_allclose(out[0, 1, 0], (fused[0, 1, 0] + sar_logits[0, 1, 0]) / 2, rtol=1e-6)
    np.testing.assert_allclose(out[0, 1, 1], fused[0, 1, 1], rtol=1e-6)
