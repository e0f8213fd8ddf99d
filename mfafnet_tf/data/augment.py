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
