"""The ``train:`` section of a recipe."""

import dataclasses
from typing import Optional, Union


@dataclasses.dataclass
class TrainConfig:
    """Optimization schedule and loss weighting.

    Attributes:
        epochs: Number of epochs.
        steps_per_epoch: Training steps per epoch; ``None`` runs one pass over
            the training split.
        validation_steps: Validation steps per epoch; ``None`` runs one pass.
        batch_size: Global batch size (split across replicas).
        learning_rate: Peak learning rate of AdamW.
        schedule: ``cosine`` (linear warmup, then cosine decay) or ``constant``.
        warmup_fraction: Share of all training steps spent warming up.
        final_learning_rate_fraction: Cosine decay ends at this share of the peak.
        weight_decay: AdamW decoupled weight decay.
        gradient_clip_norm: Global gradient norm clip; ``None`` disables it.
        class_weights: ``none``, ``inverse_sqrt`` or ``inverse`` (from the
            training split's class pixel counts), or an explicit list of K weights.
        alignment_weight: Weight of MFAFNet's semantic alignment (MMD) loss.
    """

    epochs: int = 10
    steps_per_epoch: Optional[int] = None
    validation_steps: Optional[int] = None
    batch_size: int = 8
    learning_rate: float = 1e-3
    schedule: str = "cosine"
    warmup_fraction: float = 0.05
    final_learning_rate_fraction: float = 0.01
    weight_decay: float = 1e-4
    gradient_clip_norm: Optional[float] = 1.0
    class_weights: Union[str, list[float]] = "none"
    alignment_weight: float = 0.1
