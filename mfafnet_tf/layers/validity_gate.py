"""Per-pixel choice between the fused and the single-modality logits by input validity."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="mfafnet_tf")
class ValidityGate(keras.layers.Layer):
    """Fused logits where both modalities are valid, fallback logits where one is.

    Inputs: ``[fused, optical_logits, sar_logits, optical, sar]``: three logits
    maps ``(B, H, W, K)`` and the two normalized inputs ``(B, H, W, C + 1)``
    whose last channel is the validity (1 = data, 0 = nodata, see
    ``InputNormalization(validity=True)``). Per pixel the output is:

    - both modalities valid, or neither: ``fused``;
    - only the optical: ``optical_logits``;
    - only the SAR: the mean of ``fused`` and ``sar_logits`` (under a cloud the
      fused decoder still sees the clear optical around it).

    Output dtype is the layer's (float32 by default).
    """

    def __init__(self, **kwargs):
        kwargs.setdefault("dtype", "float32")
        super().__init__(**kwargs)

    def call(self, inputs):
        fused, optical_logits, sar_logits, optical, sar = inputs
        optical_valid = ops.cast(optical[..., -1:] > 0.5, self.compute_dtype)
        sar_valid = ops.cast(sar[..., -1:] > 0.5, self.compute_dtype)
        only_optical = optical_valid * (1.0 - sar_valid)
        half_sar = 0.5 * (1.0 - optical_valid) * sar_valid
        return ((1.0 - only_optical - half_sar) * fused + only_optical * optical_logits
                + half_sar * sar_logits)

    def compute_output_shape(self, input_shape):
        return input_shape[0]
