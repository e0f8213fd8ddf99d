"""The Haar filter bank as convolution kernels, for fusing the DWT/IDWT with 1x1 convolutions."""

import numpy as np
from keras import ops

# HAAR_FILTERS[i, j, band]: weight of pixel (i, j) of a 2x2 block in the band
# [LL, LH, HL, HH] (``HaarDWT``). The orthonormal matrix is its own inverse up
# to transposition, so the same weights synthesize pixel (i, j) from the bands.
HAAR_FILTERS = 0.5 * np.array(
    [
        [[1.0, 1.0, 1.0, 1.0], [1.0, 1.0, -1.0, -1.0]],
        [[1.0, -1.0, 1.0, -1.0], [1.0, -1.0, -1.0, 1.0]],
    ],
    dtype="float32",
)


def check_even(input_shape, layer_name):
    """Raises ValueError if a known height or width of ``input_shape`` is odd."""
    for axis, size in zip(("height", "width"), input_shape[1:3]):
        if size is not None and size % 2:
            raise ValueError(f"{layer_name} needs an even {axis}, got {size}.")


def analysis_kernel(band_kernel):
    """Composes the DWT with a following 1x1 convolution.

    Args:
        band_kernel: (1, 1, 4C, F) kernel over the band-major DWT channels.

    Returns:
        The (2, 2, C, F) kernel of the equal 2x2 stride-2 convolution.
    """
    _, _, bands, filters = band_kernel.shape
    per_band = ops.reshape(band_kernel, (4, bands // 4, filters))
    haar = ops.convert_to_tensor(HAAR_FILTERS, dtype=band_kernel.dtype)
    return ops.tensordot(haar, per_band, axes=1)


def pixel_major(band_values):
    """Maps band-major values over the last axis to the IDWT's pixels.

    Args:
        band_values: (..., 4F) tensor, ``[LL, LH, HL, HH]`` blocks of F
            channels (the kernel or bias of a 1x1 convolution to the bands).

    Returns:
        The (..., 4F) tensor whose channel ``(2i + j) * F + f`` is pixel (i, j)
        of the IDWT's 2x2 block in channel f (the IDWT is linear, so it can be
        applied to the convolution's weights instead of its output).
    """
    shape = ops.shape(band_values)
    per_band = ops.reshape(band_values, (-1, 4, band_values.shape[-1] // 4))
    haar = ops.reshape(ops.convert_to_tensor(HAAR_FILTERS, dtype=band_values.dtype), (4, 4))
    return ops.reshape(ops.einsum("pb,nbf->npf", haar, per_band), shape)
