"""Feature decomposition module (FDM): low/high-frequency channel split."""

import keras
from keras import ops

from mfafnet_tf.layers.affine_coupling import AffineCoupling
from mfafnet_tf.layers.conv_feed_forward import ConvFeedForward
from mfafnet_tf.layers.lite_transformer_block import LiteTransformerBlock

LOW_BRANCHES = ("transformer", "none")
HIGH_BRANCHES = ("inn", "conv")


def split_channels(channels, low_ratio):
    """Returns (low, high) channel counts: low ~ ratio * channels, high even."""
    low = min(channels, max(0, round(low_ratio * channels)))
    if (channels - low) % 2:
        low = low + 1 if low < channels else low - 1
    return low, channels - low


@keras.saving.register_keras_serializable(package="mfafnet_tf")
class FeatureDecomposition(keras.layers.Layer):
    """Splits channels into a global (low-frequency) and a local (high) branch.

    The first ``round(low_ratio * C)`` channels (adjusted so the rest is even)
    go through ``transformer_depth`` ``LiteTransformerBlock``s, the rest through
    ``inn_depth`` ``AffineCoupling`` blocks. The branches are merged by
    concat -> depthwise 3x3 residual -> 1x1 projection.

    Args:
        low_ratio: share of channels for the low-frequency branch.
        num_heads: attention heads of the transformer blocks.
        reduction_ratio: key/value pooling factor of the attention.
        transformer_depth: number of transformer blocks.
        inn_depth: number of coupling (or conv, see ``high_branch``) blocks.
        mlp_ratio: transformer FFN expansion.
        coupling_clamp: soft clamp of the coupling log-scale.
        low_branch: ``"transformer"`` or ``"none"`` (identity; ablation).
        high_branch: ``"inn"`` or ``"conv"`` (residual depthwise-separable
            bottlenecks instead of couplings; ablation).
    """

    def __init__(
        self,
        low_ratio=0.5,
        num_heads=1,
        reduction_ratio=1,
        transformer_depth=1,
        inn_depth=1,
        mlp_ratio=4,
        coupling_clamp=2.0,
        low_branch="transformer",
        high_branch="inn",
        **kwargs,
    ):
        super().__init__(**kwargs)
        if low_branch not in LOW_BRANCHES:
            raise ValueError(f"low_branch must be one of {LOW_BRANCHES}, got {low_branch!r}.")
        if high_branch not in HIGH_BRANCHES:
            raise ValueError(f"high_branch must be one of {HIGH_BRANCHES}, got {high_branch!r}.")
        self.low_ratio = float(low_ratio)
        self.num_heads = int(num_heads)
        self.reduction_ratio = int(reduction_ratio)
        self.transformer_depth = int(transformer_depth)
        self.inn_depth = int(inn_depth)
        self.mlp_ratio = float(mlp_ratio)
        self.coupling_clamp = float(coupling_clamp)
        self.low_branch = low_branch
        self.high_branch = high_branch
        self.low_blocks, self.high_blocks = [], []
        self.low_channels = self.high_channels = None
        self.merge_depthwise = keras.layers.DepthwiseConv2D(
            3, padding="same", use_bias=False, name="merge_depthwise"
        )
        self.merge_project = None

    def build(self, input_shape):
        channels = input_shape[-1]
        self.low_channels, self.high_channels = split_channels(channels, self.low_ratio)
        low_shape = tuple(input_shape[:-1]) + (self.low_channels,)
        high_shape = tuple(input_shape[:-1]) + (self.high_channels,)
        if self.low_branch == "transformer" and self.low_channels:
            self.low_blocks = [
                LiteTransformerBlock(
                    self.num_heads, self.reduction_ratio, self.mlp_ratio, name=f"transformer_{i}"
                )
                for i in range(self.transformer_depth)
            ]
        if self.high_channels:
            self.high_blocks = [
                AffineCoupling(self.coupling_clamp, name=f"coupling_{i}")
                if self.high_branch == "inn"
                else ConvFeedForward(
                    self.high_channels, 2 * self.high_channels, "relu6", name=f"conv_{i}"
                )
                for i in range(self.inn_depth)
            ]
        for block in self.low_blocks:
            block.build(low_shape)
        for block in self.high_blocks:
            block.build(high_shape)
        self.merge_depthwise.build(input_shape)
        self.merge_project = keras.layers.Conv2D(channels, 1, name="merge_project")
        self.merge_project.build(input_shape)

    def call(self, inputs):
        low = inputs[..., : self.low_channels]
        for block in self.low_blocks:
            low = block(low)
        x = ops.concatenate([low, *self._high_parts(inputs)], axis=-1)
        x = x + self.merge_depthwise(x)
        return self.merge_project(x)


    def plain_call(self, inputs):
        """``call`` with the high branch as whole coupling blocks (the paper's form)."""
        low = inputs[..., : self.low_channels]
        high = inputs[..., self.low_channels :]
        for block in self.low_blocks:
            low = block(low)
        for block in self.high_blocks:
            update = block(high)
            high = update if self.high_branch == "inn" else high + update
        x = ops.concatenate([low, high], axis=-1)
        x = x + self.merge_depthwise(x)
        return self.merge_project(x)
    def _high_parts(self, inputs):
        """The high-frequency branch's output as a list of channel blocks.

        Couplings are chained on the two halves, sliced straight from the input,
        so the branch concatenates once, together with the low branch.
        """
        start = self.low_channels
        if self.high_branch == "inn" and self.high_blocks:
            middle = start + self.high_channels // 2
            z1, z2 = inputs[..., start:middle], inputs[..., middle:]
            for block in self.high_blocks:
                z1, z2 = block.couple(z1, z2)
            return [z1, z2]
        high = inputs[..., start:]
        for block in self.high_blocks:
            high = high + block(high)
        return [high]

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update(
            low_ratio=self.low_ratio,
            num_heads=self.num_heads,
            reduction_ratio=self.reduction_ratio,
            transformer_depth=self.transformer_depth,
            inn_depth=self.inn_depth,
            mlp_ratio=self.mlp_ratio,
            coupling_clamp=self.coupling_clamp,
            low_branch=self.low_branch,
            high_branch=self.high_branch,
        )
        return config
