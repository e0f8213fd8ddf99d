"""MFAFNet's options as one typed value, its presets and their validation.

``MFAFNetOptions`` is the one list of option names: ``MFAFNet(**options)``,
the recipe's ``model.options`` (checked when the recipe loads), the tuning
search space and bench/ablation.py all take their names from its fields.
"""

import dataclasses
import difflib
from typing import Optional

from mfafnet_tf.errors import ConfigError

PRESETS = {
    "tiny": {"widths": (16, 32, 64, 128)},
    "small": {"widths": (32, 64, 128, 256)},
    "base": {"widths": (64, 128, 256, 512), "transformer_depth": 2, "inn_depth": 2},
}

CHOICES = {
    "downsampling": ("haar", "strided_conv", "max_pool"),
    "low_branch": ("transformer", "none"),
    "high_branch": ("inn", "conv"),
    "fusion": ("cross_attention", "concat", "sum"),
    "alignment": ("gaussian_mmd", "linear_mmd", "none"),
}

PER_LEVEL = ("widths", "low_freq_ratios", "sr_ratios", "num_heads")

# The options of the all-weather head (docs/model.md); ``all_weather`` sets
# their defaults, and the head exists when any of them is on.
ALL_WEATHER = ("validity_channels", "full_resolution_stem", "stream_supervision", "fallback_decoders")


@dataclasses.dataclass(frozen=True)
class MFAFNetOptions:
    """Every architectural choice of MFAFNet (DESIGN §3, §6), with its default.

    The first group configures ``MFAFNetBackbone`` (the paper's network), the
    second the reconstruction decoder's full-resolution head, the third the
    all-weather head that the package adds for missing data. ``None`` means
    "derived": see ``resolve``.

    Attributes:
        widths: channels of the four levels (the preset's).
        low_freq_ratios: low-frequency share of each level's channels (FDM).
        sr_ratios: spatial-reduction ratio of each level's attention.
        num_heads: attention heads per level.
        transformer_depth: Lite-Transformer blocks per low branch.
        inn_depth: affine-coupling blocks per high branch.
        mlp_ratio: expansion of the transformer's feed-forward.
        share_encoder_weights: the SAR stream reuses the optical stream's
            layers (all but its first downsampling).
        downsampling: ``haar`` (HWD), or the ablations ``strided_conv``, ``max_pool``.
        low_branch: ``transformer``, or ``none``.
        high_branch: ``inn``, or ``conv``.
        fusion: ``cross_attention`` (CFFB), or ``concat``, ``sum``.
        alignment: ``gaussian_mmd``, ``linear_mmd`` or ``none`` (eq. 6).
        alignment_weight: weight of the alignment loss.
        alignment_tokens: pixel tokens per modality the MMD samples.
        alignment_kernels: bandwidths of the Gaussian MMD.
        alignment_kernel_multiplier: ratio of neighbouring bandwidths.
        coupling_clamp: soft clamp of the coupling blocks' log-scale.
        full_resolution_skip: the full-resolution features of each modality
            (its stem's, else its normalized input) join the head, which
            keeps one- to three-pixel structures such as roads (None: on with
            ``all_weather``).
        head_width: width of the full-resolution head (None: ``widths[0]``).
        head_blocks: 3x3 conv blocks of the head.
        all_weather: the defaults of the all-weather head's options below
            (on: the package's defaults; off: the paper's network).
        validity_channels: each stream also gets its modality's per-pixel
            validity (1 = data, 0 = nodata) as one more channel.
        full_resolution_stem: width of the per-modality stem of two 3x3 conv
            blocks whose features join the head (0: none; None: ``widths[0]``
            when the skip is on).
        stream_supervision: weight of the per-stream auxiliary cross-entropy
            (a 1x1 classifier per modality and level, training only; None:
            0.5 with ``all_weather``).
        fallback_decoders: weight of the cross-entropy of the two
            per-modality fallback decoders, whose logits the validity gate
            takes where only one modality is valid (None: 1 with validity
            channels).
    """

    widths: tuple = (32, 64, 128, 256)
    low_freq_ratios: tuple = (0.25, 0.5, 0.75, 0.875)
    sr_ratios: tuple = (8, 4, 2, 1)
    num_heads: tuple = (1, 2, 4, 8)
    transformer_depth: int = 1
    inn_depth: int = 1
    mlp_ratio: int = 4
    share_encoder_weights: bool = False
    downsampling: str = "haar"
    low_branch: str = "transformer"
    high_branch: str = "inn"
    fusion: str = "cross_attention"
    alignment: str = "gaussian_mmd"
    alignment_weight: float = 0.1
    alignment_tokens: int = 1024
    alignment_kernels: int = 3
    alignment_kernel_multiplier: float = 2.0
    coupling_clamp: float = 2.0
    full_resolution_skip: Optional[bool] = None
    head_width: Optional[int] = None
    head_blocks: int = 1
    all_weather: bool = True
    validity_channels: Optional[bool] = None
    full_resolution_stem: Optional[int] = None
    stream_supervision: Optional[float] = None
    fallback_decoders: Optional[float] = None

    @classmethod
    def resolve(cls, preset="small", **overrides):
        """Defaults, then the preset, then ``overrides``; derived values filled in and checked.

        Raises:
            ConfigError: unknown preset or option (naming the closest ones),
                wrong choice, per-level sequences whose length differs from
                ``widths``, or values out of range.
        """
        if preset not in PRESETS:
            raise ConfigError(f"preset: expected one of {sorted(PRESETS)}, found {preset!r}.")
        check_names(overrides, "MFAFNet option")
        options = cls(**{**PRESETS[preset], **overrides})
        return options._derived()._checked()

    def _derived(self):
        on = self.all_weather
        skip = on if self.full_resolution_skip is None else bool(self.full_resolution_skip)
        validity = on if self.validity_channels is None else bool(self.validity_channels)
        stem = self.full_resolution_stem
        if stem is None:
            stem = self.widths[0] if on and skip else 0
        stream = self.stream_supervision
        fallback = self.fallback_decoders
        derived = dataclasses.replace(
            self,
            **{key: tuple(getattr(self, key)) for key in PER_LEVEL},
            full_resolution_skip=skip,
            head_width=self.widths[0] if self.head_width is None else int(self.head_width),
            validity_channels=validity,
            full_resolution_stem=int(stem),
            stream_supervision=float((0.5 if on else 0.0) if stream is None else stream),
            fallback_decoders=float((1.0 if validity else 0.0) if fallback is None else fallback),
        )
        return dataclasses.replace(derived, all_weather=derived.has_all_weather_head)

    def _checked(self):
        for key, choices in CHOICES.items():
            if getattr(self, key) not in choices:
                raise ConfigError(f"{key}: expected one of {list(choices)}, found {getattr(self, key)!r}.")
        for key in PER_LEVEL:
            if len(getattr(self, key)) != len(self.widths):
                raise ConfigError(
                    f"{key}: expected {len(self.widths)} values (one per level of widths), "
                    f"found {len(getattr(self, key))}.")
        if self.full_resolution_stem < 0:
            raise ConfigError(
                f"full_resolution_stem: expected a width >= 0, found {self.full_resolution_stem}.")
        if self.full_resolution_stem and not self.full_resolution_skip:
            raise ConfigError(
                "full_resolution_stem: its features feed the full-resolution skip, which is off "
                "(full_resolution_skip: false); set full_resolution_stem: 0 or turn the skip on.")
        for key in ("head_width", "head_blocks", "alignment_tokens"):
            if int(getattr(self, key)) < 1:
                raise ConfigError(f"{key}: expected >= 1, found {getattr(self, key)}.")
        for key in ("stream_supervision", "fallback_decoders"):
            if not getattr(self, key) >= 0:
                raise ConfigError(f"{key}: expected a weight >= 0, found {getattr(self, key)}.")
        if self.fallback_decoders and not self.validity_channels:
            raise ConfigError(
                "fallback_decoders: the output chooses between the decoders by the inputs' "
                "validity, which needs validity_channels: true; set fallback_decoders: 0 or "
                "turn the validity channels on.")
        return self

    @property
    def has_all_weather_head(self):
        """Whether any option of the all-weather head is on (after ``resolve``)."""
        return any(bool(getattr(self, key)) for key in ALL_WEATHER)

    def backbone_arguments(self):
        """The keyword arguments of ``MFAFNetBackbone`` these options give."""
        names = {field.name for field in dataclasses.fields(self)}
        skip = {"full_resolution_skip", "head_width", "head_blocks", "all_weather",
                *ALL_WEATHER} - {"validity_channels"}
        return {name: getattr(self, name) for name in sorted(names - skip)}

    def to_config(self):
        """JSON-safe dict (lists for the per-level tuples)."""
        return {key: list(value) if isinstance(value, tuple) else value
                for key, value in dataclasses.asdict(self).items()}


OPTION_NAMES = tuple(field.name for field in dataclasses.fields(MFAFNetOptions))


def check_names(options, what, where=""):
    """Raises ConfigError for a name in ``options`` that is not an MFAFNet option.

    Args:
        options: mapping whose keys are option names.
        what: what the keys are, for the message (e.g. ``"MFAFNet option"``).
        where: prefix of the key in the message (e.g. ``"model.options."``).
    """
    unknown = sorted(set(options) - set(OPTION_NAMES))
    if unknown:
        close = difflib.get_close_matches(unknown[0], OPTION_NAMES, n=3, cutoff=0.5)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise ConfigError(
            f"{where}{unknown[0]}: unknown {what} (all unknown: {unknown}){hint}; "
            f"valid options: {sorted(OPTION_NAMES)}.")
