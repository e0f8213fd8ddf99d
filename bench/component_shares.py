"""Per-component time of a built model: each layer timed alone as a sub-model.

Every top-level layer of the functional model is called on random inputs of
the shapes it sees in the model (batch ``batch``, image ``size``), inference
(``training=False``) and a training step's forward + backward (gradients of
the summed outputs with respect to the layer's inputs and trainable weights;
no optimizer update). Feature decompositions are split into their transformer
blocks, couplings and the rest (channel split, merge); cross feature fusions
into their attentions and the rest. The shares are of the sum over
components; the sum's ratio to the whole model's time shows what falls between
components (the loss, the optimizer, Keras's step overhead, scheduling).
"""

import collections
import time

import keras
import numpy as np
import tensorflow as tf

from mfafnet_tf.layers import (
    AffineCoupling,
    ConvFeedForward,
    CrossFeatureFusion,
    FeatureDecomposition,
    FeatureReconstruction,
    HaarDownsampling,
    InverseHaarUpsampling,
    LiteTransformerBlock,
    SemanticAlignment,
)

CATEGORIES = {
    HaarDownsampling: "Haar downsampling",
    LiteTransformerBlock: "FDM: transformer",
    AffineCoupling: "FDM: INN coupling",
    ConvFeedForward: "FDM: conv bottleneck",
    FeatureDecomposition: "FDM: split + merge",
    CrossFeatureFusion: "CFFB",
    SemanticAlignment: "alignment (MMD)",
    FeatureReconstruction: "decoder blocks",
    InverseHaarUpsampling: "inverse-Haar upsampling",
}
OTHER = "head, normalization, padding, crop"


def best_seconds(step, repeats):
    """Best of ``repeats`` timed calls after one warm-up (tracing) call."""
    step()
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        step()
        best = min(best, time.perf_counter() - start)
    return best


def _layer_input_shapes(model, batch, size):
    """(layer, input shapes, multi-input) for every layer, at ``batch`` x ``size``."""
    layers = [layer for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)]
    structure = [layer.input for layer in layers]
    probe = keras.Model(model.input, keras.tree.flatten(structure))
    rng = np.random.default_rng(0)
    inputs = {
        name: rng.uniform(0, 1, (1, size, size, tensor.shape[-1])).astype("float32")
        for name, tensor in model.input.items()
    }
    shapes = iter([(batch,) + tuple(t.shape[1:]) for t in probe(inputs)])
    for layer, tensors in zip(layers, structure):
        multi = isinstance(tensors, (list, tuple))
        yield layer, [next(shapes) for _ in keras.tree.flatten(tensors)], multi


def _time_layer(layer, shapes, repeats, train, multi, jit):
    rng = np.random.default_rng(0)
    inputs = [tf.constant(rng.normal(size=s).astype("float32")) for s in shapes]
    args = inputs if multi else inputs[0]

    @tf.function(jit_compile=jit)
    def forward():
        return keras.tree.flatten(layer(args, training=False))[0]

    @tf.function(jit_compile=jit)
    def backward():
        with tf.GradientTape() as tape:
            tape.watch(inputs)
            loss = sum(tf.reduce_sum(tf.cast(t, "float32")) for t in keras.tree.flatten(layer(args, training=True)))
        return tape.gradient(loss, inputs + layer.trainable_weights)[0]

    infer = best_seconds(lambda: forward().numpy(), repeats)
    trained = best_seconds(lambda: backward().numpy(), repeats) if train else float("nan")
    return infer, trained


def _parts(layer, shapes):
    """Sub-blocks timed separately: (sub-layer, its input shapes, multi-input)."""
    shape = shapes[0]
    if isinstance(layer, FeatureDecomposition):
        low = shape[:-1] + (layer.low_channels,)
        high = shape[:-1] + (layer.high_channels,)
        return [(b, [low], False) for b in layer.low_blocks] + [(b, [high], False) for b in layer.high_blocks]
    return []


def component_times(model, batch, size, repeats, train=True, jit=False):
    """{category: [inference s, training s]} summed over the model's layers.

    ``jit`` compiles each timed function with XLA; the dtype policy is the
    model's (set it before building the model).
    """
    totals = collections.defaultdict(lambda: np.zeros(2))
    for layer, shapes, multi in _layer_input_shapes(model, batch, size):
        whole = np.array(_time_layer(layer, shapes, repeats, train, multi, jit))
        for part, part_shapes, part_multi in _parts(layer, shapes):
            seconds = np.array(_time_layer(part, part_shapes, repeats, train, part_multi, jit))
            totals[CATEGORIES[type(part)]] += seconds
            whole -= seconds
        totals[CATEGORIES.get(type(layer), OTHER)] += whole
    return dict(totals)


def print_shares(name, times, model_infer_s, model_train_s):
    """Prints one Markdown table of component times and shares.

    Args:
        name: the model's name.
        times: {variant: component_times(...)}, the first variant float32.
        model_infer_s, model_train_s: the whole model's seconds per batch
            (inference; ``train_on_batch``) in float32.
    """
    variants = list(times)
    base = times[variants[0]]
    infer_sum = sum(v[0] for v in base.values())
    train_sum = sum(v[1] for v in base.values())
    others = "".join(f" {v} infer ms | {v} train ms |" for v in variants[1:])
    print(f"\n{name}: components timed alone (ms per batch; share of the {variants[0]} sum)\n")
    print(f"| component | infer ms | infer share | train ms | train share |{others}")
    print("|---|" + "---:|" * (4 + 2 * len(variants[1:])))

    def row(label, infer, trained, infer_share, train_share, rest):
        cells = "".join(f" {1e3 * a:.1f} | {1e3 * b:.1f} |" for a, b in rest)
        print(f"| {label} | {1e3 * infer:.1f} | {infer_share} | {1e3 * trained:.1f} | {train_share} |{cells}")

    for category, (infer, trained) in sorted(base.items(), key=lambda kv: -kv[1][0]):
        rest = [times[v].get(category, (np.nan, np.nan)) for v in variants[1:]]
        row(category, infer, trained, f"{100 * infer / infer_sum:.0f} %", f"{100 * trained / train_sum:.0f} %", rest)
    sums = [tuple(sum(x[i] for x in times[v].values()) for i in (0, 1)) for v in variants[1:]]
    row("sum of components", infer_sum, train_sum, "", "", sums)
    print(f"\nwhole model ({variants[0]}): inference {1e3 * model_infer_s:.1f} ms per batch (components sum to "
          f"{100 * infer_sum / model_infer_s:.0f} % of it), train_on_batch {1e3 * model_train_s:.1f} ms "
          f"(forward + backward of the components: {100 * train_sum / model_train_s:.0f} % of it)", flush=True)
