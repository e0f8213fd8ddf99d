"""MFAFNet: multimodal feature alignment and fusion network (optical + SAR), the segmenter."""

import keras

from mfafnet_tf.layers.feature_reconstruction import FeatureReconstruction
from mfafnet_tf.layers.inverse_haar_upsampling import InverseHaarUpsampling
from mfafnet_tf.layers.spatial_crop import SpatialCrop
from mfafnet_tf.models.all_weather.all_weather_head import AllWeatherHead
from mfafnet_tf.models.conv_units import apply_units, classifier, conv_unit
from mfafnet_tf.models.mfafnet.mfafnet_backbone import MFAFNetBackbone
from mfafnet_tf.models.mfafnet.mfafnet_options import PRESETS, MFAFNetOptions
from mfafnet_tf.models.segmentation_model import check_class_names
from mfafnet_tf.models.two_stream_segmenter import TwoStreamSegmenter


@keras.saving.register_keras_serializable(package="mfafnet_tf")
class MFAFNet(TwoStreamSegmenter):
    """MFAFNet for semantic segmentation of co-registered optical and SAR scenes.

    ``MFAFNetBackbone`` (two encoder streams of Haar wavelet downsampling and
    feature decomposition, fused per level by cross-attention, aligned at the
    deepest level with an MMD loss), the paper's feature reconstruction
    decoder (inverse-Haar upsampling, DESIGN §3) with a full-resolution head,
    and, by default, the package's ``AllWeatherHead`` for missing data.
    ``MFAFNet(..., all_weather=False)`` is the paper's network alone.

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
        training_patch: side of the training patches (metadata: prediction
            tiles by twice it), or None.
        **options: any field of ``MFAFNetOptions`` (e.g. ``all_weather``,
            ``widths``, ``fusion``, ``alignment``, ``stream_supervision``).

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
        training_patch=None,
        **options,
    ):
        options = MFAFNetOptions.resolve(preset, **options)
        check_class_names(class_names, num_classes)
        widths, head_width = options.widths, options.head_width
        levels = len(widths)
        sync = bool(synchronized_bn)

        # === Layers ===
        backbone = MFAFNetBackbone(
            optical_channels, sar_channels, normalization=normalization, synchronized_bn=sync,
            name=f"{name}_backbone", **options.backbone_arguments())
        reconstructions = [
            FeatureReconstruction(widths[i], sync, name=f"reconstruction_{i}") for i in range(levels)
        ]
        upsamplings = [
            InverseHaarUpsampling(widths[i], name=f"upsampling_{i}") for i in range(levels - 1)
        ]
        head_upsampling = InverseHaarUpsampling(head_width, name="head_upsampling")
        suffixes = [""] + [f"_{b}" for b in range(1, options.head_blocks)]
        head = [conv_unit(head_width, sync, "head", suffix) for suffix in suffixes]
        logits_layer = classifier(num_classes, "classifier")
        all_weather = AllWeatherHead(
            num_classes, widths, head_width, options.full_resolution_stem,
            options.stream_supervision, options.fallback_decoders, sync,
        ) if options.has_all_weather_head else None
        crop = SpatialCrop(name="logits")

        # === Functional Model ===
        features = backbone.output
        full_resolution = (all_weather.full_resolution(features) if all_weather
                           else {m: features[f"{m}_input"] for m in ("optical", "sar")})
        # Feature reconstruction: D_i = block(Φ_i^O, Φ_i^S, Φ_i, Up(D_{i+1})).
        skips = [[features[k][i] for k in ("optical", "sar", "fused")] for i in range(levels)]
        decoded = reconstructions[-1](skips[-1])
        for i in reversed(range(levels - 1)):
            decoded = reconstructions[i](skips[i] + [upsamplings[i](decoded)])
        x = head_upsampling(decoded)
        if options.full_resolution_skip:
            x = keras.layers.Concatenate(name="head_concat")(
                [x, full_resolution["optical"], full_resolution["sar"]])
        logits = logits_layer(apply_units(head, x))
        auxiliary = {}
        if all_weather:
            logits, auxiliary = all_weather(logits, features, full_resolution)
        logits = crop([logits, backbone.input["optical"]])
        super().__init__(backbone, logits, all_weather, auxiliary, num_classes, class_names, name,
                         input_bands=input_bands, training_patch=training_patch)

        # === Config ===
        self.preset = preset
        self.options = options

    def get_config(self):
        return {**super().get_config(), "preset": self.preset, **self.options.to_config()}

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
