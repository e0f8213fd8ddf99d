"""MFAFNet's backbone: the paper's two encoder streams, their fusion and alignment."""

import keras

from mfafnet_tf.layers.conv_downsampling import ConvDownsampling
from mfafnet_tf.layers.cross_feature_fusion import CrossFeatureFusion
from mfafnet_tf.layers.feature_decomposition import FeatureDecomposition
from mfafnet_tf.layers.haar_downsampling import HaarDownsampling
from mfafnet_tf.layers.semantic_alignment import SemanticAlignment
from mfafnet_tf.layers.spatial_padding import SpatialPadding
from mfafnet_tf.models.mfafnet.mfafnet_options import MFAFNetOptions
from mfafnet_tf.models.segmentation_model import MODALITIES, input_normalization, normalization_config


@keras.saving.register_keras_serializable(package="mfafnet_tf")
class MFAFNetBackbone(keras.Model):
    """The network of the paper up to the fused features (DESIGN §3, eq. 1-6).

    Per modality: per-band normalization (raw values in, NaN = nodata), padding
    to a multiple of ``2 ** levels``, then at each level a Haar wavelet
    downsampling (eq. 1) and a feature decomposition into a Lite-Transformer
    and an invertible-coupling branch (eq. 2-4). A cross feature fusion block
    (eq. 5) fuses both streams at every level; before the deepest one, the
    semantic alignment (eq. 6) maps both streams into a common space and adds
    its MMD loss with ``add_loss``.

    Args:
        optical_channels: bands of the ``"optical"`` input.
        sar_channels: bands of the ``"sar"`` input.
        widths, low_freq_ratios, sr_ratios, num_heads, transformer_depth,
            inn_depth, mlp_ratio, share_encoder_weights, downsampling,
            low_branch, high_branch, fusion, alignment, alignment_weight,
            alignment_tokens, alignment_kernels, alignment_kernel_multiplier,
            coupling_clamp: as ``MFAFNetOptions`` documents them.
        validity_channels: append each modality's per-pixel validity to its
            normalized input (``InputNormalization(validity=True)``).
        normalization: band statistics dict (docs/architecture.md) or None.
        synchronized_bn: synchronize BatchNormalization across replicas.
        name: model name.

    Inputs: ``{"optical": (B, H, W, optical_channels), "sar": (B, H, W, sar_channels)}``.
    Outputs: a dict of padded maps: ``"optical"``, ``"sar"`` and ``"fused"``,
    each a list of the four levels' features (level ``i`` at stride
    ``2 ** (i + 1)``, ``widths[i]`` channels; the deepest stream features
    after the alignment), and ``"optical_input"``, ``"sar_input"``: the
    normalized, padded inputs (with the validity channel when on).
    """

    def __init__(
        self,
        optical_channels=4,
        sar_channels=1,
        widths=(32, 64, 128, 256),
        low_freq_ratios=(0.25, 0.5, 0.75, 0.875),
        sr_ratios=(8, 4, 2, 1),
        num_heads=(1, 2, 4, 8),
        transformer_depth=1,
        inn_depth=1,
        mlp_ratio=4,
        share_encoder_weights=False,
        downsampling="haar",
        low_branch="transformer",
        high_branch="inn",
        fusion="cross_attention",
        alignment="gaussian_mmd",
        alignment_weight=0.1,
        alignment_tokens=1024,
        alignment_kernels=3,
        alignment_kernel_multiplier=2.0,
        coupling_clamp=2.0,
        validity_channels=False,
        normalization=None,
        synchronized_bn=False,
        name="mfafnet_backbone",
        **kwargs,
    ):
        MFAFNetOptions.resolve(
            widths=widths, low_freq_ratios=low_freq_ratios, sr_ratios=sr_ratios,
            num_heads=num_heads, downsampling=downsampling, low_branch=low_branch,
            high_branch=high_branch, fusion=fusion, alignment=alignment,
            alignment_tokens=alignment_tokens, all_weather=False)
        levels = len(widths)
        sync = bool(synchronized_bn)

        # === Layers ===
        normalizers = {m: input_normalization(normalization, m, validity_channels) for m in MODALITIES}
        padding = SpatialPadding(2**levels, name="padding")

        def downsampling_layer(level, modality):
            name = f"{modality}_down_{level}"
            if downsampling == "haar":
                return HaarDownsampling(widths[level], sync, name=name)
            return ConvDownsampling(widths[level], downsampling, sync, name=name)

        def decomposition_layer(level, modality):
            return FeatureDecomposition(
                low_ratio=low_freq_ratios[level], num_heads=num_heads[level],
                reduction_ratio=sr_ratios[level], transformer_depth=transformer_depth,
                inn_depth=inn_depth, mlp_ratio=mlp_ratio, coupling_clamp=coupling_clamp,
                low_branch=low_branch, high_branch=high_branch, name=f"{modality}_fdm_{level}")

        down = {m: [downsampling_layer(0, m)] for m in MODALITIES}
        decompose = {}
        # With shared encoder weights the SAR stream reuses the optical layers,
        # except the first downsampling, which sees modality-specific bands.
        for m in ("optical",) if share_encoder_weights else MODALITIES:
            down[m] += [downsampling_layer(i, m) for i in range(1, levels)]
            decompose[m] = [decomposition_layer(i, m) for i in range(levels)]
        if share_encoder_weights:
            down["sar"] += down["optical"][1:]
            decompose["sar"] = decompose["optical"]
        align = SemanticAlignment(
            alignment, alignment_weight, alignment_tokens, alignment_kernels,
            alignment_kernel_multiplier, name="alignment")
        fusions = [
            CrossFeatureFusion(fusion, num_heads[i], sr_ratios[i], sync, name=f"fusion_{i}")
            for i in range(levels)
        ]

        # === Functional Model ===
        inputs = {
            "optical": keras.Input((None, None, optical_channels), name="optical"),
            "sar": keras.Input((None, None, sar_channels), name="sar"),
        }
        normalized = {m: padding(normalizers[m](inputs[m])) for m in MODALITIES}
        streams = dict(normalized)
        features = {"optical": [], "sar": [], "fused": []}
        for i in range(levels):
            for m in MODALITIES:
                streams[m] = decompose[m][i](down[m][i](streams[m]))  # eq. 1-4
            if i == levels - 1:
                streams["optical"], streams["sar"] = align([streams["optical"], streams["sar"]])  # eq. 6
            features["fused"].append(fusions[i]([streams["optical"], streams["sar"]]))  # eq. 5
            for m in MODALITIES:
                features[m].append(streams[m])
        outputs = {**features, "optical_input": normalized["optical"], "sar_input": normalized["sar"]}
        super().__init__(inputs=inputs, outputs=outputs, name=name, **kwargs)

        # === Config ===
        self.optical_channels = int(optical_channels)
        self.sar_channels = int(sar_channels)
        self.widths = tuple(int(w) for w in widths)
        self.low_freq_ratios = tuple(float(r) for r in low_freq_ratios)
        self.sr_ratios = tuple(int(r) for r in sr_ratios)
        self.num_heads = tuple(int(h) for h in num_heads)
        self.transformer_depth = int(transformer_depth)
        self.inn_depth = int(inn_depth)
        self.mlp_ratio = mlp_ratio
        self.share_encoder_weights = bool(share_encoder_weights)
        self.downsampling = downsampling
        self.low_branch = low_branch
        self.high_branch = high_branch
        self.fusion = fusion
        self.alignment = alignment
        self.alignment_weight = float(alignment_weight)
        self.alignment_tokens = int(alignment_tokens)
        self.alignment_kernels = int(alignment_kernels)
        self.alignment_kernel_multiplier = float(alignment_kernel_multiplier)
        self.coupling_clamp = float(coupling_clamp)
        self.validity_channels = bool(validity_channels)
        self.normalization = normalization_config(normalization)
        self.synchronized_bn = sync

    def get_config(self):
        return {
            "name": self.name,
            "optical_channels": self.optical_channels,
            "sar_channels": self.sar_channels,
            "widths": list(self.widths),
            "low_freq_ratios": list(self.low_freq_ratios),
            "sr_ratios": list(self.sr_ratios),
            "num_heads": list(self.num_heads),
            "transformer_depth": self.transformer_depth,
            "inn_depth": self.inn_depth,
            "mlp_ratio": self.mlp_ratio,
            "share_encoder_weights": self.share_encoder_weights,
            "downsampling": self.downsampling,
            "low_branch": self.low_branch,
            "high_branch": self.high_branch,
            "fusion": self.fusion,
            "alignment": self.alignment,
            "alignment_weight": self.alignment_weight,
            "alignment_tokens": self.alignment_tokens,
            "alignment_kernels": self.alignment_kernels,
            "alignment_kernel_multiplier": self.alignment_kernel_multiplier,
            "coupling_clamp": self.coupling_clamp,
            "validity_channels": self.validity_channels,
            "normalization": self.normalization,
            "synchronized_bn": self.synchronized_bn,
        }

    @classmethod
    def from_config(cls, config):
        return cls(**config)
