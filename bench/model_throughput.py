"""Model throughput benchmark: parameters, forward FLOPs, images/s, achieved rate.

For MFAFNet presets and the UNet baselines it prints one table row each:
parameters, forward GFLOPs per image, inference and training-step images/s,
achieved GFLOP/s, and that rate as a ratio to a dense 3x3 Conv2D stack
measured in the same run (same size, batch and device).

FLOPs are counted, not guessed: the forward pass is traced at batch 1, its
variables frozen to constants, and every op of the graph is summed with
TensorFlow's registered FLOP statistics (Conv2D, DepthwiseConv2dNative, MatMul,
element-wise ops); Einsum ops (the attention products), which have no
registered statistic, are counted as 2 x the product of all index sizes.
Activations without a statistic (ReLU, GELU's erfc, exp, tanh) are left out.
Training FLOPs are taken as 3 x forward (forward + two backward products).

With ``--plain``, each MFAFNet preset also gets a row with the plain (unfused)
forms of its layers (``mfafnet_tf.layers.plain_forms``), measured in the same
run right before the fused row: the before/after of the exact speed-ups. With
``--components``, each preset's per-component times follow (see
component_shares.py), in float32 and, per component, with XLA
(``jit_compile``) and under the ``mixed_bfloat16`` policy.

Every timing is the best of ``--steps`` calls after a warm-up call (the
machine is shared: the best call is the one least disturbed by other jobs).

Example (the documented CPU run)::

    .venv/bin/python bench/model_throughput.py --size 128 --batch 4 --steps 5 --plain --components
"""

import argparse
import collections
import contextlib
import re

import keras
import numpy as np
import tensorflow as tf
import yaml
from tensorflow.python.framework import ops as tf_ops
from tensorflow.python.framework.convert_to_constants import convert_variables_to_constants_v2

from component_shares import best_seconds, component_times, print_shares
from mfafnet_tf.layers.plain_forms import PLAIN_FORMS
from mfafnet_tf.models import MFAFNet, UNet

NUM_CLASSES = 7
UNET_MODALITIES = {"sar": ("sar",), "optical": ("optical",), "fusion": ("optical", "sar")}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--presets", default="tiny,small,base", help="MFAFNet presets, comma separated")
    parser.add_argument("--unets", default="sar,optical,fusion", help="UNet baselines (sar, optical, fusion) or ''")
    parser.add_argument("--size", type=int, default=256, help="image height and width")
    parser.add_argument("--batch", type=int, default=8, help="batch size")
    parser.add_argument("--steps", type=int, default=5, help="timed steps after one warm-up step (best is kept)")
    parser.add_argument("--plain", action="store_true", help="add a plain-forms row before each MFAFNet preset")
    parser.add_argument("--components", action="store_true", help="per-component times of each MFAFNet preset")
    parser.add_argument(
        "--component-variants", default="float32,xla,bf16",
        help="component columns: float32 (always first), xla (jit_compile), bf16 (mixed_bfloat16 policy)",
    )
    parser.add_argument(
        "--unet-widths", default="", help="UNet widths, comma separated (default: the paper's 64..1024)"
    )
    parser.add_argument(
        "--ablations",
        default="",
        help="extra MFAFNet rows (preset --ablation-preset), ';'-separated key=value switches, "
        "e.g. 'fusion=concat;low_branch=none'",
    )
    parser.add_argument("--ablation-preset", default="small", help="preset of the --ablations rows")
    parser.add_argument("--skip-training", action="store_true", help="time inference only")
    parser.add_argument("--reference-channels", type=int, default=64, help="channels of the dense Conv2D reference")
    return parser.parse_args(argv)


def _einsum_flops(op):
    equation = op.get_attr("equation").decode()
    inputs = re.split(r"->", equation)[0].split(",")
    sizes = {}
    for labels, tensor in zip(inputs, op.inputs):
        for label, size in zip(labels, tensor.shape):
            sizes[label] = size
    return 2 * int(np.prod([int(s) for s in sizes.values()]))


def forward_flops(model, size):
    """FLOPs of one forward pass of one image, counted over the frozen graph."""
    specs = {
        name: tf.TensorSpec((1, size, size, tensor.shape[-1]), tf.float32)
        for name, tensor in model.input.items()
    } if isinstance(model.input, dict) else tf.TensorSpec((1, size, size, model.input.shape[-1]), tf.float32)
    function = tf.function(lambda x: model(x, training=False)).get_concrete_function(specs)
    graph = convert_variables_to_constants_v2(function).graph
    per_type = collections.Counter()
    for op in graph.get_operations():
        if op.type == "Einsum":
            per_type[op.type] += _einsum_flops(op)
            continue
        try:
            value = tf_ops.get_stats_for_node_def(graph, op.node_def, "flops").value
        except (ValueError, KeyError):
            value = None
        if value:
            per_type[op.type] += int(value)
    return sum(per_type.values()), per_type


def _inputs(model, batch, size, seed=0):
    rng = np.random.default_rng(seed)
    if isinstance(model.input, dict):
        return {
            name: rng.uniform(0, 1, (batch, size, size, tensor.shape[-1])).astype("float32")
            for name, tensor in model.input.items()
        }
    return rng.normal(size=(batch, size, size, model.input.shape[-1])).astype("float32")


@contextlib.contextmanager
def plain_forms():
    """Layers built and run inside use their plain (unfused) forms."""
    saved = {cls: getattr(cls, name) for cls, (name, _) in PLAIN_FORMS.items()}
    for cls, (name, plain) in PLAIN_FORMS.items():
        setattr(cls, name, getattr(cls, plain))
    try:
        yield
    finally:
        for cls, method in saved.items():
            setattr(cls, PLAIN_FORMS[cls][0], method)


def throughput(model, batch, size, steps, labels, loss=None, train=True):
    """(inference images/s, training images/s or NaN) of one model."""
    x = _inputs(model, batch, size)
    forward = tf.function(lambda inputs: model(inputs, training=False))
    infer_s = best_seconds(lambda: forward(x)[0, 0, 0, 0].numpy(), steps)
    if not train:
        return batch / infer_s, float("nan")
    model.compile(**({"optimizer": "adamw", "loss": loss} if loss else {}))
    train_s = best_seconds(lambda: model.train_on_batch(x, labels), steps)
    return batch / infer_s, batch / train_s


def dense_reference(channels):
    """Four 3x3 Conv2D + ReLU layers, channels -> channels: the dense-conv yardstick."""
    inputs = keras.Input((None, None, channels))
    x = inputs
    for i in range(4):
        x = keras.layers.Conv2D(channels, 3, padding="same", activation="relu", name=f"conv_{i}")(x)
    return keras.Model(inputs, x, name="dense_conv_reference")


def build_models(args):
    """(row name, model factory, plain forms) for every requested row."""
    models = []
    for preset in filter(None, args.presets.split(",")):
        factory = lambda p=preset: MFAFNet(NUM_CLASSES, preset=p)  # noqa: E731
        if args.plain:
            models.append((f"MFAFNet-{preset} (plain forms)", factory, True))
        models.append((f"MFAFNet-{preset}", factory, False))
    for item in filter(None, args.ablations.split(";")):
        key, value = item.split("=", 1)
        switch = {key.strip(): yaml.safe_load(value)}
        preset = args.ablation_preset
        models.append((f"MFAFNet-{preset} {item.strip()}",
                       lambda s=switch, p=preset: MFAFNet(NUM_CLASSES, preset=p, **s), False))
    widths = {"widths": [int(w) for w in args.unet_widths.split(",")]} if args.unet_widths else {}
    for key in filter(None, args.unets.split(",")):
        factory = lambda k=key: UNet(NUM_CLASSES, modalities=UNET_MODALITIES[k], **widths)  # noqa: E731
        models.append((f"UNet ({key})", factory, False))
    return models


def print_components(args, name, factory, model_rates):
    """Per-component table of one preset: float32, then the chosen XLA / mixed_bfloat16 columns."""
    train = not args.skip_training
    times = {}
    chosen = {"float32"} | set(filter(None, args.component_variants.split(",")))
    for variant, policy, jit in (("float32", "float32", False), ("xla", "float32", True),
                                 ("bf16", "mixed_bfloat16", False)):
        if variant not in chosen:
            continue
        keras.config.set_dtype_policy(policy)
        try:
            times[variant] = component_times(factory(), args.batch, args.size, args.steps, train, jit)
        finally:
            keras.config.set_dtype_policy("float32")
        keras.backend.clear_session()
    infer_s, train_s = (args.batch / rate for rate in model_rates)
    print_shares(name, times, infer_s, train_s)


def main(argv=None):
    args = parse_args(argv)
    keras.utils.set_random_seed(0)
    print(f"size {args.size}x{args.size}, batch {args.batch}, {args.steps} timed steps, "
          f"{len(tf.config.list_physical_devices('GPU'))} GPU(s)", flush=True)

    reference = dense_reference(args.reference_channels)
    ref_flops, _ = forward_flops(reference, args.size)
    ref_target = np.zeros((args.batch, args.size, args.size, args.reference_channels), "float32")
    train = not args.skip_training

    def reference_rates():
        infer, train_rate = throughput(reference, args.batch, args.size, args.steps, ref_target, "mse", train)
        return ref_flops * infer / 1e9, 3 * ref_flops * train_rate / 1e9

    print(f"dense Conv2D reference: 4 x Conv2D 3x3 {args.reference_channels}->{args.reference_channels}, "
          f"{ref_flops / 1e9:.2f} GFLOPs/img, re-measured right before each model (shared machine)")
    header = ("| model | params (M) | fwd GFLOPs/img | infer img/s | train img/s | infer GFLOP/s | "
              "dense infer GFLOP/s | infer / dense | train GFLOP/s | dense train GFLOP/s | train / dense |")
    print(header)
    print("|---|" + "---:|" * 10)
    labels = np.random.default_rng(1).integers(0, NUM_CLASSES, (args.batch, args.size, args.size))
    flops_by_model = {}
    rates = {}
    for name, factory, plain in build_models(args):
        with plain_forms() if plain else contextlib.nullcontext():
            model = factory()
            flops, _ = forward_flops(model, args.size)
            ref_infer_rate, ref_train_rate = reference_rates()
            infer, train_images = throughput(model, args.batch, args.size, args.steps, labels, train=train)
        flops_by_model[name] = flops
        rates[name] = (infer, train_images)
        infer_rate, train_rate = flops * infer / 1e9, 3 * flops * train_images / 1e9
        print(f"| {name} | {model.count_params() / 1e6:.2f} | {flops / 1e9:.2f} | {infer:.2f} | "
              f"{train_images:.2f} | {infer_rate:.1f} | {ref_infer_rate:.1f} | {infer_rate / ref_infer_rate:.2f} | "
              f"{train_rate:.1f} | {ref_train_rate:.1f} | {train_rate / ref_train_rate:.2f} |", flush=True)
        keras.backend.clear_session()

    for name, factory, plain in build_models(args):
        if args.components and name.startswith("MFAFNet") and not plain and " " not in name:
            print_components(args, name, factory, rates[name])

    if "MFAFNet-small" in flops_by_model and "UNet (fusion)" in flops_by_model:
        ratio = flops_by_model["MFAFNet-small"] / flops_by_model["UNet (fusion)"]
        print(f"MFAFNet-small / UNet(optical+SAR) forward FLOPs: {ratio:.3f} (goal <= 0.333)")


if __name__ == "__main__":
    main()
