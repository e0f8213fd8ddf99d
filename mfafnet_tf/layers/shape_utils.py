"""Small helpers shared by the layers: static output sizes, BatchNormalization."""

import keras


def scale_size(size, factor):
    """Returns ``size * factor`` as an int, or None for an unknown size."""
    return None if size is None else int(size * factor)


# PyTorch's BatchNorm2d defaults in Keras' convention: the moving statistics take
# 0.1 of each batch's (Keras keeps 0.99 of the old), epsilon 1e-5. MCANet's
# reference code trains with them; from scratch on a short budget Keras' 0.99
# lags its weights: its validation loss was 1.8e7 after 100 steps.
TORCH_BATCH_NORM = {"momentum": 0.9, "epsilon": 1e-5}


def batch_norm(synchronized, name, momentum=0.99, epsilon=1e-3):
    """A BatchNormalization layer, synchronized across replicas if asked."""
    return keras.layers.BatchNormalization(
        momentum=momentum, epsilon=epsilon, synchronized=synchronized, name=name)


def round_up(size, multiple):
    """Rounds ``size`` up to a multiple of ``multiple`` (None stays None)."""
    return None if size is None else -(-size // multiple) * multiple
