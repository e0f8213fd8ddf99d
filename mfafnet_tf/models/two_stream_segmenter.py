"""Base class of the segmenters over a two-stream (optical + SAR) backbone."""

import keras
import tensorflow as tf

from mfafnet_tf.models.segmentation_model import SegmentationModel


class TwoStreamSegmenter(SegmentationModel):
    """A segmentation task over a two-stream backbone, with an optional all-weather head.

    Subclasses build the decoder and head on ``backbone.output`` and pass the
    logits here. With an ``AllWeatherHead`` that has training-only outputs,
    the task keeps a second graph (``_supervised``: the same layers, returning
    the logits and those outputs) and its training step adds the head's loss.

    Args:
        backbone: a functional model of ``{"optical", "sar"}`` inputs whose
            outputs are those of ``MFAFNetBackbone`` (and that has
            ``optical_channels``, ``sar_channels``, ``normalization`` and
            ``synchronized_bn`` attributes).
        logits: the logits tensor, built on ``backbone.input``.
        all_weather: the ``AllWeatherHead`` wired into the graph, or None.
        auxiliary: its named training-only outputs (``AllWeatherHead.__call__``).
        num_classes: number of classes.
        class_names: list of class names or None.
        name: model name.
        input_bands: the raster bands each input was trained on, or None.
        training_patch: side of the training patches, or None.
    """

    def __init__(self, backbone, logits, all_weather, auxiliary, num_classes, class_names, name,
                 input_bands=None, training_patch=None):
        super().__init__(
            backbone.input, logits, num_classes, backbone.optical_channels,
            backbone.sar_channels, backbone.normalization, class_names,
            backbone.synchronized_bn, name, input_bands=input_bands, training_patch=training_patch)
        self.backbone = backbone
        self.all_weather = all_weather
        self._auxiliary_names = list(auxiliary)
        # The attribute name is where .keras files keep the stream classifiers.
        self._supervised = keras.Model(
            backbone.input, [logits, *auxiliary.values()], name=f"{name}_supervised"
        ) if auxiliary else None

    def train_step(self, data):
        """Keras' step, plus the all-weather head's auxiliary losses."""
        if self._supervised is None:
            return super().train_step(data)
        x, y, sample_weight = keras.utils.unpack_x_y_sample_weight(data)
        with tf.GradientTape() as tape:
            y_pred, *values = self._supervised(x, training=True)
            loss = self._compute_loss(
                x=x, y=y, y_pred=y_pred, sample_weight=sample_weight, training=True)
            # Both terms are already scaled by 1 / replicas (Keras' losses are).
            loss += self.all_weather.loss(y, sample_weight, dict(zip(self._auxiliary_names, values)))
            replicas = tf.distribute.get_strategy().num_replicas_in_sync
            self._loss_tracker.update_state(
                loss * replicas, sample_weight=tf.shape(tf.nest.flatten(x)[0])[0])
            loss = self.optimizer.scale_loss(loss)
        gradients = tape.gradient(loss, self.trainable_weights)
        self.optimizer.apply_gradients(zip(gradients, self.trainable_weights))
        return self.compute_metrics(x, y, y_pred, sample_weight=sample_weight)
