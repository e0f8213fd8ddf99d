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
        steps_per_execution: Training steps run per call of the compiled
            train function (Keras ``compile(steps_per_execution=...)``): fewer
            Python round trips per step; callbacks see batch-level events
            only every ``steps_per_execution`` steps (epoch-level ones, the
            checkpoints and the resume state, are unchanged).
        seed: Seed of Python, NumPy and TensorFlow random generators.
        verbose: Keras progress output: 0 silent, 1 progress bar, 2 one line per epoch.
    """

    strategy: str = "auto"
    devices: Optional[list[str]] = None
    mixed_precision: bool = False
    jit_compile: bool = False
    steps_per_execution: int = 1
    seed: int = 0
    verbose: int = 1
