"""MCANet's multimodal cross-attention module (MCAM, Li et al. 2022)."""

import math

import keras
from keras import ops

MODALITIES = ("optical", "sar")


@keras.saving.register_keras_serializable(package="mfafnet_tf")
class MultimodalCrossAttention(keras.layers.Layer):
    """Fuses same-level optical and SAR maps by a joint (second-order) attention map.

    Each modality ``m`` gets 1x1 projections ``Q_m, K_m, V_m`` of
    ``channels // reduction`` channels (keys without bias) and its spatial self-attention map
    ``S_m = softmax(Q_m K_m^T / sqrt(d))`` (N x N over the H*W positions).
    The cross attention map is their element-wise product
    ``S = S_optical * S_sar``: position i attends to j as much as both
    modalities agree; its rows are renormalized to sum to 1 (computed as
    ``softmax`` of the summed logits, in float32). The re-implementations
    leave the product unnormalized, which scales the output by about 1/N
    (1/4096 at a 64x64 level) and underflows float16. It weights the values of both modalities, which are
    summed, ``A = S V_optical + S V_sar``, and a 1x1 convolution maps ``A``
    back to the input channels.

    Args:
        reduction: channel reduction of the query, key and value projections
            (2 as in the non-local block that MCAM extends).

    Call args:
        inputs: ``[optical, sar]`` maps of the same shape (B, H, W, C).

    Returns:
        The fused (B, H, W, C) map.
    """

    def __init__(self, reduction=2, **kwargs):
        super().__init__(**kwargs)
        self.reduction = int(reduction)
        self.projections = {}
        self.output_projection = None

    def build(self, input_shape):
        optical_shape, sar_shape = input_shape
        if tuple(optical_shape[1:]) != tuple(sar_shape[1:]):
            raise ValueError(
                f"MultimodalCrossAttention needs equal optical and SAR shapes, got "
                f"{optical_shape} and {sar_shape}.")
        channels = optical_shape[-1]
        inner = max(1, channels // self.reduction)
        for modality in MODALITIES:
            for role in ("query", "key", "value"):
                # A key bias adds a constant per query row: softmax ignores it.
                layer = keras.layers.Dense(inner, use_bias=role != "key", name=f"{modality}_{role}")
                layer.build(optical_shape)
                self.projections[f"{modality}_{role}"] = layer
        self.output_projection = keras.layers.Dense(channels, name="output")
        self.output_projection.build(tuple(optical_shape[:-1]) + (inner,))

    def attention_logits(self, inputs, modality):
        """``Q K^T / sqrt(d)`` of one modality: (B, H*W, H*W), in float32.

        float32 also under mixed precision: the softmax over thousands of
        positions gives entries below float16's range.
        """
        x = inputs[MODALITIES.index(modality)]
        query = ops.cast(self._tokens(self.projections[f"{modality}_query"](x)), "float32")
        key = ops.cast(self._tokens(self.projections[f"{modality}_key"](x)), "float32")
        scale = 1.0 / math.sqrt(query.shape[-1])
        return ops.matmul(query, ops.transpose(key, (0, 2, 1))) * scale

    def call(self, inputs):
        optical, sar = inputs
        # softmax(a) * softmax(b), rows renormalized, is softmax(a + b).
        joint = ops.softmax(
            self.attention_logits(inputs, "optical") + self.attention_logits(inputs, "sar"), axis=-1)
        # S V_o + S V_s as one product.
        values = self._tokens(self.projections["optical_value"](optical)
                              + self.projections["sar_value"](sar))
        shape = ops.shape(optical)
        attended = ops.matmul(joint, ops.cast(values, "float32"))
        attended = ops.reshape(ops.cast(attended, values.dtype), (shape[0], shape[1], shape[2], -1))
        return self.output_projection(attended)

    @staticmethod
    def _tokens(x):
        shape = ops.shape(x)
        return ops.reshape(x, (shape[0], shape[1] * shape[2], x.shape[-1]))

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[0])

    def get_config(self):
        config = super().get_config()
        config.update(reduction=self.reduction)
        return config
