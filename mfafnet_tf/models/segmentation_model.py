"""Base class of the segmentation models: compile defaults, input normalization, metadata."""

import keras

from mfafnet_tf.errors import ConfigError
from mfafnet_tf.layers.input_normalization import InputNormalization
from mfafnet_tf.losses.segmentation_cross_entropy import SegmentationCrossEntropy
from mfafnet_tf.metrics.pixel_accuracy import PixelAccuracy

IGNORE_CLASS = 255
MODALITIES = ("optical", "sar")


def input_normalization(normalization, modality, validity=False):
    """The ``InputNormalization`` layer of one modality from a stats dict.

    Args:
        normalization: the statistics dict of docs/architecture.md
            (``{"optical": {"mean", "std", "transform"?}, "sar": {...}}``; extra
            keys are ignored) or None for identity (only nodata -> 0).
        modality: ``"optical"`` or ``"sar"``.
        validity: append the per-pixel validity channel (see ``InputNormalization``).
    """
    name = f"{modality}_normalization"
    if normalization is None:
        return InputNormalization(validity=validity, name=name)
    stats = normalization.get(modality) if isinstance(normalization, dict) else None
    if not isinstance(stats, dict) or "mean" not in stats or "std" not in stats:
        raise ConfigError(
            f"normalization['{modality}']: expected a dict with 'mean' and 'std' lists, "
            f"found {stats!r}."
        )
    try:
        return InputNormalization(
            stats["mean"], stats["std"], stats.get("transform", "none"),
            validity=validity, name=name,
        )
    except (TypeError, ValueError) as error:
        raise ConfigError(f"normalization['{modality}']: {error}") from error


def normalization_config(normalization):
    """The JSON-safe part of a stats dict that the models keep in their config."""
    if normalization is None:
        return None
    return {
        modality: {
            "mean": [float(v) for v in stats["mean"]],
            "std": [float(v) for v in stats["std"]],
            "transform": stats.get("transform", "none"),
        }
        for modality, stats in normalization.items()
        if modality in MODALITIES and isinstance(stats, dict)
    }


def check_class_names(class_names, num_classes):
    """Returns class_names as a list of str, checked against num_classes."""
    if class_names is None:
        return None
    class_names = [str(name) for name in class_names]
    if len(class_names) != num_classes:
        raise ConfigError(
            f"class_names: expected {num_classes} names (num_classes), found {len(class_names)}."
        )
    return class_names


def check_input_bands(input_bands, channels):
    """Returns ``{modality: [1-based bands]}`` checked against the input channels.

    Args:
        input_bands: the raster bands each input was trained on (e.g.
            ``{"optical": [4, 3, 2, 8], "sar": [1]}``), or None when unknown.
        channels: ``{modality: channels}`` of the inputs the model takes.
    """
    if input_bands is None:
        return None
    checked = {}
    for modality, bands in dict(input_bands).items():
        if modality not in channels:
            raise ConfigError(
                f"input_bands: {modality!r} is not an input of the model "
                f"(inputs: {', '.join(channels)})."
            )
        bands = [int(band) for band in bands]
        if len(bands) != channels[modality] or min(bands, default=1) < 1:
            raise ConfigError(
                f"input_bands['{modality}']: expected {channels[modality]} 1-based band "
                f"numbers, found {bands}."
            )
        checked[modality] = bands
    return checked


class SegmentationModel(keras.Model):
    """A functional segmentation model whose ``compile()`` has working defaults.

    Subclasses build the graph and pass it here with the arguments that every
    segmentation model shares; ``get_config`` returns those, subclasses add
    their own.

    Args:
        inputs: dict of ``keras.Input`` by modality.
        outputs: the logits tensor.
        num_classes: number of classes.
        optical_channels: bands of the optical input.
        sar_channels: bands of the SAR input.
        normalization: band statistics dict or None.
        class_names: list of class names (checked) or None.
        synchronized_bn: whether BatchNormalization is synchronized.
        name: model name.
        input_bands: the raster bands each input was trained on, kept as
            metadata (see `check_input_bands`), or None.
        training_patch: side of the training patches in pixels, kept as
            metadata (whole-scene prediction tiles by twice it), or None.
    """

    def __init__(
        self,
        inputs,
        outputs,
        num_classes,
        optical_channels,
        sar_channels,
        normalization,
        class_names,
        synchronized_bn,
        name,
        input_bands=None,
        training_patch=None,
    ):
        super().__init__(inputs=inputs, outputs=outputs, name=name)
        self.num_classes = int(num_classes)
        self.optical_channels = int(optical_channels)
        self.sar_channels = int(sar_channels)
        self.normalization = normalization_config(normalization)
        self.class_names = check_class_names(class_names, num_classes)
        self.synchronized_bn = bool(synchronized_bn)
        self.input_bands = check_input_bands(
            input_bands, {m: int(inputs[m].shape[-1]) for m in inputs}
        )
        if training_patch is not None and int(training_patch) < 1:
            raise ConfigError(f"training_patch: expected a patch side >= 1, found {training_patch}.")
        self.training_patch = None if training_patch is None else int(training_patch)

    def get_config(self):
        return {
            "name": self.name,
            "num_classes": self.num_classes,
            "optical_channels": self.optical_channels,
            "sar_channels": self.sar_channels,
            "normalization": self.normalization,
            "class_names": self.class_names,
            "synchronized_bn": self.synchronized_bn,
            "input_bands": self.input_bands,
            "training_patch": self.training_patch,
        }

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def compile(self, optimizer="auto", loss="auto", metrics="auto", jit_compile=False, **kwargs):
        """Configures training; ``"auto"`` arguments get the project defaults.

        Defaults: AdamW (learning rate 1e-3, weight decay 1e-4);
        ``SegmentationCrossEntropy(ignore_class=255)`` from logits;
        ``MeanIoU`` named ``mean_iou`` and ``PixelAccuracy`` named
        ``pixel_accuracy``, both ignoring 255; no XLA. Any explicit argument
        replaces its default; other keyword arguments go to ``keras.Model.compile``.
        The optimizer is built right away (the model is always built), so the
        first training step traces once instead of twice.
        """
        if optimizer == "auto":
            optimizer = keras.optimizers.AdamW(learning_rate=1e-3, weight_decay=1e-4)
        if loss == "auto":
            loss = SegmentationCrossEntropy(ignore_class=IGNORE_CLASS)
        if metrics == "auto":
            metrics = [
                keras.metrics.MeanIoU(
                    self.num_classes,
                    ignore_class=IGNORE_CLASS,
                    sparse_y_pred=False,
                    name="mean_iou",
                ),
                PixelAccuracy(ignore_class=IGNORE_CLASS, name="pixel_accuracy"),
            ]
        super().compile(
            optimizer=optimizer, loss=loss, metrics=metrics, jit_compile=jit_compile, **kwargs
        )
        self.optimizer.build(self.trainable_variables)

    def compile_from_config(self, config):
        """Re-compiles a loaded model with its saved (explicit) compile arguments."""
        self.compile(**keras.saving.deserialize_keras_object(config))
