"""MFAFNet presets, option defaults (DESIGN §3) and their validation."""

from mfafnet_tf.errors import ConfigError

DEFAULTS = {
    "widths": (32, 64, 128, 256),
    "low_freq_ratios": (0.25, 0.5, 0.75, 0.875),
    "sr_ratios": (8, 4, 2, 1),
    "num_heads": (1, 2, 4, 8),
    "transformer_depth": 1,
    "inn_depth": 1,
    "mlp_ratio": 4,
    "share_encoder_weights": False,
    "downsampling": "haar",
    "low_branch": "transformer",
    "high_branch": "inn",
    "fusion": "cross_attention",
    "alignment": "gaussian_mmd",
    "alignment_weight": 0.1,
    "alignment_tokens": 1024,
    "alignment_kernels": 3,  # Gaussian MMD: number of bandwidths
    "alignment_kernel_multiplier": 2.0,  # ratio between neighbouring bandwidths
    "coupling_clamp": 2.0,
    # The normalized inputs join the head's 3x3 conv block: every other feature
    # starts at half resolution (after the first Haar downsampling), which loses
    # one- to three-pixel structures such as roads (see docs/model.md).
    "full_resolution_skip": True,
    # Width of a per-modality stem of two 3x3 conv blocks at full resolution
    # whose features join the head in place of the normalized inputs (None: the
    # first level's width, none without the skip; 0: none). With stream
    # supervision each stem also gets a 1x1 classifier, so that the optical
    # alone finds roads where the SAR is missing (docs/model.md).
    "full_resolution_stem": None,
    # Each stream also gets its modality's per-pixel validity (1 = data, 0 =
    # nodata) as one more input channel, so that the fusion learns to rely on
    # the other modality where one is missing (clouds masked out of the optical).
    "validity_channels": True,
    # The full-resolution head after the last inverse-Haar upsampling: its width
    # (None: the first level's width) and its number of 3x3 conv blocks.
    "head_width": None,
    "head_blocks": 1,
    # Weight of the per-stream auxiliary cross-entropy: a 1x1 classifier on each
    # modality's stream at every level, trained in the step only (0: none), so
    # that each stream can classify alone where the other modality is missing.
    "stream_supervision": 0.5,
    # Weight of the cross-entropy of two per-modality fallback decoders (None:
    # 1 with validity channels, else none; 0: none). Each decodes its own
    # stream alone, up to full resolution, and is trained where its modality is
    # valid; where only one modality is valid the output takes that decoder's
    # logits (mixed with the fused ones for the SAR; layers/validity_gate.py).
    "fallback_decoders": None,
}

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


def resolve_options(preset, overrides):
    """Merges defaults, the preset and user overrides into a checked options dict.

    Raises:
        ConfigError: unknown preset or option, wrong choice, or per-level
            sequences whose length differs from ``widths``.
    """
    if preset not in PRESETS:
        raise ConfigError(f"preset: expected one of {sorted(PRESETS)}, found {preset!r}.")
    unknown = sorted(set(overrides) - set(DEFAULTS))
    if unknown:
        raise ConfigError(
            f"Unknown MFAFNet option(s) {unknown}; valid options: {sorted(DEFAULTS)}."
        )
    options = {**DEFAULTS, **PRESETS[preset], **overrides}
    for key, choices in CHOICES.items():
        if options[key] not in choices:
            raise ConfigError(f"{key}: expected one of {list(choices)}, found {options[key]!r}.")
    for key in PER_LEVEL:
        options[key] = tuple(options[key])
        if len(options[key]) != len(options["widths"]):
            raise ConfigError(
                f"{key}: expected {len(options['widths'])} values (one per level of widths), "
                f"found {len(options[key])}."
            )
    if options["head_width"] is None:
        options["head_width"] = options["widths"][0]
    if options["full_resolution_stem"] is None:
        options["full_resolution_stem"] = options["widths"][0] if options["full_resolution_skip"] else 0
    if not int(options["full_resolution_stem"]) >= 0:
        raise ConfigError(
            f"full_resolution_stem: expected a width >= 0, found {options['full_resolution_stem']}.")
    if options["full_resolution_stem"] and not options["full_resolution_skip"]:
        raise ConfigError(
            "full_resolution_stem: its features feed the full-resolution skip, which is off "
            "(full_resolution_skip: false); set full_resolution_stem: 0 or turn the skip on.")
    for key in ("head_width", "head_blocks"):
        if int(options[key]) < 1:
            raise ConfigError(f"{key}: expected >= 1, found {options[key]}.")
    if not options["stream_supervision"] >= 0:
        raise ConfigError(
            f"stream_supervision: expected a weight >= 0, found {options['stream_supervision']}.")
    if options["fallback_decoders"] is None:
        options["fallback_decoders"] = 1.0 if options["validity_channels"] else 0.0
    if not options["fallback_decoders"] >= 0:
        raise ConfigError(
            f"fallback_decoders: expected a weight >= 0, found {options['fallback_decoders']}.")
    if options["fallback_decoders"] and not options["validity_channels"]:
        raise ConfigError(
            "fallback_decoders: the output chooses between the decoders by the inputs' "
            "validity, which needs validity_channels: true; set fallback_decoders: 0 or "
            "turn the validity channels on.")
    if options["alignment_tokens"] < 1:
        raise ConfigError(f"alignment_tokens: expected >= 1, found {options['alignment_tokens']}.")
    return options
