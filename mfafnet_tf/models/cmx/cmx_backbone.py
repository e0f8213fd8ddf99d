"""CMX's backbone: two MiT streams rectified (FRM) and fused (FFM) after every stage."""

import keras
import numpy as np

from mfafnet_tf.errors import ConfigError
from mfafnet_tf.layers.spatial_padding import SpatialPadding
from mfafnet_tf.models.cmx.feature_fusion import FeatureFusion
from mfafnet_tf.models.cmx.feature_rectification import FeatureRectification
from mfafnet_tf.models.cmx.mix_transformer_block import MixTransformerBlock
from mfafnet_tf.models.cmx.overlap_patch_embedding import OverlapPatchEmbedding
from mfafnet_tf.models.segmentation_model import MODALITIES, input_normalization, normalization_config


@keras.saving.register_keras_serializable(package="mfafnet_tf")
class CMXBackbone(keras.Model):
    """The encoder of CMX (Zhang et al., T-ITS 2023) for optical (RGB) + SAR (X).

    Per modality: per-band normalization (raw values in, NaN = nodata) and
    padding to a multiple of ``4 * 2 ** (stages - 1)`` (32 for four stages),
    then a Mix Transformer (SegFormer's MiT) stream with its own weights:
    at each stage an ``OverlapPatchEmbedding`` (7x7 stride 4, then 3x3
    stride 2), ``depths[i]`` ``MixTransformerBlock``s and a LayerNorm. After
    every stage a ``FeatureRectification`` (FRM) corrects each stream with
    the other, and the rectified streams both feed the next stage and a
    ``FeatureFusion`` (FFM) that gives the stage's fused map. The SAR stream
    takes the SAR bands as they are (CMX replicates a one-band X modality to
    three channels to reuse ImageNet weights; no pretrained weights are
    available here, every model is trained from scratch). Stochastic depth
    grows linearly from 0 to ``drop_path_rate`` over the blocks of a stream.
    The zero padding takes part in the FRM's global pooling and the FFM's
    global context, as any padding would in CMX.

    Args:
        optical_channels: bands of the ``"optical"`` input.
        sar_channels: bands of the ``"sar"`` input.
        widths: channels per stage.
        depths: transformer blocks per stage.
        num_heads: attention heads per stage (divide the widths).
        sr_ratios: key/value reduction of the attention per stage.
        mlp_ratio: Mix-FFN expansion factor.
        drop_path_rate: stochastic depth of the deepest block (CMX: 0.1).
        normalization: band statistics dict (docs/architecture.md) or None.
        synchronized_bn: synchronize BatchNormalization across replicas.
        name: model name.

    Inputs: ``{"optical": (B, H, W, optical_channels), "sar": (B, H, W, sar_channels)}``.
    Outputs: a dict of padded maps, ``"optical"``, ``"sar"`` (the rectified
    streams) and ``"fused"``, each a list of the stages' features (stage ``i``
    at stride ``4 * 2 ** i``, ``widths[i]`` channels).

    Raises:
        ConfigError: per-stage arguments of different lengths.
    """

    def __init__(
        self,
        optical_channels=4,
        sar_channels=1,
        widths=(64, 128, 320, 512),
        depths=(3, 4, 6, 3),
        num_heads=(1, 2, 5, 8),
        sr_ratios=(8, 4, 2, 1),
        mlp_ratio=4,
        drop_path_rate=0.1,
        normalization=None,
        synchronized_bn=False,
        name="cmx_backbone",
        **kwargs,
    ):
        stages = {"widths": widths, "depths": depths, "num_heads": num_heads, "sr_ratios": sr_ratios}
        if len({len(v) for v in stages.values()}) != 1 or not widths:
            raise ConfigError(
                "widths, depths, num_heads, sr_ratios: expected one value per stage each, found "
                + ", ".join(f"{k}={list(v)}" for k, v in stages.items()) + "."
            )
        levels = len(widths)
        sync = bool(synchronized_bn)
        rates = np.linspace(0.0, drop_path_rate, sum(depths)).tolist()

        # === Layers ===
        normalizers = {m: input_normalization(normalization, m) for m in MODALITIES}
        padding = SpatialPadding(4 * 2 ** (levels - 1), name="padding")
        embeddings, blocks, norms = {}, {}, {}
        for m in MODALITIES:
            embeddings[m] = [
                OverlapPatchEmbedding(widths[i], 7 if i == 0 else 3, 4 if i == 0 else 2,
                                      name=f"{m}_patch_embedding_{i}")
                for i in range(levels)
            ]
            blocks[m] = [
                [
                    MixTransformerBlock(num_heads[i], sr_ratios[i], mlp_ratio,
                                        rates[sum(depths[:i]) + j], name=f"{m}_block_{i}_{j}")
                    for j in range(depths[i])
                ]
                for i in range(levels)
            ]
            norms[m] = [keras.layers.LayerNormalization(epsilon=1e-6, name=f"{m}_norm_{i}")
                        for i in range(levels)]
        rectifications = [FeatureRectification(name=f"rectification_{i}") for i in range(levels)]
        fusions = [FeatureFusion(num_heads[i], synchronized_bn=sync, name=f"fusion_{i}")
                   for i in range(levels)]

        # === Functional Model ===
        inputs = {
            "optical": keras.Input((None, None, optical_channels), name="optical"),
            "sar": keras.Input((None, None, sar_channels), name="sar"),
        }
        streams = {m: padding(normalizers[m](inputs[m])) for m in MODALITIES}
        features = {"optical": [], "sar": [], "fused": []}
        for i in range(levels):
            for m in MODALITIES:
                x = embeddings[m][i](streams[m])
                for block in blocks[m][i]:
                    x = block(x)
                streams[m] = norms[m][i](x)
            streams["optical"], streams["sar"] = rectifications[i]([streams["optical"], streams["sar"]])
            features["fused"].append(fusions[i]([streams["optical"], streams["sar"]]))
            for m in MODALITIES:
                features[m].append(streams[m])
        super().__init__(inputs=inputs, outputs=features, name=name, **kwargs)

        # === Config ===
        self.optical_channels = int(optical_channels)
        self.sar_channels = int(sar_channels)
        self.widths = tuple(int(w) for w in widths)
        self.depths = tuple(int(d) for d in depths)
        self.num_heads = tuple(int(h) for h in num_heads)
        self.sr_ratios = tuple(int(r) for r in sr_ratios)
        self.mlp_ratio = mlp_ratio
        self.drop_path_rate = float(drop_path_rate)
        self.normalization = normalization_config(normalization)
        self.synchronized_bn = sync

    def get_config(self):
        return {
            "name": self.name,
            "optical_channels": self.optical_channels,
            "sar_channels": self.sar_channels,
            "widths": list(self.widths),
            "depths": list(self.depths),
            "num_heads": list(self.num_heads),
            "sr_ratios": list(self.sr_ratios),
            "mlp_ratio": self.mlp_ratio,
            "drop_path_rate": self.drop_path_rate,
            "normalization": self.normalization,
            "synchronized_bn": self.synchronized_bn,
        }

    @classmethod
    def from_config(cls, config):
        return cls(**config)
