"""Semantic distribution alignment (eq. 6): MMD between optical and SAR features."""

import keras
from keras import ops

KERNELS = ("gaussian_mmd", "linear_mmd", "none")


def _regular_subsample(features, max_tokens):
    """Flattens (B, H, W, C) to pixel tokens and keeps at most ``max_tokens``
    of them at a regular stride (deterministic, so inference is too)."""
    tokens = ops.reshape(features, (-1, features.shape[-1]))
    count = ops.shape(tokens)[0]
    keep = ops.minimum(count, max_tokens)
    index = ops.floor_divide(ops.arange(keep) * count, keep)
    return ops.take(tokens, index, axis=0)


def gaussian_mmd(x, y, num_kernels=3, multiplier=2.0):
    """Biased multi-kernel Gaussian MMD^2 between token sets x (n, d) and y (m, d).

    The base bandwidth is the mean pairwise squared distance of all tokens
    (gradient stopped); the kernels use ``base * multiplier**(i - num_kernels // 2)``.
    """
    n = ops.shape(x)[0]
    tokens = ops.concatenate([x, y], axis=0)
    squared = ops.sum(ops.square(tokens), axis=-1)
    distances = ops.maximum(
        squared[:, None] + squared[None, :] - 2.0 * ops.matmul(tokens, ops.transpose(tokens)), 0.0
    )
    total = ops.cast(ops.shape(tokens)[0], distances.dtype)
    base = ops.stop_gradient(ops.sum(distances) / ops.maximum(total * total - total, 1.0))
    base = ops.maximum(base, 1e-6)
    kernel = sum(
        ops.exp(-distances / (base * multiplier ** (i - num_kernels // 2))) for i in range(num_kernels)
    )
    xx = ops.mean(kernel[:n, :n])
    yy = ops.mean(kernel[n:, n:])
    xy = ops.mean(kernel[:n, n:])
    return xx + yy - 2.0 * xy


def linear_mmd(x, y):
    """The paper's simplified form: squared distance of the token means."""
    return ops.sum(ops.square(ops.mean(x, axis=0) - ops.mean(y, axis=0)))


@keras.saving.register_keras_serializable(package="mfafnet_tf")
class SemanticAlignment(keras.layers.Layer):
    """Projects both streams into a shared latent space and adds an MMD loss.

    A shared 1x1 projection maps the deepest optical and SAR features into a
    common space (the projected maps are returned and used downstream, so the
    projection is trained by the task too and cannot collapse to zero). The
    layer adds ``weight * MMD(optical tokens, SAR tokens)`` with ``add_loss``,
    computed in float32 on at most ``max_tokens`` pixel tokens per modality.

    Args:
        kernel: ``"gaussian_mmd"`` (3-kernel Gaussian, multiplier 2),
            ``"linear_mmd"`` or ``"none"`` (projection only, no loss).
        weight: loss weight.
        max_tokens: tokens per modality used for the MMD.
        num_kernels: Gaussian kernels.
        kernel_multiplier: bandwidth ratio between consecutive kernels.

    Call args:
        inputs: ``[optical, sar]`` maps (B, H, W, C).

    Returns:
        ``[optical, sar]`` projected maps of the same shape.
    """

    def __init__(
        self,
        kernel="gaussian_mmd",
        weight=0.1,
        max_tokens=1024,
        num_kernels=3,
        kernel_multiplier=2.0,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if kernel not in KERNELS:
            raise ValueError(f"kernel must be one of {KERNELS}, got {kernel!r}.")
        if max_tokens < 1:
            raise ValueError(f"max_tokens must be >= 1, got {max_tokens}.")
        self.kernel = kernel
        self.weight = float(weight)
        self.max_tokens = int(max_tokens)
        self.num_kernels = int(num_kernels)
        self.kernel_multiplier = float(kernel_multiplier)
        self.projection = None

    def build(self, input_shape):
        channels = input_shape[0][-1]
        self.projection = keras.layers.Conv2D(channels, 1, name="projection")
        self.projection.build(input_shape[0])

    def call(self, inputs):
        optical, sar = (self.projection(x) for x in inputs)
        if self.kernel != "none":
            x, y = (ops.cast(_regular_subsample(f, self.max_tokens), "float32") for f in (optical, sar))
            if self.kernel == "gaussian_mmd":
                discrepancy = gaussian_mmd(x, y, self.num_kernels, self.kernel_multiplier)
            else:
                discrepancy = linear_mmd(x, y)
            self.add_loss(self.weight * discrepancy)
        return [optical, sar]

    def compute_output_shape(self, input_shape):
        return [tuple(shape) for shape in input_shape]

    def get_config(self):
        config = super().get_config()
        config.update(
            kernel=self.kernel,
            weight=self.weight,
            max_tokens=self.max_tokens,
            num_kernels=self.num_kernels,
            kernel_multiplier=self.kernel_multiplier,
        )
        return config
