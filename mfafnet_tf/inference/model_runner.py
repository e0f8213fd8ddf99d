"""One callable over a Keras model or a SavedModel signature: raw tiles in, probabilities out."""

import numpy as np
import tensorflow as tf

SERVING_SIGNATURE = "serving_default"
METADATA_SIGNATURE = "metadata"


def model_probabilities(model, optical, sar):
    """Softmax class probabilities (float32) of a Keras model that emits logits."""
    logits = model({"optical": optical, "sar": sar}, training=False)
    return tf.nn.softmax(tf.cast(logits, tf.float32), axis=-1)


def _channels(spec, name):
    return int(spec[name].shape[-1])


class ModelRunner:
    """Runs a segmentation model on batches of raw optical/SAR tiles.

    Build it with :meth:`wrap`; call it with float32 arrays ``optical`` [B,H,W,Co]
    and ``sar`` [B,H,W,Cs] (NaN allowed) to get probabilities [B,H,W,K].

    Attributes:
        optical_channels: Optical bands the model expects.
        sar_channels: SAR bands the model expects.
        num_classes: Number of output classes K.
        class_names: List of K names, or None when the model carries none.
    """

    def __init__(self, predict, optical_channels, sar_channels, num_classes, class_names):
        self._predict = predict
        self.optical_channels = optical_channels
        self.sar_channels = sar_channels
        self.num_classes = num_classes
        self.class_names = class_names

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
        inputs = model.input
        optical_channels = _channels(inputs, "optical")
        sar_channels = _channels(inputs, "sar")
        predict = tf.function(
            lambda optical, sar: model_probabilities(model, optical, sar),
            input_signature=[
                tf.TensorSpec([None, None, None, optical_channels], tf.float32),
                tf.TensorSpec([None, None, None, sar_channels], tf.float32),
            ],
            autograph=False,
        )
        class_names = getattr(model, "class_names", None)
        return cls(
            predict,
            optical_channels,
            sar_channels,
            int(model.output_shape[-1]),
            list(class_names) if class_names else None,
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
        inputs = signature.structured_input_signature[1]
        outputs = signature.structured_outputs

        def predict(optical, sar):
            return signature(optical=optical, sar=sar)["probabilities"]

        return cls(
            predict,
            _channels(inputs, "optical"),
            _channels(inputs, "sar"),
            int(outputs["probabilities"].shape[-1]),
            class_names,
        )

    def __call__(self, optical, sar):
        """Returns float32 probabilities [B,H,W,K] as a NumPy array."""
        probabilities = self._predict(
            tf.convert_to_tensor(optical, tf.float32), tf.convert_to_tensor(sar, tf.float32)
        )
        return np.asarray(probabilities, dtype=np.float32)
