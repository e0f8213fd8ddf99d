"""Small helpers shared by the layers: static output sizes, BatchNormalization."""

import keras


def scale_size(size, factor):
    """Returns ``size * factor`` as an int, or None for an unknown size."""
    return None if size is None else int(size * factor)


def batch_norm(synchronized, name):
    """A BatchNormalization layer, synchronized across replicas if asked."""
    return keras.layers.BatchNormalization(synchronized=synchronized, name=name)


def round_up(size, multiple):
    """Rounds ``size`` up to a multiple of ``multiple`` (None stays None)."""
    return None if size is None else -(-size // multiple) * multiple
