"""The ``model:`` section of a recipe."""

import dataclasses
import difflib
from typing import Optional

from mfafnet_tf.errors import ConfigError

MODEL_NAMES = ("mfafnet", "unet", "cmx", "mcanet")
# The fusion peers' options: keyword arguments of ``CMX`` and ``MCANet``.
PEER_OPTIONS = {"cmx": ("backbone", "decoder_width", "drop_path_rate"), "mcanet": ("depth",)}


@dataclasses.dataclass
class ModelConfig:
    """Which network is built.

    Attributes:
        name: ``mfafnet``, ``unet`` (the paper's baselines), or the fusion
            peers ``cmx`` (Zhang et al. 2023) and ``mcanet`` (Li et al. 2022).
        preset: MFAFNet preset, ``tiny``, ``small`` or ``base``.
        modalities: Inputs the UNet baseline uses: ``[sar]``, ``[optical]`` or
            ``[optical, sar]`` (early fusion). MFAFNet always uses both.
        widths: Encoder widths; overrides the preset (MFAFNet) or the UNet
            default ``[64, 128, 256, 512, 1024]``.
        options: MFAFNet options (fields of ``MFAFNetOptions``, e.g.
            ``low_freq_ratios``, ``alignment``, ``all_weather`` or the
            ablation switches); CMX's ``backbone`` (``mit_b0``, ``mit_b1``,
            ``mit_b2``), ``decoder_width`` and ``drop_path_rate``; MCANet's ``depth`` (18, 34,
            50, 101). Checked by name when the recipe loads.
    """

    name: str = "mfafnet"
    preset: str = "tiny"
    modalities: list[str] = dataclasses.field(
        default_factory=lambda: ["optical", "sar"]
    )
    widths: Optional[list[int]] = None
    options: dict = dataclasses.field(default_factory=dict)

    def __post_init__(self):
        if self.name not in MODEL_NAMES:
            raise ConfigError(
                f"model.name: expected one of {', '.join(MODEL_NAMES)}, found {self.name!r}")
        if self.name in PEER_OPTIONS:
            _check_peer_options(self.name, self.options)
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


def _check_peer_options(name, options):
    """Raises ConfigError for an option the fusion peer ``name`` does not take."""
    known = PEER_OPTIONS[name]
    for key in sorted(set(options) - set(known)):
        close = difflib.get_close_matches(key, known, n=1, cutoff=0.5)
        hint = f"; did you mean {close[0]}?" if close else ""
        raise ConfigError(
            f"model.options.{key}: unknown {name} option (it takes {', '.join(known)}){hint}")
