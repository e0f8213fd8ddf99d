"""The ``runtime:`` section of a recipe."""

import dataclasses
from typing import Optional


@dataclasses.dataclass
class RuntimeConfig:
    """How and where the computation runs.

    Attributes:
        strategy: ``auto`` (``TF_CONFIG`` set: multi-worker; more than one GPU:
            mirrored over them; otherwise the default strategy), or one of
            ``default``, ``one_device``, ``mirrored``, ``multi_worker`` to force it.
        devices: Devices for ``mirrored``/``one_device`` (e.g. ``["/cpu:0",
            "/cpu:1"]``); ``None`` uses the visible GPUs.
        mixed_precision: Train under the ``mixed_float16`` policy (float32
            where no GPU is visible).
        jit_compile: Compile the train step with XLA (slow on CPU; ignored by
            Keras under multi-replica strategies).
        seed: Seed of Python, NumPy and TensorFlow random generators.
        verbose: Keras progress output: 0 silent, 1 progress bar, 2 one line per epoch.
    """

    strategy: str = "auto"
    devices: Optional[list[str]] = None
    mixed_precision: bool = False
    jit_compile: bool = False
    seed: int = 0
    verbose: int = 1
