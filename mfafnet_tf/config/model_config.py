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
        options: MFAFNet options (fields of ``MFAFNetOptions``, e.g.
            ``low_freq_ratios``, ``alignment``, ``all_weather`` or the
            ablation switches), checked by name when the recipe loads.
    """

    name: str = "mfafnet"
    preset: str = "tiny"
    modalities: list[str] = dataclasses.field(
        default_factory=lambda: ["optical", "sar"]
    )
    widths: Optional[list[int]] = None
    options: dict = dataclasses.field(default_factory=dict)

    def __post_init__(self):
        if self.name == "mfafnet" and self.options:
            # Imported here: the models package loads TensorFlow.
            from mfafnet_tf.models.mfafnet.mfafnet_options import check_names

            check_names(self.options, "MFAFNet option", "model.options.")

    @property
    def input_modalities(self):
        """The inputs the model takes (MFAFNet: both)."""
        if self.name == "unet":
            return tuple(self.modalities)
        return ("optical", "sar")

    def describe(self):
        """The model in words, for messages: ``model mfafnet`` or ``model unet with modalities [sar]``."""
        if self.name == "unet":
            return f"model unet with modalities [{', '.join(self.modalities)}]"
        return f"model {self.name}"
