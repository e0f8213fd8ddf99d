"""Learning-rate schedule and optimizer of a training run."""

import keras

from mfafnet_tf.errors import ConfigError

SCHEDULES = ("cosine", "constant")


def learning_rate_schedule(train, total_steps):
    """Returns the learning rate (schedule) for ``train`` over ``total_steps``.

    ``cosine``: linear warmup from 0 over ``warmup_fraction`` of the steps to
    ``learning_rate``, then cosine decay to ``final_learning_rate_fraction``
    of it. ``constant``: ``learning_rate`` throughout.
    """
    if train.schedule not in SCHEDULES:
        raise ConfigError(
            f"train.schedule: expected one of {', '.join(SCHEDULES)}, "
            f"found {train.schedule!r}"
        )
    if train.schedule == "constant":
        return train.learning_rate
    warmup_steps = int(round(train.warmup_fraction * total_steps))
    return keras.optimizers.schedules.CosineDecay(
        initial_learning_rate=0.0,
        warmup_target=train.learning_rate,
        warmup_steps=warmup_steps,
        decay_steps=max(1, total_steps - warmup_steps),
        alpha=train.final_learning_rate_fraction,
    )


def build_optimizer(train, total_steps):
    """Returns AdamW with the recipe's schedule, weight decay and clipping."""
    return keras.optimizers.AdamW(
        learning_rate=learning_rate_schedule(train, total_steps),
        weight_decay=train.weight_decay,
        global_clipnorm=train.gradient_clip_norm,
    )
