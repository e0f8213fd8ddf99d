"""One modality's fallback decoder: its stream alone, decoded to full resolution."""

import keras

from mfafnet_tf.layers.inverse_haar_upsampling import InverseHaarUpsampling
from mfafnet_tf.models.conv_units import apply_units, classifier, conv_unit


class FallbackDecoder:
    """A light UNet decoder over one stream's features, for where the other modality is missing.

    From the stream's deepest features up: at each level an inverse-Haar
    upsampling, concatenation with the stream's own features of that level and
    one 3x3 conv-BN-ReLU unit; at full resolution an inverse-Haar upsampling,
    concatenation with the modality's full-resolution features, one unit and a
    1x1 classifier. Its layers are wired into the task's graph by ``__call__``.

    Args:
        modality: ``"optical"`` or ``"sar"`` (prefix of the layer names).
        widths: channels of the stream's levels.
        head_width: channels of the full-resolution unit.
        num_classes: classes of the logits.
        synchronized_bn: synchronize BatchNormalization across replicas.
    """

    def __init__(self, modality, widths, head_width, num_classes, synchronized_bn=False):
        prefix = f"{modality}_fallback"
        levels = range(len(widths) - 1)
        self.upsamplings = [InverseHaarUpsampling(widths[i], name=f"{prefix}_upsampling_{i}") for i in levels]
        self.units = [conv_unit(widths[i], synchronized_bn, prefix, f"_{i}") for i in levels]
        self.head_upsampling = InverseHaarUpsampling(head_width, name=f"{prefix}_head_upsampling")
        self.head = conv_unit(head_width, synchronized_bn, f"{prefix}_head")
        self.classifier = classifier(num_classes, f"{prefix}_classifier")

    def __call__(self, stream, full_resolution):
        """Logits (padded full resolution) from the stream's per-level features."""
        x = stream[-1]
        for i in reversed(range(len(stream) - 1)):
            x = keras.layers.Concatenate()([stream[i], self.upsamplings[i](x)])
            x = apply_units([self.units[i]], x)
        x = keras.layers.Concatenate()([self.head_upsampling(x), full_resolution])
        return self.classifier(apply_units([self.head], x))
