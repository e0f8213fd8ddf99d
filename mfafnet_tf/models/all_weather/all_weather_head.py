"""The all-weather head: what the package adds to a two-stream segmenter for missing data."""

from mfafnet_tf.layers.validity_gate import ValidityGate
from mfafnet_tf.losses.auxiliary_cross_entropy import fallback_loss, stream_loss
from mfafnet_tf.models.all_weather.fallback_decoder import FallbackDecoder
from mfafnet_tf.models.conv_units import apply_units, classifier, conv_unit
from mfafnet_tf.models.segmentation_model import IGNORE_CLASS, MODALITIES


class AllWeatherHead:
    """Full-resolution stems, per-stream supervision, fallback decoders and the validity gate.

    It serves any two-stream backbone whose outputs are those of
    ``MFAFNetBackbone``: per-level ``"optical"`` and ``"sar"`` features (level
    ``i`` at stride ``2 ** (i + 1)``) and the normalized ``"optical_input"``,
    ``"sar_input"``, whose last channel is the validity when the backbone has
    validity channels. The task wires its layers into its own graph (so their
    weights keep their place in ``.keras`` files) and adds ``loss`` to its
    training step. See docs/model.md for what each part buys.

    Args:
        num_classes: classes of the logits.
        widths: channels of the backbone's levels.
        head_width: channels of the fallback decoders' full-resolution unit.
        stem_width: width of each modality's stem of two 3x3 conv units at full
            resolution (0: none; the task then uses the normalized inputs).
        stream_supervision: weight of the cross-entropy of a 1x1 classifier on
            each stream at every level (and on each stem), never run at
            inference (0: none).
        fallback_decoders: weight of the cross-entropy of the two
            ``FallbackDecoder``s where their modality is valid; their logits
            replace the fused ones through a ``ValidityGate`` where only one
            modality is valid (0: none; needs validity channels).
        synchronized_bn: synchronize BatchNormalization across replicas.
    """

    def __init__(self, num_classes, widths, head_width, stem_width=0, stream_supervision=0.0,
                 fallback_decoders=0.0, synchronized_bn=False):
        self.num_classes = int(num_classes)
        self.stream_supervision = float(stream_supervision)
        self.fallback_decoders = float(fallback_decoders)
        # === Layers ===
        self.stems = {
            m: [conv_unit(stem_width, synchronized_bn, f"{m}_stem", f"_{j}") for j in range(2)]
            for m in MODALITIES
        } if stem_width else {}
        self.fallbacks = {
            m: FallbackDecoder(m, widths, head_width, num_classes, synchronized_bn) for m in MODALITIES
        } if fallback_decoders else {}
        self.gate = ValidityGate(name="validity_gate") if fallback_decoders else None
        self.strides = {}  # stride of each auxiliary stream output, by name

    def full_resolution(self, features):
        """Each modality's full-resolution features: its stem's, else its normalized input."""
        inputs = {m: features[f"{m}_input"] for m in MODALITIES}
        if not self.stems:
            return inputs
        return {m: apply_units(self.stems[m], inputs[m]) for m in MODALITIES}

    def __call__(self, logits, features, full_resolution):
        """Wires the head into the task's graph.

        Args:
            logits: the fused decoder's logits (padded full resolution).
            features: the backbone's outputs.
            full_resolution: ``full_resolution(features)``.

        Returns:
            ``(logits, auxiliary)``: the gated logits (the fused ones without
            fallback decoders) and the named training-only outputs that
            ``loss`` takes: ``"<modality>_stem"``, ``"<modality>_level_<i>"``
            (stream logits), ``"<modality>_fallback"`` (fallback logits) and
            ``"<modality>_input"`` (the normalized input, for its validity).
        """
        auxiliary = {}
        if self.stream_supervision:
            if self.stems:
                for m in MODALITIES:
                    self._stream_output(auxiliary, f"{m}_stem", f"{m}_stem_classifier",
                                        full_resolution[m], 1)
            for i in range(len(features["optical"])):
                for m in MODALITIES:
                    self._stream_output(auxiliary, f"{m}_level_{i}", f"{m}_classifier_{i}",
                                        features[m][i], 2 ** (i + 1))
        if self.fallbacks:
            for m in MODALITIES:
                auxiliary[f"{m}_fallback"] = self.fallbacks[m](features[m], full_resolution[m])
                auxiliary[f"{m}_input"] = features[f"{m}_input"]
            logits = self.gate([logits, auxiliary["optical_fallback"], auxiliary["sar_fallback"],
                                features["optical_input"], features["sar_input"]])
        return logits, auxiliary

    def _stream_output(self, auxiliary, key, name, features, stride):
        auxiliary[key] = classifier(self.num_classes, name)(features)
        self.strides[key] = stride

    def loss(self, labels, sample_weight, auxiliary):
        """The weighted auxiliary cross-entropies, already scaled as Keras' losses are.

        Args:
            labels: int ``[B, H, W]``, ``255`` = ignore.
            sample_weight: float ``[B, H, W]`` or None.
            auxiliary: the named outputs of ``__call__``, computed in the step.
        """
        total = 0.0
        if self.strides:
            total += self.stream_supervision * stream_loss(
                labels, sample_weight, [auxiliary[key] for key in self.strides],
                list(self.strides.values()), IGNORE_CLASS)
        if self.fallbacks:
            total += self.fallback_decoders * fallback_loss(
                labels, sample_weight, [auxiliary[f"{m}_fallback"] for m in MODALITIES],
                [auxiliary[f"{m}_input"] for m in MODALITIES], IGNORE_CLASS)
        return total
