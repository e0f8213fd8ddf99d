"""One callable over a Keras model or a SavedModel signature: raw tiles in, probabilities out."""

import numpy as np
import tensorflow as tf

from mfafnet_tf.errors import ConfigError

SERVING_SIGNATURE = "serving_default"
METADATA_SIGNATURE = "metadata"
MODALITIES = ("optical", "sar")


def model_probabilities(model, inputs):
    """Softmax class probabilities (float32) of a Keras model that emits logits."""
    logits = model(inputs, training=False)
    return tf.nn.softmax(tf.cast(logits, tf.float32), axis=-1)


def input_specs(channels):
    """``{modality: TensorSpec([None, None, None, C])}`` of the modalities a model takes."""
    return {
        name: tf.TensorSpec([None, None, None, count], tf.float32, name=name)
        for name, count in channels.items()
    }


def _taken(given, channels):
    """The subset of ``given`` ({"optical", "sar"} tensors) that a model takes."""
    return {name: given[name] for name in channels}


class ModelRunner:
    """Runs a segmentation model on batches of raw optical/SAR tiles.

    Build it with :meth:`wrap`; call it with float32 arrays ``optical`` [B,H,W,Co]
    and ``sar`` [B,H,W,Cs] (NaN allowed) to get probabilities [B,H,W,K]. A model
    that takes only one modality (a single-modality UNet baseline) ignores the
    other array.

    Args:
        predict: ``predict(optical, sar)`` on float32 tensors -> probabilities.
        optical_channels: Optical bands the model takes (None if it takes none).
        sar_channels: SAR bands the model takes (None if it takes none).
        num_classes: Number of output classes K.
        class_names: List of K names, or None when the model carries none.
        input_bands: ``{modality: [1-based raster bands]}`` the model was
            trained on, or None when it did not record them.
        training_patch: side of the model's training patches, or None when
            it did not record it.
    """

    def __init__(self, predict, optical_channels, sar_channels, num_classes, class_names,
                 input_bands=None, training_patch=None):
        self._predict = predict
        self.optical_channels = optical_channels
        self.sar_channels = sar_channels
        self.num_classes = num_classes
        self.class_names = class_names
        self.input_bands = input_bands
        self.training_patch = training_patch

    @property
    def channels(self):
        """``{modality: bands}`` of the inputs the model takes."""
        given = {"optical": self.optical_channels, "sar": self.sar_channels}
        return {name: count for name, count in given.items() if count is not None}

    @classmethod
    def wrap(cls, model):
        """Wraps a Keras model, a loaded SavedModel, its signature, or a ModelRunner."""
        if isinstance(model, cls):
            return model
        if hasattr(model, "signatures"):
            return cls._from_saved_model(model)
        if hasattr(model, "structured_input_signature"):
            return cls._from_signature(model, class_names=None)
        return cls._from_keras(model)

    @classmethod
    def _from_keras(cls, model):
        channels = {name: int(model.input[name].shape[-1]) for name in MODALITIES if name in model.input}
        predict = tf.function(
            lambda optical, sar: model_probabilities(model, _taken({"optical": optical, "sar": sar}, channels)),
            input_signature=[tf.TensorSpec([None, None, None, channels.get(name)], tf.float32) for name in MODALITIES],
            autograph=False,
        )
        class_names = getattr(model, "class_names", None)
        return cls(
            predict,
            channels.get("optical"),
            channels.get("sar"),
            int(model.output_shape[-1]),
            list(class_names) if class_names else None,
            getattr(model, "input_bands", None),
            getattr(model, "training_patch", None),
        )

    @classmethod
    def _from_saved_model(cls, loaded):
        class_names = None
        if METADATA_SIGNATURE in loaded.signatures:
            names = loaded.signatures[METADATA_SIGNATURE]()["class_names"].numpy()
            class_names = [name.decode("utf-8") for name in names]
        return cls._from_signature(loaded.signatures[SERVING_SIGNATURE], class_names)

    @classmethod
    def _from_signature(cls, signature, class_names):
        specs = signature.structured_input_signature[1]
        channels = {name: int(specs[name].shape[-1]) for name in MODALITIES if name in specs}

        def predict(optical, sar):
            return signature(**_taken({"optical": optical, "sar": sar}, channels))["probabilities"]

        num_classes = int(signature.structured_outputs["probabilities"].shape[-1])
        return cls(predict, channels.get("optical"), channels.get("sar"), num_classes, class_names)

    def __call__(self, optical, sar):
        """Returns float32 probabilities [B,H,W,K] as a NumPy array."""
        probabilities = self._predict(
            tf.convert_to_tensor(optical, tf.float32), tf.convert_to_tensor(sar, tf.float32)
        )
        return np.asarray(probabilities, dtype=np.float32)


def resolve_class_names(class_names, runner):
    """The K class names: given ones, else the model's, else ``class_<i>``.

    Raises:
        ConfigError: The number of given names differs from the model's classes.
    """
    names = class_names or runner.class_names
    if not names:
        return [f"class_{index}" for index in range(runner.num_classes)]
    if len(names) != runner.num_classes:
        raise ConfigError(
            f"class_names: expected {runner.num_classes} names (the model's classes), found {len(names)}"
        )
    return [str(name) for name in names]
