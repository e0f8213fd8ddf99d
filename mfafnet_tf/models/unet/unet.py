"""Classic UNet baselines on SAR, optical, or both (early fusion)."""

import keras

from mfafnet_tf.errors import ConfigError
from mfafnet_tf.layers.spatial_crop import SpatialCrop
from mfafnet_tf.layers.spatial_padding import SpatialPadding
from mfafnet_tf.models.segmentation_model import (
    MODALITIES,
    SegmentationModel,
    input_normalization,
)


def _conv_block(x, filters, synchronized_bn, name):
    """Two 3x3 conv -> BN -> ReLU units (Ronneberger et al. 2015, with BN)."""
    for unit in (1, 2):
        x = keras.layers.Conv2D(
            filters, 3, padding="same", use_bias=False, name=f"{name}_conv{unit}"
        )(x)
        x = keras.layers.BatchNormalization(synchronized=synchronized_bn, name=f"{name}_norm{unit}")(x)
        x = keras.layers.ReLU(name=f"{name}_relu{unit}")(x)
    return x


@keras.saving.register_keras_serializable(package="mfafnet_tf")
class UNet(SegmentationModel):
    """UNet baseline of the paper's tables, with the MFAFNet input convention.

    The named modalities are normalized (same ``InputNormalization`` as
    MFAFNet) and concatenated along channels (early fusion).

    Args:
        num_classes: number of classes of the logits.
        modalities: ``("sar",)``, ``("optical",)`` or ``("optical", "sar")``.
        optical_channels: bands of the ``"optical"`` input.
        sar_channels: bands of the ``"sar"`` input.
        widths: channels per level; ``len(widths) - 1`` poolings.
        normalization: band statistics dict (see docs/architecture.md) or None.
        class_names: optional list of class names kept as metadata.
        synchronized_bn: synchronize BatchNormalization across replicas.
        validity_channels: add each modality's per-pixel validity (1 = data,
            0 = nodata) as one more input channel.
        name: model name.
        input_bands: raster bands each input was trained on (metadata, e.g.
            ``{"optical": [4, 3, 2, 8], "sar": [1]}``), or None.
        training_patch: side of the training patches (metadata: prediction
            tiles by twice it), or None.

    Inputs: a dict with only the named modalities, raw values, NaN = nodata,
    any H and W. Output: float32 logits ``(B, H, W, num_classes)``.
    """

    def __init__(
        self,
        num_classes,
        modalities=MODALITIES,
        optical_channels=4,
        sar_channels=1,
        widths=(64, 128, 256, 512, 1024),
        normalization=None,
        class_names=None,
        synchronized_bn=False,
        validity_channels=False,
        name="unet",
        input_bands=None,
        training_patch=None,
    ):
        modalities = tuple(modalities)
        if not modalities or len(set(modalities)) != len(modalities) or not set(modalities) <= set(MODALITIES):
            raise ConfigError(
                f"modalities: expected a non-empty subset of {list(MODALITIES)}, found {list(modalities)}."
            )
        modalities = tuple(m for m in MODALITIES if m in modalities)
        widths = tuple(int(w) for w in widths)
        if len(widths) < 2:
            raise ConfigError(f"widths: expected at least 2 levels, found {list(widths)}.")
        sync = bool(synchronized_bn)
        channels = {"optical": optical_channels, "sar": sar_channels}

        # === Layers ===
        normalizers = {m: input_normalization(normalization, m, validity_channels) for m in modalities}
        padding = SpatialPadding(2 ** (len(widths) - 1), name="padding")
        crop = SpatialCrop(name="logits")

        # === Functional Model ===
        inputs = {m: keras.Input((None, None, channels[m]), name=m) for m in modalities}
        streams = [normalizers[m](inputs[m]) for m in modalities]
        x = streams[0] if len(streams) == 1 else keras.layers.Concatenate(name="early_fusion")(streams)
        x = padding(x)
        skips = []
        for i, width in enumerate(widths[:-1]):
            x = _conv_block(x, width, sync, f"encoder_{i}")
            skips.append(x)
            x = keras.layers.MaxPooling2D(2, name=f"pool_{i}")(x)
        x = _conv_block(x, widths[-1], sync, "bottleneck")
        for i in reversed(range(len(widths) - 1)):
            x = keras.layers.Conv2DTranspose(widths[i], 2, strides=2, name=f"up_{i}")(x)
            x = keras.layers.Concatenate(name=f"skip_{i}")([skips[i], x])
            x = _conv_block(x, widths[i], sync, f"decoder_{i}")
        x = keras.layers.Conv2D(num_classes, 1, dtype="float32", name="classifier")(x)
        logits = crop([x, inputs[modalities[0]]])
        common = (num_classes, optical_channels, sar_channels, normalization, class_names)
        super().__init__(
            inputs, logits, *common, synchronized_bn=sync, name=name, input_bands=input_bands,
            training_patch=training_patch,
        )

        # === Config ===
        self.modalities = modalities
        self.widths = widths
        self.validity_channels = bool(validity_channels)

    def get_config(self):
        config = super().get_config()
        config.update(modalities=list(self.modalities), widths=list(self.widths),
                      validity_channels=self.validity_channels)
        return config
