"""The ``model:`` section of a recipe."""

import dataclasses
from typing import Optional


@dataclasses.dataclass
class ModelConfig:
    """Which network is built.

    Attributes:
        name: ``mfafnet`` or ``unet`` (the paper's baselines).
        preset: MFAFNet preset, ``tiny``, ``small`` or ``base``.
        modalities: Inputs the UNet baseline uses: ``[sar]``, ``[optical]`` or
            ``[optical, sar]`` (early fusion). MFAFNet always uses both.
        widths: Encoder widths; overrides the preset (MFAFNet) or the UNet
            default ``[64, 128, 256, 512, 1024]``.
        options: Further constructor arguments passed through unchanged, e.g.
            ``low_freq_ratios``, ``sr_ratios``, ``alignment`` or the
            ablation switches.
    """

    name: str = "mfafnet"
    preset: str = "tiny"
    modalities: list[str] = dataclasses.field(
        default_factory=lambda: ["optical", "sar"]
    )
    widths: Optional[list[int]] = None
    options: dict = dataclasses.field(default_factory=dict)
