"""Atrous spatial pyramid pooling, as DeepLabV3+ uses it (Chen et al. 2018)."""

import keras
from keras import ops

from mfafnet_tf.layers.atrous_conv import AtrousConv2D
from mfafnet_tf.layers.shape_utils import TORCH_BATCH_NORM, batch_norm


@keras.saving.register_keras_serializable(package="mfafnet_tf")
class ASPP(keras.layers.Layer):
    """Five parallel branches, concatenated and projected.

    Branches (each conv -> BN -> ReLU, ``filters`` channels): a 1x1
    convolution, one 3x3 convolution per atrous rate, and image pooling
    (global average, 1x1 convolution, broadcast back to H x W). Their
    concatenation goes through a 1x1 convolution -> BN -> ReLU and dropout.
    The convolutions are ``AtrousConv2D``: a rate at least the map's size
    leaves only the centre tap, which it alone computes.

    Args:
        filters: channels of every branch and of the output.
        rates: dilation rates of the 3x3 branches (6-12-18 at output stride 16).
        dropout: dropout rate after the projection (DeepLabV3+ keeps 0.9).
        synchronized_bn: synchronize BatchNormalization across replicas.

    Call args:
        inputs: a (B, H, W, C) map.

    Returns:
        A (B, H, W, filters) map.
    """

    def __init__(self, filters=256, rates=(6, 12, 18), dropout=0.1, synchronized_bn=False, **kwargs):
        super().__init__(**kwargs)
        self.filters = int(filters)
        self.rates = tuple(int(rate) for rate in rates)
        self.dropout = float(dropout)
        self.synchronized_bn = bool(synchronized_bn)
        self.convs = []
        self.norms = []
        self.dropout_layer = keras.layers.Dropout(self.dropout, name="dropout")

    def build(self, input_shape):
        # Units: the 1x1 branch, one per rate, the pooling branch, the projection.
        names = ["branch0"] + [f"branch{i}" for i in range(1, len(self.rates) + 1)]
        names += ["pooling", "projection"]
        kernels = [1] + [3] * len(self.rates) + [1, 1]
        dilations = [1, *self.rates, 1, 1]
        self.convs = [
            AtrousConv2D(self.filters, kernel, dilation_rate=dilation, use_bias=False,
                         name=f"{name}_conv")
            for name, kernel, dilation in zip(names, kernels, dilations)]
        self.norms = [batch_norm(self.synchronized_bn, f"{name}_norm", **TORCH_BATCH_NORM)
                      for name in names]
        output_shape = tuple(input_shape[:-1]) + (self.filters,)
        concat_shape = tuple(input_shape[:-1]) + (self.filters * (len(self.rates) + 2),)
        for i, (conv, norm) in enumerate(zip(self.convs, self.norms)):
            conv.build(concat_shape if i == len(self.convs) - 1 else input_shape)
            norm.build(output_shape)

    def _unit(self, index, x, training):
        return ops.relu(self.norms[index](self.convs[index](x), training=training))

    def call(self, inputs, training=None):
        branches = len(self.rates) + 1
        outputs = [self._unit(i, inputs, training) for i in range(branches)]
        pooled = self._unit(branches, ops.mean(inputs, axis=(1, 2), keepdims=True), training)
        shape = ops.shape(inputs)
        outputs.append(ops.broadcast_to(pooled, (shape[0], shape[1], shape[2], self.filters)))
        projected = self._unit(branches + 1, ops.concatenate(outputs, axis=-1), training)
        return self.dropout_layer(projected, training=training)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.filters,)

    def get_config(self):
        config = super().get_config()
        config.update(filters=self.filters, rates=list(self.rates), dropout=self.dropout,
                      synchronized_bn=self.synchronized_bn)
        return config
