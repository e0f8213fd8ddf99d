"""The ``task:`` section of a recipe."""

import dataclasses
from typing import Optional


@dataclasses.dataclass
class TaskConfig:
    """What is segmented and how it is scored.

    Attributes:
        num_classes: Number of classes the model predicts (ids ``0..K-1``).
        class_names: Display names of the classes; ``None`` takes them from the
            tiled dataset's ``index.json``.
        protocol: Evaluation protocol, ``ignore_background`` (background pixels
            carry the ignore label 255 and are not scored) or ``with_background``
            (background is class 0 and scored like any other class).
    """

    num_classes: int = 7
    class_names: Optional[list[str]] = None
    protocol: str = "ignore_background"
