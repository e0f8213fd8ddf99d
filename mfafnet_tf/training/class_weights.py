"""Per-class loss weights from the recipe and the training split's pixel counts."""

from mfafnet_tf.errors import ConfigError, DataError

CLASS_WEIGHTINGS = ("none", "inverse_sqrt", "inverse")


def class_weights(config, info):
    """Per-class loss weights from ``train.class_weights`` (or ``None``).

    ``inverse`` and ``inverse_sqrt`` weight class c by (N / n_c) or its square
    root, from the training split's pixel counts, normalized so that the
    average weight per training pixel is 1; classes without pixels get 0.
    """
    setting = config.train.class_weights
    if isinstance(setting, list):
        if len(setting) != info.num_classes:
            raise ConfigError(
                f"train.class_weights: expected {info.num_classes} weights, "
                f"found {len(setting)}"
            )
        return list(setting)
    if setting not in CLASS_WEIGHTINGS:
        raise ConfigError(
            f"train.class_weights: expected a list or one of "
            f"{', '.join(CLASS_WEIGHTINGS)}, found {setting!r}"
        )
    if setting == "none":
        return None
    pixels = [float(count) for count in info.class_pixels]
    total = sum(pixels)
    if not total:
        raise DataError(f"{info.tile_dir}/index.json: the train split has no labelled pixels")
    power = 1.0 if setting == "inverse" else 0.5
    raw = [(total / count) ** power if count else 0.0 for count in pixels]
    mean = sum(weight * count for weight, count in zip(raw, pixels)) / total
    return [weight / mean for weight in raw]
