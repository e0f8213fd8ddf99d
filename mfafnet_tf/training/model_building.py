"""Building and compiling the network a recipe describes."""

import keras

from mfafnet_tf.config.model_config import MODEL_NAMES
from mfafnet_tf.errors import ConfigError
from mfafnet_tf.losses import SegmentationCrossEntropy
from mfafnet_tf.metrics import PixelAccuracy
from mfafnet_tf.training.schedule import build_optimizer


def build_model(config, dataset_info, synchronized_bn=False):
    """Builds the recipe's model (uncompiled).

    Args:
        config: ``ExperimentConfig``.
        dataset_info: ``DatasetInfo`` of the tiled data (channels, class
            names, normalization statistics).
        synchronized_bn: Synchronize BatchNorm statistics across replicas.

    Raises:
        ConfigError: Unknown model name, options the model does not take, or
            a class count that differs from the tiled data's.
    """
    from mfafnet_tf.models.cmx.cmx import CMX
    from mfafnet_tf.models.mcanet.mcanet import MCANet
    from mfafnet_tf.models.mfafnet.mfafnet import MFAFNet
    from mfafnet_tf.models.unet.unet import UNet

    model_config = config.model
    if config.task.num_classes != dataset_info.num_classes:
        raise ConfigError(
            f"task.num_classes: the tiled data in {config.data.tile_dir} has "
            f"{dataset_info.num_classes} classes, the recipe says {config.task.num_classes}"
        )
    common = dict(
        num_classes=config.task.num_classes,
        optical_channels=dataset_info.optical_channels,
        sar_channels=dataset_info.sar_channels,
        normalization=dataset_info.normalization,
        class_names=list(config.task.class_names or dataset_info.class_names),
        synchronized_bn=synchronized_bn,
        input_bands=_input_bands(config, dataset_info),
        training_patch=config.data.patch,
    )
    if model_config.name == "mfafnet":
        options = dict(model_config.options)
        if "alignment_weight" in options:
            raise ConfigError(
                "model.options.alignment_weight: set the alignment weight as "
                "train.alignment_weight (the key tuning and overrides use)"
            )
        options["alignment_weight"] = config.train.alignment_weight
        if model_config.widths:
            options["widths"] = model_config.widths
        return MFAFNet(preset=model_config.preset, **common, **options)
    if model_config.name == "unet":
        if model_config.options:
            raise ConfigError(
                f"model.options: the UNet baseline takes no options (only model.widths "
                f"and model.modalities), found {', '.join(sorted(model_config.options))}"
            )
        if model_config.widths:
            common["widths"] = model_config.widths
        return UNet(modalities=tuple(model_config.modalities), **common)
    peers = {"cmx": CMX, "mcanet": MCANet}
    if model_config.name in peers:
        if model_config.widths:
            raise ConfigError(
                f"model.widths: {model_config.name} sizes itself with model.options "
                f"({'backbone' if model_config.name == 'cmx' else 'depth'}), not widths")
        return peers[model_config.name](**common, **model_config.options)
    raise ConfigError(
        f"model.name: expected one of {', '.join(MODEL_NAMES)}, found {model_config.name!r}"
    )


def _input_bands(config, dataset_info):
    """The tiles' raster bands of the inputs the model takes, kept in the model."""
    taken = config.model.input_modalities
    bands = {m: b for m, b in (dataset_info.input_bands or {}).items() if m in taken}
    return bands or None


def compile_model(model, config, steps_per_epoch):
    """Compiles ``model`` for training as the recipe says.

    AdamW with warmup + cosine decay over ``epochs * steps_per_epoch`` steps,
    cross-entropy ignoring label 255 (class weights arrive as per-pixel sample
    weights from the pipeline; MFAFNet adds its alignment loss itself), and the
    metrics ``mean_iou`` and ``pixel_accuracy`` (class-weighted on the training
    split when class weights are set, unweighted on validation).
    """
    total_steps = max(1, config.train.epochs * steps_per_epoch)
    per_execution = config.runtime.steps_per_execution
    if steps_per_epoch % per_execution:
        # Keras would run whole executions past the epoch's end (3 steps at 2 per
        # execution: 4), off the schedule and the resumed step count.
        raise ConfigError(
            f"runtime.steps_per_execution: {per_execution} does not divide the "
            f"{steps_per_epoch} steps per epoch"
        )
    model.compile(
        optimizer=build_optimizer(config.train, total_steps),
        loss=SegmentationCrossEntropy(ignore_class=255),
        metrics=[
            keras.metrics.MeanIoU(
                num_classes=config.task.num_classes,
                sparse_y_pred=False,
                ignore_class=255,
                name="mean_iou",
            ),
            PixelAccuracy(name="pixel_accuracy"),
        ],
        jit_compile=config.runtime.jit_compile,
        steps_per_execution=per_execution,
    )
    return model
