"""CMX: cross-modal fusion with transformers (optical + SAR), the segmenter."""

import keras

from mfafnet_tf.errors import ConfigError
from mfafnet_tf.layers.bilinear_upsampling import BilinearUpsampling
from mfafnet_tf.layers.spatial_crop import SpatialCrop
from mfafnet_tf.models.cmx.cmx_backbone import CMXBackbone
from mfafnet_tf.models.cmx.mit_presets import PRESETS
from mfafnet_tf.models.cmx.mlp_decoder import MLPDecoder
from mfafnet_tf.models.conv_units import classifier
from mfafnet_tf.models.segmentation_model import check_class_names
from mfafnet_tf.models.two_stream_segmenter import TwoStreamSegmenter


@keras.saving.register_keras_serializable(package="mfafnet_tf")
class CMX(TwoStreamSegmenter):
    """CMX (Zhang et al., T-ITS 2023) for co-registered optical and SAR scenes.

    ``CMXBackbone`` (two MiT streams with a feature rectification and a
    feature fusion module after every stage), SegFormer's all-MLP decoder on
    the four fused maps (``MLPDecoder``), a 1x1 float32 classifier at 1/4 of
    the padded input, and bilinear upsampling by 4 to the padded input, cropped
    back to the input's size. The optical stream plays CMX's RGB, the SAR
    stream its X modality (with the SAR bands as they are). No pretrained
    weights: CMX starts from ImageNet MiT weights, which are not available
    here, so every model is trained from scratch.

    Args:
        num_classes: number of classes of the logits.
        backbone: MiT preset, ``"mit_b0"``, ``"mit_b1"`` or ``"mit_b2"``.
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
        decoder_width: embedding width of the decoder, or None for the
            preset's (512, as in CMX's configs).
        drop_path_rate: stochastic depth of the deepest encoder block (CMX: 0.1).

    Inputs: ``{"optical": (B, H, W, optical_channels), "sar": (B, H, W, sar_channels)}``
    of raw values, NaN = nodata, any H and W. Output: float32 logits
    ``(B, H, W, num_classes)``.

    Raises:
        ConfigError: unknown backbone, or invalid class names.
    """

    def __init__(
        self,
        num_classes,
        backbone="mit_b2",
        optical_channels=4,
        sar_channels=1,
        normalization=None,
        class_names=None,
        synchronized_bn=False,
        name="cmx",
        input_bands=None,
        training_patch=None,
        decoder_width=None,
        drop_path_rate=0.1,
    ):
        if backbone not in PRESETS:
            raise ConfigError(
                f"backbone: expected one of {', '.join(sorted(PRESETS))}, found {backbone!r}."
            )
        check_class_names(class_names, num_classes)
        preset = PRESETS[backbone]
        decoder_width = preset["decoder_width"] if decoder_width is None else int(decoder_width)
        sync = bool(synchronized_bn)

        # === Layers ===
        encoder = CMXBackbone(
            optical_channels, sar_channels, preset["widths"], preset["depths"], preset["num_heads"],
            preset["sr_ratios"], drop_path_rate=drop_path_rate, normalization=normalization,
            synchronized_bn=sync, name=f"{name}_backbone")
        decoder = MLPDecoder(decoder_width, synchronized_bn=sync, name="decoder")
        logits_layer = classifier(num_classes, "classifier")
        upsampling = BilinearUpsampling(4, dtype="float32", name="upsampling")
        crop = SpatialCrop(name="logits")

        # === Functional Model ===
        logits = upsampling(logits_layer(decoder(encoder.output["fused"])))
        logits = crop([logits, encoder.input["optical"]])
        super().__init__(encoder, logits, None, {}, num_classes, class_names, name,
                         input_bands=input_bands, training_patch=training_patch)

        # === Config ===
        self.backbone_preset = backbone
        self.decoder_width = decoder_width
        self.drop_path_rate = float(drop_path_rate)

    def get_config(self):
        return {**super().get_config(), "backbone": self.backbone_preset,
                "decoder_width": self.decoder_width, "drop_path_rate": self.drop_path_rate}
