"""MFAFNet: multimodal feature alignment and fusion network (optical + SAR)."""

import keras

from mfafnet_tf.layers.conv_downsampling import ConvDownsampling
from mfafnet_tf.layers.cross_feature_fusion import CrossFeatureFusion
from mfafnet_tf.layers.feature_decomposition import FeatureDecomposition
from mfafnet_tf.layers.feature_reconstruction import FeatureReconstruction
from mfafnet_tf.layers.haar_downsampling import HaarDownsampling
from mfafnet_tf.layers.inverse_haar_upsampling import InverseHaarUpsampling
from mfafnet_tf.layers.semantic_alignment import SemanticAlignment
from mfafnet_tf.layers.spatial_crop import SpatialCrop
from mfafnet_tf.layers.spatial_padding import SpatialPadding
from mfafnet_tf.layers.validity_gate import ValidityGate
from mfafnet_tf.models.mfafnet.mfafnet_presets import PRESETS, resolve_options
from mfafnet_tf.models.segmentation_model import (
    SegmentationModel,
    check_class_names,
    input_normalization,
)


def _downsampling(options, level, synchronized_bn, name):
    width = options["widths"][level]
    if options["downsampling"] == "haar":
        return HaarDownsampling(width, synchronized_bn, name=name)
    return ConvDownsampling(width, options["downsampling"], synchronized_bn, name=name)


def _decomposition(options, level, name):
    return FeatureDecomposition(
        low_ratio=options["low_freq_ratios"][level],
        num_heads=options["num_heads"][level],
        reduction_ratio=options["sr_ratios"][level],
        transformer_depth=options["transformer_depth"],
        inn_depth=options["inn_depth"],
        mlp_ratio=options["mlp_ratio"],
        coupling_clamp=options["coupling_clamp"],
        low_branch=options["low_branch"],
        high_branch=options["high_branch"],
        name=name,
    )


def _conv_unit(width, synchronized_bn, prefix, suffix):
    """3x3 conv -> BN -> ReLU layers named ``{prefix}_conv{suffix}`` etc."""
    return (
        keras.layers.Conv2D(width, 3, padding="same", use_bias=False, name=f"{prefix}_conv{suffix}"),
        keras.layers.BatchNormalization(synchronized=synchronized_bn, name=f"{prefix}_norm{suffix}"),
        keras.layers.ReLU(name=f"{prefix}_relu{suffix}"),
    )


def _apply_units(units, x):
    """Applies `_conv_unit` triples in order."""
    for conv, norm, relu in units:
        x = relu(norm(conv(x)))
    return x


def _classifier(num_classes, name):
    """1x1 float32 logits (the head's, each stream's and each fallback decoder's)."""
    return keras.layers.Conv2D(num_classes, 1, dtype="float32", name=name)


def _fallback_decoder(options, num_classes, synchronized_bn, modality):
    """The layers of one modality's fallback decoder (a light UNet decoder)."""
    widths, head_width = options["widths"], options["head_width"]
    prefix = f"{modality}_fallback"
    return {
        "up": [InverseHaarUpsampling(widths[i], name=f"{prefix}_upsampling_{i}")
               for i in range(len(widths) - 1)],
        "units": [_conv_unit(widths[i], synchronized_bn, prefix, f"_{i}")
                  for i in range(len(widths) - 1)],
        "head_up": InverseHaarUpsampling(head_width, name=f"{prefix}_head_upsampling"),
        "head": _conv_unit(head_width, synchronized_bn, f"{prefix}_head", ""),
        "classifier": _classifier(num_classes, f"{prefix}_classifier"),
    }


def _decode_alone(decoder, skips, full_resolution):
    """Logits of one modality from its stream's features at every level."""
    x = skips[-1]
    for i in reversed(range(len(skips) - 1)):
        x = keras.layers.Concatenate()([skips[i], decoder["up"][i](x)])
        x = _apply_units([decoder["units"][i]], x)
    x = keras.layers.Concatenate()([decoder["head_up"](x), full_resolution])
    return decoder["classifier"](_apply_units([decoder["head"]], x))


@keras.saving.register_keras_serializable(package="mfafnet_tf")
class MFAFNet(SegmentationModel):
    """MFAFNet for semantic segmentation of co-registered optical and SAR scenes.

    Two encoder streams (Haar wavelet downsampling + feature decomposition into
    a transformer and an invertible-coupling branch) are fused at every level
    by cross-attention, aligned at the deepest level with an MMD loss, and
    decoded with inverse-Haar upsampling (DESIGN §3).

    Args:
        num_classes: number of classes of the logits.
        optical_channels: bands of the ``"optical"`` input.
        sar_channels: bands of the ``"sar"`` input.
        preset: ``"tiny"`` (16-32-64-128), ``"small"`` (32-64-128-256) or
            ``"base"`` (64-128-256-512, two transformer and coupling blocks).
        normalization: band statistics dict (see docs/architecture.md) or None.
        class_names: optional list of class names kept as metadata.
        synchronized_bn: synchronize BatchNormalization across replicas.
        name: model name.
        input_bands: raster bands each input was trained on (metadata, e.g.
            ``{"optical": [4, 3, 2, 8], "sar": [1]}``), or None.
        **overrides: any option of ``mfafnet_presets.DEFAULTS`` (widths,
            low_freq_ratios, sr_ratios, num_heads, transformer_depth, inn_depth,
            mlp_ratio, share_encoder_weights, downsampling, low_branch,
            high_branch, fusion, alignment, alignment_weight, alignment_tokens,
            alignment_kernels, alignment_kernel_multiplier, coupling_clamp,
            full_resolution_skip, full_resolution_stem, validity_channels,
            head_width, head_blocks, stream_supervision, fallback_decoders).

    Inputs: ``{"optical": (B, H, W, optical_channels), "sar": (B, H, W, sar_channels)}``
    of raw values, NaN = nodata, any H and W. Output: float32 logits
    ``(B, H, W, num_classes)``.

    Raises:
        ConfigError: unknown preset or option, or invalid option values.
    """

    def __init__(
        self,
        num_classes=7,
        optical_channels=4,
        sar_channels=1,
        preset="small",
        normalization=None,
        class_names=None,
        synchronized_bn=False,
        name="mfafnet",
        input_bands=None,
        **overrides,
    ):
        options = resolve_options(preset, overrides)
        check_class_names(class_names, num_classes)
        widths = options["widths"]
        levels = len(widths)
        sync = bool(synchronized_bn)
        share = options["share_encoder_weights"]

        # === Layers ===
        normalizers = {
            m: input_normalization(normalization, m, options["validity_channels"])
            for m in ("optical", "sar")
        }
        padding = SpatialPadding(2**levels, name="padding")
        down = {m: [_downsampling(options, 0, sync, f"{m}_down_0")] for m in ("optical", "sar")}
        decompose = {}
        # With shared encoder weights the SAR stream reuses the optical layers,
        # except the first downsampling, which sees modality-specific bands.
        for m in ("optical",) if share else ("optical", "sar"):
            down[m] += [_downsampling(options, i, sync, f"{m}_down_{i}") for i in range(1, levels)]
            decompose[m] = [_decomposition(options, i, f"{m}_fdm_{i}") for i in range(levels)]
        if share:
            down["sar"] += down["optical"][1:]
            decompose["sar"] = decompose["optical"]
        alignment = SemanticAlignment(
            options["alignment"],
            options["alignment_weight"],
            options["alignment_tokens"],
            options["alignment_kernels"],
            options["alignment_kernel_multiplier"],
            name="alignment",
        )
        fusions = [
            CrossFeatureFusion(
                options["fusion"], options["num_heads"][i], options["sr_ratios"][i], sync, name=f"fusion_{i}"
            )
            for i in range(levels)
        ]
        reconstructions = [
            FeatureReconstruction(widths[i], sync, name=f"reconstruction_{i}") for i in range(levels)
        ]
        upsamplings = [
            InverseHaarUpsampling(widths[i], name=f"upsampling_{i}") for i in range(levels - 1)
        ]
        head_width = options["head_width"]
        head_up = InverseHaarUpsampling(head_width, name="head_upsampling")
        suffixes = [""] + [f"_{b}" for b in range(1, options["head_blocks"])]
        head_blocks = [_conv_unit(head_width, sync, "head", s) for s in suffixes]
        stem_width = int(options["full_resolution_stem"])
        stems = {
            m: [_conv_unit(stem_width, sync, f"{m}_stem", f"_{j}") for j in range(2)]
            for m in ("optical", "sar")
        } if stem_width else {}
        classifier = _classifier(num_classes, "classifier")
        fallbacks = {
            m: _fallback_decoder(options, num_classes, sync, m) for m in ("optical", "sar")
        } if options["fallback_decoders"] else {}
        crop = SpatialCrop(name="logits")

        # === Functional Model ===
        inputs = {
            "optical": keras.Input((None, None, optical_channels), name="optical"),
            "sar": keras.Input((None, None, sar_channels), name="sar"),
        }
        streams = {m: padding(normalizers[m](inputs[m])) for m in ("optical", "sar")}
        normalized = [streams["optical"], streams["sar"]]
        full_resolution = list(normalized)
        stream_outputs = []
        if stems:
            for k, m in enumerate(("optical", "sar")):
                full_resolution[k] = _apply_units(stems[m], full_resolution[k])
                if options["stream_supervision"]:
                    stream_outputs.append(
                        (_classifier(num_classes, f"{m}_stem_classifier")(full_resolution[k]), 1))
        skips = []
        for i in range(levels):
            for m in ("optical", "sar"):
                streams[m] = decompose[m][i](down[m][i](streams[m]))
            if i == levels - 1:
                streams["optical"], streams["sar"] = alignment([streams["optical"], streams["sar"]])
            fused = fusions[i]([streams["optical"], streams["sar"]])
            skips.append([streams["optical"], streams["sar"], fused])
            if options["stream_supervision"]:
                stream_outputs += [
                    (_classifier(num_classes, f"{m}_classifier_{i}")(streams[m]), 2 ** (i + 1))
                    for m in ("optical", "sar")
                ]
        decoded = reconstructions[-1](skips[-1])
        for i in reversed(range(levels - 1)):
            decoded = reconstructions[i](skips[i] + [upsamplings[i](decoded)])
        x = head_up(decoded)
        if options["full_resolution_skip"]:
            x = keras.layers.Concatenate(name="head_concat")([x, *full_resolution])
        x = _apply_units(head_blocks, x)
        logits = classifier(x)
        fallback_outputs = []
        if fallbacks:
            fallback_outputs = [
                (_decode_alone(fallbacks[m], [skip[k] for skip in skips], full_resolution[k]),
                 normalized[k])
                for k, m in enumerate(("optical", "sar"))
            ]
            gate = ValidityGate(name="validity_gate")
            logits = gate([logits, *(out for out, _ in fallback_outputs), *normalized])
        logits = crop([logits, inputs["optical"]])
        common = (num_classes, optical_channels, sar_channels, normalization, class_names)
        super().__init__(
            inputs, logits, *common, synchronized_bn=sync, name=name, input_bands=input_bands,
            stream_outputs=stream_outputs, stream_weight=options["stream_supervision"],
            fallback_outputs=fallback_outputs, fallback_weight=options["fallback_decoders"],
        )

        # === Config ===
        self.preset = preset
        self.options = options

    def get_config(self):
        options = {k: list(v) if isinstance(v, tuple) else v for k, v in self.options.items()}
        return {**super().get_config(), "preset": self.preset, **options}

    @classmethod
    def from_config(cls, config):
        # Models saved before these options existed had no validity channels,
        # one head block of half the first level's width, no stream heads, no
        # full-resolution stems and no fallback decoders.
        older = {"validity_channels": False, "head_blocks": 1, "stream_supervision": 0.0,
                 "full_resolution_stem": 0, "fallback_decoders": 0.0}
        if "head_width" not in config:
            widths = config.get("widths", PRESETS[config.get("preset", "small")]["widths"])
            older["head_width"] = max(8, widths[0] // 2)
        return cls(**{**older, **config})
