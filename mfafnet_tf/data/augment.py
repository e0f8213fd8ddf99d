"""Batched, per-example augmentation that keeps optical, SAR and labels aligned."""

import tensorflow as tf


def _choose(mask, if_true, if_false):
    return tf.where(mask[:, None, None, None], if_true, if_false)


def flip_rotate(optical, sar, label, seed):
    """Applies one random element of the square's symmetry group per example.

    Each example is independently transposed (square patches only), flipped left
    right and flipped up-down, which together give every flip and 90° rotation.
    The three inputs are stacked and moved as one tensor.

    Args:
        optical: float32 [B, H, W, Co].
        sar: float32 [B, H, W, Cs].
        label: uint8 [B, H, W].
        seed: int32/int64 tensor of shape [2] for the stateless random ops.

    Returns:
        (optical, sar, label) transformed alike.
    """
    optical_channels = tf.shape(optical)[-1]
    sar_channels = tf.shape(sar)[-1]
    stacked = tf.concat([optical, sar, tf.cast(label, tf.float32)[..., None]], axis=-1)
    batch = tf.shape(stacked)[0]
    draws = tf.random.stateless_uniform([3, batch], seed=seed) < 0.5
    if stacked.shape[1] is not None and stacked.shape[1] == stacked.shape[2]:
        stacked = _choose(draws[0], tf.transpose(stacked, [0, 2, 1, 3]), stacked)
    stacked = _choose(draws[1], tf.reverse(stacked, axis=[2]), stacked)
    stacked = _choose(draws[2], tf.reverse(stacked, axis=[1]), stacked)
    optical, sar, label = tf.split(
        stacked, [optical_channels, sar_channels, 1], axis=-1)
    return optical, sar, tf.cast(label[..., 0], tf.uint8)


def speckle(sar, looks, seed):
    """Multiplies (linear-scale) SAR by Gamma(looks, 1/looks) speckle noise."""
    noise = tf.random.stateless_gamma(tf.shape(sar), seed=seed, alpha=float(looks))
    return sar * noise / float(looks)


def modality_dropout(optical, sar, rate, seed):
    """Blanks one modality (all NaN, i.e. nodata) in a `rate` share of examples.

    Which modality is blanked is chosen with equal odds; the model turns NaN
    into zeros after normalization, as for missing data at inference.
    """
    draws = tf.random.stateless_uniform([2, tf.shape(optical)[0]], seed=seed)
    drop = draws[0] < rate
    drop_optical = drop & (draws[1] < 0.5)
    drop_sar = drop & (draws[1] >= 0.5)
    nan = float("nan")
    optical = _choose(drop_optical, tf.fill(tf.shape(optical), nan), optical)
    sar = _choose(drop_sar, tf.fill(tf.shape(sar), nan), sar)
    return optical, sar


def region_dropout(image, rate, seed, cell=16):
    """Masks cloud-shaped regions of `image` (NaN, i.e. nodata) in a `rate` share of examples.

    A masked example gets smooth random blobs (bilinearly upsampled noise of
    about `cell` pixels per sample) over a share of its pixels drawn uniformly
    from 10-90 %, as a cloud mask applied to an optical product leaves them
    (or swath edges and layover/shadow masks a SAR product). Labels stay, so
    the model learns to segment the masked regions from the other modality.

    Args:
        image: float32 [B, H, W, C], the optical or the SAR.
        rate: share of examples that get masked regions.
        seed: int32/int64 tensor of shape [2] for the stateless random ops.
        cell: pixels per noise sample, roughly the blob radius.

    Returns:
        The image with NaN in every band of the masked regions.
    """
    shape = tf.shape(image)
    batch, height, width = shape[0], shape[1], shape[2]
    seeds = tf.random.experimental.stateless_split(seed, 3)
    coarse = tf.random.stateless_uniform(
        tf.stack([batch, height // cell + 2, width // cell + 2, 1]), seed=seeds[0])
    field = tf.reshape(tf.image.resize(coarse, tf.stack([height, width])), [batch, -1])
    pixels = tf.shape(field)[1]
    cover = tf.random.stateless_uniform([batch], seed=seeds[1], minval=0.1, maxval=0.9)
    count = tf.cast(tf.round(cover * tf.cast(pixels, tf.float32)), tf.int32)
    threshold = tf.gather(tf.sort(field, axis=1), tf.minimum(count, pixels - 1), batch_dims=1)
    chosen = tf.random.stateless_uniform([batch], seed=seeds[2]) < rate
    regions = (field < threshold[:, None]) & chosen[:, None]
    regions = tf.reshape(regions, tf.stack([batch, height, width, 1]))
    return tf.where(regions, tf.constant(float("nan"), image.dtype), image)
