"""Where a training step's time goes: forward, backward, optimizer, loss, metrics, overhead.

Builds one model as the benchmarks do (bench/model_throughput.py), compiles it
as a training run does (``compile_model`` with the demo recipe's optimizer,
loss and metrics; per-pixel sample weights as the pipeline gives them), runs
warm-up steps, then traces ``--steps`` calls of ``train_on_batch`` with the
TensorFlow profiler and reads the host trace (``*.xplane.pb``).

Every executed TensorFlow op is one event on a ``tf_Compute`` thread, named
after the op (``gradient_tape/mfafnet_1/head_conv/Conv2DBackpropFilter``) and
its type. Categories, by name scope: the model's scope is the forward pass,
``gradient_tape/`` and the gradient sums (``AddN``) the backward pass,
``adam_w/`` the optimizer, the loss function's scope the loss; the metrics'
updates and results are put under a ``metrics/`` scope by this script (only
the names change, not the graph); what is left (step counter, loss tracker,
iterator, grappler's rewritten names) is ``other``.

Two views, each summing to its own total:

- **wall**: the traced steps' wall time, cut at every op start and end; each
  slice is shared evenly among the ops running in it (the op threads run
  side by side on the cores); slices where no op runs are **overhead** (Python,
  Keras's step, the executor's scheduling, input conversion). Categories +
  overhead = wall time per step.
- **op time**: the ops' durations summed over threads (more than the wall time
  where ops overlap), by category, by layer and by op type.

Example (the documented runs)::

    PYTHONPATH=. .venv/bin/python bench/step_profile.py --model mfafnet_tiny --size 64 --batch 8
"""

import argparse
import collections
import glob
import os
import re
import sys
import tempfile
import time

import keras
import numpy as np
import tensorflow as tf

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from model_throughput import NUM_CLASSES, UNET_MODALITIES, _inputs  # noqa: E402

from mfafnet_tf.config import load_config  # noqa: E402
from mfafnet_tf.models import CMX, MCANet, MFAFNet, UNet  # noqa: E402
from mfafnet_tf.training.model_building import compile_model  # noqa: E402

DEMO_RECIPE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "recipes", "synthetic_demo.yaml")
MODELS = {
    "mfafnet_tiny": lambda: MFAFNet(NUM_CLASSES, preset="tiny"),
    "mfafnet_small": lambda: MFAFNet(NUM_CLASSES, preset="small"),
    # The demo's early-fusion baseline.
    "unet_optical_sar": lambda: UNet(NUM_CLASSES, modalities=UNET_MODALITIES["fusion"], widths=(16, 32, 64, 128)),
    # The fusion peers as the leaderboard's rows.
    "cmx_b0": lambda: CMX(NUM_CLASSES, backbone="mit_b0"),
    "cmx_b2": lambda: CMX(NUM_CLASSES, backbone="mit_b2"),
    "mcanet_50": lambda: MCANet(NUM_CLASSES, depth=50),
}
CATEGORIES = ("forward", "backward", "optimizer", "loss", "metrics", "other")
WRAPPERS = ("ThreadpoolListener", "ExecutorState", "ParallelFor", "ExecutorDoneCallback")
STEP_EVENT = "profiled_train_step"


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", choices=sorted(MODELS), default="mfafnet_tiny")
    parser.add_argument("--size", type=int, default=64, help="patch height and width")
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--steps", type=int, default=5, help="traced steps (after --warmup steps)")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--untraced", type=int, default=10, help="untraced steps timed for the wall time")
    parser.add_argument("--recipe", default=DEMO_RECIPE, help="recipe whose optimizer/loss/metrics are compiled")
    parser.add_argument("--top", type=int, default=12, help="rows of the by-layer and by-op-type tables")
    parser.add_argument("--logdir", default=None, help="keep the trace here (default: a temporary directory)")
    return parser.parse_args(argv)


def name_metric_scope(model):
    """Puts the metrics' ops under a ``metrics/`` name scope (same graph, other names)."""
    compute_metrics = model.compute_metrics

    def scoped(*args, **kwargs):
        with tf.name_scope("metrics"):
            return compute_metrics(*args, **kwargs)

    model.compute_metrics = scoped


def build(args):
    keras.utils.set_random_seed(0)
    model = MODELS[args.model]()
    config = load_config(args.recipe)
    compile_model(model, config, config.train.steps_per_epoch)
    name_metric_scope(model)
    x = _inputs(model, args.batch, args.size)
    rng = np.random.default_rng(1)
    y = rng.integers(0, NUM_CLASSES, (args.batch, args.size, args.size)).astype("int32")
    y[:, :2, :2] = 255
    w = rng.uniform(0.5, 2.0, y.shape).astype("float32") * (y != 255)
    return model, x, y, w


def category(op_name, model_scope, loss_scope):
    """Category of one op by its name (see the module docstring)."""
    parts = op_name.split("/")
    head = re.sub(r"_\d+$", "", parts[0])
    if head == "gradient_tape" or re.fullmatch(r"AddN(_\d+)?", parts[0]):
        return "backward"
    if head == model_scope:
        return "forward"
    if head in ("adam_w", "adamw"):
        return "optimizer"
    if head == "metrics":
        return "metrics"
    if head in (loss_scope, "compile_loss"):
        return "loss"
    return "other"


def layer_of(op_name, model_scope):
    """The top-level layer an op belongs to (forward or backward), or its scope."""
    parts = [p for p in op_name.split("/") if p != "gradient_tape"]
    if parts and re.sub(r"_\d+$", "", parts[0]) == model_scope and len(parts) > 2:
        return re.sub(r"_\d+$", "", parts[1])
    return re.sub(r"_\d+$", "", parts[0])


def read_trace(logdir):
    """(op events [(start ps, end ps, name, type)], step windows [(start, end)]) of a trace."""
    from tensorflow.tsl.profiler.protobuf import xplane_pb2

    paths = glob.glob(os.path.join(logdir, "**", "*.xplane.pb"), recursive=True)
    space = xplane_pb2.XSpace()
    with open(max(paths, key=os.path.getmtime), "rb") as stream:
        space.ParseFromString(stream.read())
    plane = next(p for p in space.planes if p.name == "/host:CPU")
    metadata = plane.event_metadata
    ops, steps = [], []
    for line in plane.lines:
        base = line.timestamp_ns * 1000
        events = sorted(line.events, key=lambda e: (e.offset_ps, -e.duration_ps))
        if not line.name.startswith("tf_Compute"):
            steps += [(base + e.offset_ps, base + e.offset_ps + e.duration_ps)
                      for e in events if metadata[e.metadata_id].name.startswith(STEP_EVENT)]
            continue
        # Leaf op events: ops with no op event inside them on the same thread.
        stack, candidates, leaf = [], [], []
        for event in events:
            start, end = base + event.offset_ps, base + event.offset_ps + event.duration_ps
            while stack and stack[-1][1] <= start:
                stack.pop()
            name = metadata[event.metadata_id].name
            if name.startswith(WRAPPERS):
                continue
            if stack:
                leaf[stack[-1][2]] = False
            op, _, op_type = name.partition(":")
            stack.append((start, end, len(candidates)))
            candidates.append((start, end, op, op_type or op.split("/")[-1]))
            leaf.append(True)
        ops += [c for c, is_leaf in zip(candidates, leaf) if is_leaf]
    return ops, sorted(steps)


def attribute_wall(ops, windows, categories):
    """Wall time per category, ops sharing each time slice evenly; the rest is overhead."""
    points = []
    for (start, end, *_), cat in zip(ops, categories):
        points.append((start, 1, cat))
        points.append((end, -1, cat))
    points.sort(key=lambda p: (p[0], p[1]))
    shares = collections.Counter()
    active = collections.Counter()
    busy = 0
    last = None
    for t, delta, cat in points:
        if last is not None and t > last:
            running = sum(active.values())
            lo, hi = last, t
            inside = sum(max(0, min(hi, b) - max(lo, a)) for a, b in windows)
            if running and inside:
                for c, n in active.items():
                    if n:
                        shares[c] += inside * n / running
                busy += inside
        active[cat] += delta
        last = t
    total = sum(b - a for a, b in windows)
    shares["overhead"] = total - busy
    return shares, total


def main(argv=None):
    args = parse_args(argv)
    model, x, y, w = build(args)
    for _ in range(args.warmup):
        model.train_on_batch(x, y, sample_weight=w)
    times = []
    for _ in range(args.untraced):
        start = time.perf_counter()
        model.train_on_batch(x, y, sample_weight=w)
        times.append(time.perf_counter() - start)
    logdir = args.logdir or tempfile.mkdtemp(prefix="step_profile_")
    tf.profiler.experimental.start(logdir)
    for step in range(args.steps):
        with tf.profiler.experimental.Trace(STEP_EVENT, step_num=step, _r=1):
            model.train_on_batch(x, y, sample_weight=w)
    tf.profiler.experimental.stop()
    ops, windows = read_trace(logdir)
    assert len(windows) == args.steps, f"found {len(windows)} traced steps, expected {args.steps}"
    # The model's name scope, as the gradient ops name it (the functional model's, not model.name).
    model_scope = collections.Counter(
        re.sub(r"_\d+$", "", o[2].split("/")[1]) for o in ops if o[2].startswith("gradient_tape/")
    ).most_common(1)[0][0]
    loss_scope = re.sub(r"_\d+$", "", model.loss.name) if hasattr(model.loss, "name") else "loss"
    lo, hi = windows[0][0], windows[-1][1]
    ops = [o for o in ops if o[1] > lo and o[0] < hi]
    cats = [category(o[2], model_scope, loss_scope) for o in ops]
    wall, total = attribute_wall(ops, windows, cats)
    op_time = collections.Counter()
    by_layer = {"forward": collections.Counter(), "backward": collections.Counter()}
    by_type = {"forward": collections.Counter(), "backward": collections.Counter()}
    for (start, end, name, op_type), cat in zip(ops, cats):
        op_time[cat] += end - start
        if cat in by_layer:
            by_layer[cat][layer_of(name, model_scope)] += end - start
            by_type[cat][op_type] += end - start
    n = args.steps
    ms = lambda ps: ps / n / 1e9  # noqa: E731  (per step, ms)
    op_total = sum(op_time.values())
    print(f"{args.model}, {args.size}x{args.size}, batch {args.batch}: untraced train_on_batch "
          f"best {min(times) * 1e3:.1f} ms, median {np.median(times) * 1e3:.1f} ms per step "
          f"({args.batch / np.median(times):.1f} images/s); traced {ms(total):.1f} ms per step "
          f"over {n} steps; load average {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    print("| category | wall ms/step | share of wall | op ms/step (summed over threads) | share of op time |")
    print("|---|---:|---:|---:|---:|")
    for cat in CATEGORIES + ("overhead",):
        op = f"{ms(op_time[cat]):.1f} | {100 * op_time[cat] / op_total:.0f} %" if cat != "overhead" else "| "
        print(f"| {cat} | {ms(wall[cat]):.1f} | {100 * wall[cat] / total:.0f} % | {op} |")
    print(f"| total | {ms(sum(wall.values())):.1f} | 100 % | {ms(op_total):.1f} | 100 % |")
    for cat in ("backward", "forward"):
        for title, table in (("layer", by_layer[cat]), ("op type", by_type[cat])):
            rows = ", ".join(f"{k} {ms(v):.1f}" for k, v in table.most_common(args.top))
            print(f"{cat} op ms/step by {title}: {rows}")
    return wall, total, op_time


if __name__ == "__main__":
    main()
