"""A ResNet encoder stream (torchvision layout, output stride 16) as plain Keras layers."""

import keras

from mfafnet_tf.errors import ConfigError
from mfafnet_tf.layers.atrous_conv import AtrousConv2D
from mfafnet_tf.layers.shape_utils import TORCH_BATCH_NORM, batch_norm

# Blocks per stage and whether they are bottlenecks (He et al. 2016, Table 1).
DEPTHS = {
    18: ((2, 2, 2, 2), False),
    34: ((3, 4, 6, 3), False),
    50: ((3, 4, 6, 3), True),
    101: ((3, 4, 23, 3), True),
}
STAGE_WIDTHS = (64, 128, 256, 512)
BOTTLENECK_EXPANSION = 4


def check_depth(depth):
    """Returns ``depth`` as an int if it is one of ``DEPTHS``.

    Raises:
        ConfigError: any other depth.
    """
    if depth not in DEPTHS:
        raise ConfigError(f"depth: expected one of {sorted(DEPTHS)}, found {depth!r}.")
    return int(depth)


def stream_widths(depth):
    """Channels of the stage-1 (low-level) and stage-4 (high-level) outputs."""
    expansion = BOTTLENECK_EXPANSION if DEPTHS[check_depth(depth)][1] else 1
    return STAGE_WIDTHS[0] * expansion, STAGE_WIDTHS[-1] * expansion


def _conv_norm(x, filters, kernel, synchronized_bn, name, strides=1, dilation=1, relu=True):
    if dilation > 1:  # the same convolution, with a fast gradient on CPU
        x = AtrousConv2D(filters, kernel, dilation_rate=dilation, use_bias=False,
                         name=f"{name}_conv")(x)
    else:
        x = keras.layers.Conv2D(filters, kernel, strides=strides, padding="same",
                                use_bias=False, name=f"{name}_conv")(x)
    x = batch_norm(synchronized_bn, f"{name}_norm", **TORCH_BATCH_NORM)(x)
    return keras.layers.ReLU(name=f"{name}_relu")(x) if relu else x


def _residual_block(x, width, strides, dilation, bottleneck, synchronized_bn, name):
    """A basic (two 3x3) or bottleneck (1x1, 3x3, 1x1 x4) block; stride on the 3x3 (v1.5)."""
    out_channels = width * BOTTLENECK_EXPANSION if bottleneck else width
    shortcut = x
    if strides != 1 or x.shape[-1] != out_channels:
        shortcut = _conv_norm(x, out_channels, 1, synchronized_bn, f"{name}_shortcut",
                              strides=strides, relu=False)
    if bottleneck:
        y = _conv_norm(x, width, 1, synchronized_bn, f"{name}_reduce")
        y = _conv_norm(y, width, 3, synchronized_bn, f"{name}_spatial", strides, dilation)
        y = _conv_norm(y, out_channels, 1, synchronized_bn, f"{name}_expand", relu=False)
    else:
        y = _conv_norm(x, width, 3, synchronized_bn, f"{name}_spatial1", strides, dilation)
        y = _conv_norm(y, width, 3, synchronized_bn, f"{name}_spatial2", dilation=dilation, relu=False)
    y = keras.layers.Add(name=f"{name}_add")([shortcut, y])
    return keras.layers.ReLU(name=f"{name}_out")(y)


def resnet_stream(x, depth, synchronized_bn, prefix):
    """Applies a ResNet-``depth`` encoder to ``x`` and returns its low and high levels.

    The torchvision layout: a 7x7 stride-2 stem and a 3x3 stride-2 max-pool,
    then four stages of widths 64-128-256-512 (x4 for bottlenecks). As in
    DeepLabV3+ at output stride 16, the fourth stage keeps stride 1 and
    dilates its 3x3 convolutions by 2 (from its second block on, as
    torchvision's ``replace_stride_with_dilation`` does). Layers are named
    ``{prefix}_stem_*`` and ``{prefix}_stage{s}_block{b}_*``; the stem takes
    ``x``'s channels as they are.

    Args:
        x: a (B, H, W, C) tensor, H and W multiples of 16.
        depth: 18, 34, 50 or 101.
        synchronized_bn: synchronize BatchNormalization across replicas.
        prefix: name prefix of the layers (``"optical"``, ``"sar"``).

    Returns:
        ``[low, high]``: the stage-1 output (stride 4) and the stage-4 output
        (stride 16).
    """
    blocks, bottleneck = DEPTHS[check_depth(depth)]
    x = _conv_norm(x, STAGE_WIDTHS[0], 7, synchronized_bn, f"{prefix}_stem", strides=2)
    x = keras.layers.MaxPooling2D(3, strides=2, padding="same", name=f"{prefix}_stem_pool")(x)
    levels = []
    for stage, (count, width) in enumerate(zip(blocks, STAGE_WIDTHS), start=1):
        dilated = stage == len(blocks)
        for block in range(count):
            strides = 2 if stage in (2, 3) and block == 0 else 1
            dilation = 2 if dilated and block > 0 else 1
            x = _residual_block(x, width, strides, dilation, bottleneck, synchronized_bn,
                                f"{prefix}_stage{stage}_block{block + 1}")
        levels.append(x)
    return [levels[0], levels[-1]]
