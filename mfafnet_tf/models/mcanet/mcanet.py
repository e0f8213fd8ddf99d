"""MCANet: joint optical and SAR semantic segmentation (Li et al. 2022), the segmenter."""

import keras

from mfafnet_tf.layers.bilinear_upsampling import BilinearUpsampling
from mfafnet_tf.layers.shape_utils import TORCH_BATCH_NORM, batch_norm
from mfafnet_tf.layers.spatial_crop import SpatialCrop
from mfafnet_tf.models.conv_units import apply_units, classifier, conv_unit
from mfafnet_tf.models.mcanet.aspp import ASPP
from mfafnet_tf.models.mcanet.mcanet_backbone import MCANetBackbone
from mfafnet_tf.models.mcanet.resnet_stream import check_depth
from mfafnet_tf.models.segmentation_model import check_class_names
from mfafnet_tf.models.two_stream_segmenter import TwoStreamSegmenter

LOW_LEVEL_CHANNELS = 48
DECODER_CHANNELS = 256
ASPP_RATES = (6, 12, 18)
ASPP_DROPOUT = 0.1
LEVEL_NAMES = ("low", "high")


@keras.saving.register_keras_serializable(package="mfafnet_tf")
class MCANet(TwoStreamSegmenter):
    """MCANet (Li et al., JAG 106:102638, 2022) for co-registered optical and SAR scenes.

    ``MCANetBackbone`` (two ResNet streams, multimodal cross-attention at
    stride 4 and 16), the paper's low-high level feature fusion (at each
    level the fused map is concatenated with both streams' maps) and a
    DeepLabV3+ decoder: ASPP (rates 6-12-18, 256 channels) on the high level,
    a 1x1 projection of the low level to 48 channels, the ASPP output
    upsampled x4 and concatenated with it, two 3x3 conv-BN-ReLU of 256, a
    1x1 classifier and a bilinear x4 upsampling. No pretrained weights (no
    network access; every model here trains from scratch).

    Args:
        num_classes: number of classes of the logits.
        depth: ResNet depth of both streams: 18, 34, 50 or 101 (the paper's).
        optical_channels: bands of the ``"optical"`` input.
        sar_channels: bands of the ``"sar"`` input.
        normalization: band statistics dict (see docs/architecture.md) or None.
        class_names: optional list of class names kept as metadata.
        synchronized_bn: synchronize BatchNormalization across replicas.
        name: model name.
        input_bands: raster bands each input was trained on (metadata, e.g.
            ``{"optical": [4, 3, 2, 8], "sar": [1]}``), or None.
        training_patch: side of the training patches (metadata: prediction
            tiles by twice it), or None.

    Inputs: ``{"optical": (B, H, W, optical_channels), "sar": (B, H, W, sar_channels)}``
    of raw values, NaN = nodata, any H and W. Output: float32 logits
    ``(B, H, W, num_classes)``.

    Raises:
        ConfigError: a depth other than 18, 34, 50 or 101, or bad class names.
    """

    def __init__(
        self,
        num_classes,
        depth=101,
        optical_channels=4,
        sar_channels=1,
        normalization=None,
        class_names=None,
        synchronized_bn=False,
        name="mcanet",
        input_bands=None,
        training_patch=None,
    ):
        depth = check_depth(depth)
        check_class_names(class_names, num_classes)
        sync = bool(synchronized_bn)

        # === Layers ===
        backbone = MCANetBackbone(
            optical_channels, sar_channels, depth, normalization=normalization,
            synchronized_bn=sync, name=f"{name}_backbone")
        concats = [keras.layers.Concatenate(name=f"{level}_level_concat") for level in LEVEL_NAMES]
        low_projection = (
            keras.layers.Conv2D(LOW_LEVEL_CHANNELS, 1, use_bias=False, name="low_level_conv"),
            batch_norm(sync, "low_level_norm", **TORCH_BATCH_NORM),
            keras.layers.ReLU(name="low_level_relu"),
        )
        aspp = ASPP(DECODER_CHANNELS, ASPP_RATES, ASPP_DROPOUT, sync, name="aspp")
        aspp_upsampling = BilinearUpsampling(4, name="aspp_upsampling")
        decoder_concat = keras.layers.Concatenate(name="decoder_concat")
        decoder = [conv_unit(DECODER_CHANNELS, sync, "decoder", suffix, **TORCH_BATCH_NORM)
                   for suffix in ("1", "2")]
        logits_layer = classifier(num_classes, "classifier")
        logits_upsampling = BilinearUpsampling(4, dtype="float32", name="logits_upsampling")
        crop = SpatialCrop(name="logits")

        # === Functional Model ===
        features = backbone.output
        # Low-high level feature fusion: each level's fused map with both streams'.
        low, high = (
            concat([features[k][i] for k in ("fused", "optical", "sar")])
            for i, concat in enumerate(concats)
        )
        low = apply_units([low_projection], low)
        x = decoder_concat([aspp_upsampling(aspp(high)), low])
        x = logits_upsampling(logits_layer(apply_units(decoder, x)))
        logits = crop([x, backbone.input["optical"]])
        super().__init__(backbone, logits, None, {}, num_classes, class_names, name,
                         input_bands=input_bands, training_patch=training_patch)

        # === Config ===
        self.depth = depth

    def get_config(self):
        return {**super().get_config(), "depth": self.depth}
