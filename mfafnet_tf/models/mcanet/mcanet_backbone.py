"""MCANet's backbone: two ResNet streams fused by MCAM at a low and a high level."""

import keras

from mfafnet_tf.layers.spatial_padding import SpatialPadding
from mfafnet_tf.models.mcanet.multimodal_cross_attention import MultimodalCrossAttention
from mfafnet_tf.models.mcanet.resnet_stream import check_depth, resnet_stream
from mfafnet_tf.models.segmentation_model import MODALITIES, input_normalization, normalization_config

OUTPUT_STRIDE = 16


@keras.saving.register_keras_serializable(package="mfafnet_tf")
class MCANetBackbone(keras.Model):
    """MCANet's pseudo-siamese encoder and its multimodal cross-attention (Li et al. 2022).

    Per modality: per-band normalization (raw values in, NaN = nodata),
    padding to a multiple of 16, and a ResNet stream of its own (same layout,
    separate weights; the SAR stem takes the SAR bands as they are). A
    ``MultimodalCrossAttention`` fuses the streams' stage-1 outputs (stride 4)
    and another their stage-4 outputs (stride 16, the last stage dilated).
    The weights start random: there is no network access for ImageNet
    weights here, and every model of this package trains from scratch.

    Args:
        optical_channels: bands of the ``"optical"`` input.
        sar_channels: bands of the ``"sar"`` input.
        depth: ResNet depth, 18, 34, 50 or 101 (the paper's).
        normalization: band statistics dict (docs/architecture.md) or None.
        synchronized_bn: synchronize BatchNormalization across replicas.
        name: model name.

    Inputs: ``{"optical": (B, H, W, optical_channels), "sar": (B, H, W, sar_channels)}``.
    Outputs: a dict of padded maps ``"optical"``, ``"sar"`` and ``"fused"``,
    each ``[low, high]``: stride 4 with 64 (ResNet-18/34) or 256 channels,
    and stride 16 with 512 or 2048 channels.

    Raises:
        ConfigError: a depth other than 18, 34, 50 or 101.
    """

    def __init__(
        self,
        optical_channels=4,
        sar_channels=1,
        depth=101,
        normalization=None,
        synchronized_bn=False,
        name="mcanet_backbone",
        **kwargs,
    ):
        depth = check_depth(depth)
        sync = bool(synchronized_bn)

        # === Layers ===
        normalizers = {m: input_normalization(normalization, m) for m in MODALITIES}
        padding = SpatialPadding(OUTPUT_STRIDE, name="padding")
        fusions = [MultimodalCrossAttention(name=f"{level}_fusion") for level in ("low", "high")]

        # === Functional Model ===
        inputs = {
            "optical": keras.Input((None, None, optical_channels), name="optical"),
            "sar": keras.Input((None, None, sar_channels), name="sar"),
        }
        features = {
            m: resnet_stream(padding(normalizers[m](inputs[m])), depth, sync, m) for m in MODALITIES
        }
        features["fused"] = [
            fusion([optical, sar])
            for fusion, optical, sar in zip(fusions, features["optical"], features["sar"])
        ]
        super().__init__(inputs=inputs, outputs=features, name=name, **kwargs)

        # === Config ===
        self.optical_channels = int(optical_channels)
        self.sar_channels = int(sar_channels)
        self.depth = depth
        self.normalization = normalization_config(normalization)
        self.synchronized_bn = sync

    def get_config(self):
        return {
            "name": self.name,
            "optical_channels": self.optical_channels,
            "sar_channels": self.sar_channels,
            "depth": self.depth,
            "normalization": self.normalization,
            "synchronized_bn": self.synchronized_bn,
        }

    @classmethod
    def from_config(cls, config):
        return cls(**config)
