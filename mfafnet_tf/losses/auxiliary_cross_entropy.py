"""Auxiliary cross-entropies of the all-weather head: per stream and per fallback decoder."""

from keras import ops

from mfafnet_tf.losses.segmentation_cross_entropy import SegmentationCrossEntropy


def sample_at_stride(values, rows, cols, stride, fill):
    """The centre pixel of every ``stride``-square block of ``values`` [B, H, W].

    ``values`` is first padded with ``fill`` at the bottom and right (as the
    model pads its inputs) to ``rows * stride`` by ``cols * stride``.
    """
    pad_rows = rows * stride - ops.shape(values)[1]
    pad_cols = cols * stride - ops.shape(values)[2]
    values = ops.pad(values, [[0, 0], [0, pad_rows], [0, pad_cols]], constant_values=fill)
    return values[:, stride // 2::stride, stride // 2::stride]


def stream_loss(labels, sample_weight, stream_logits, strides, ignore_class):
    """Mean cross-entropy of each stream's logits against the centre-sampled labels.

    Args:
        labels: int [B, H, W] with ``ignore_class`` for unlabelled pixels.
        sample_weight: float [B, H, W] or None.
        stream_logits: list of float [B, H / s, W / s, classes] (padded size).
        strides: the stride ``s`` of each entry of ``stream_logits``.
        ignore_class: the label value that counts for nothing.
    """
    cross_entropy = SegmentationCrossEntropy(ignore_class=ignore_class)
    labels = ops.cast(labels, "int32")
    sampled = {}  # by stride: the optical and SAR heads of a level share their labels
    total = 0.0
    for logits, stride in zip(stream_logits, strides):
        if stride not in sampled:
            rows, cols = ops.shape(logits)[1], ops.shape(logits)[2]
            sampled[stride] = (
                sample_at_stride(labels, rows, cols, stride, ignore_class),
                None if sample_weight is None else sample_at_stride(
                    ops.cast(sample_weight, "float32"), rows, cols, stride, 0.0),
            )
        level_labels, level_weights = sampled[stride]
        total = total + cross_entropy(level_labels, logits, sample_weight=level_weights)
    return total / len(stream_logits)


def fallback_loss(labels, sample_weight, fallback_logits, normalized_inputs, ignore_class):
    """Mean cross-entropy of each fallback decoder where its modality is valid.

    Args:
        labels: int [B, H, W] with ``ignore_class`` for unlabelled pixels.
        sample_weight: float [B, H, W] or None.
        fallback_logits: list of float [B, H', W', classes] (padded size).
        normalized_inputs: for each decoder, its modality's padded normalized
            input [B, H', W', C + 1], whose last channel is the validity
            (``InputNormalization(validity=True)``); invalid pixels count for
            nothing.
        ignore_class: the label value that counts for nothing.
    """
    cross_entropy = SegmentationCrossEntropy(ignore_class=ignore_class)
    labels = ops.cast(labels, "int32")
    total = 0.0
    for logits, normalized in zip(fallback_logits, normalized_inputs):
        rows, cols = ops.shape(logits)[1], ops.shape(logits)[2]
        weights = ops.cast(normalized[..., -1], "float32")
        if sample_weight is not None:
            weights = weights * sample_at_stride(
                ops.cast(sample_weight, "float32"), rows, cols, 1, 0.0)
        total = total + cross_entropy(
            sample_at_stride(labels, rows, cols, 1, ignore_class), logits, sample_weight=weights)
    return total / len(fallback_logits)
