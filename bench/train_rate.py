"""Training images/s of models and compile variants, interleaved in one process.

Every (model, variant) pair is built and compiled as a training run does
(``compile_model`` with the demo recipe), then the pairs take turns: each
round runs ``model.fit`` for ``--steps`` steps on every pair in the same
order, so a drift in the machine's speed reaches all of them alike. A round's
time is the whole ``fit`` call (its per-call set-up included, the same for
all); the first round is a warm-up (tracing) and not counted. Prints the
median images/s of each pair and, round by round paired, the median ratio to
the first variant of the same model and to the last model of the same variant.

Variants are ``;``-separated, each a ``,``-separated list of ``key=value``:
``steps_per_execution=N`` (``runtime.steps_per_execution``), ``metrics=none``
(compiled without the training metrics: what they cost).

Example (the documented lever runs)::

    PYTHONPATH=. .venv/bin/python bench/train_rate.py --models mfafnet_tiny,unet_optical_sar \\
        --variants "steps_per_execution=1;steps_per_execution=10" --size 64 --batch 8 --steps 20 --rounds 6
"""

import argparse
import os
import sys
import time

import keras
import numpy as np
import tensorflow as tf

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from step_profile import DEMO_RECIPE, MODELS, NUM_CLASSES, _inputs  # noqa: E402

from mfafnet_tf.config import load_config  # noqa: E402
from mfafnet_tf.training.model_building import compile_model  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", default="mfafnet_tiny,unet_optical_sar", help=f"from {', '.join(MODELS)}")
    parser.add_argument("--variants", default="", help="';'-separated variants of key=value (see above)")
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--steps", type=int, default=20, help="training steps per round and pair")
    parser.add_argument("--rounds", type=int, default=5, help="counted rounds (after one warm-up round)")
    parser.add_argument("--recipe", default=DEMO_RECIPE)
    return parser.parse_args(argv)


def parse_variant(text):
    items = dict(item.split("=", 1) for item in filter(None, (s.strip() for s in text.split(","))))
    unknown = set(items) - {"steps_per_execution", "metrics"}
    if unknown:
        raise SystemExit(f"unknown variant keys: {', '.join(sorted(unknown))}")
    return items


def build_pair(model_key, variant, args):
    keras.utils.set_random_seed(0)
    model = MODELS[model_key]()
    overrides = [f"runtime.steps_per_execution={variant['steps_per_execution']}"] \
        if "steps_per_execution" in variant else []
    config = load_config(args.recipe, overrides)
    compile_model(model, config, config.train.steps_per_epoch)
    if variant.get("metrics") == "none":
        model.compile(optimizer=model.optimizer, loss=model.loss, metrics=[],
                      jit_compile=config.runtime.jit_compile,
                      steps_per_execution=getattr(config.runtime, "steps_per_execution", 1))
    x = _inputs(model, args.batch, args.size)
    rng = np.random.default_rng(1)
    y = rng.integers(0, NUM_CLASSES, (args.batch, args.size, args.size)).astype("int32")
    w = rng.uniform(0.5, 2.0, y.shape).astype("float32")
    data = tf.data.Dataset.from_tensors((x, y, w)).repeat().prefetch(2)
    return model, data


def main(argv=None):
    args = parse_args(argv)
    variants = [v for v in args.variants.split(";")] if args.variants else [""]
    models = [m for m in args.models.split(",") if m]
    pairs = {(m, v): build_pair(m, parse_variant(v), args) for m in models for v in variants}
    seconds = {key: [] for key in pairs}
    for round_ in range(args.rounds + 1):
        for key, (model, data) in pairs.items():
            start = time.perf_counter()
            model.fit(data, epochs=1, steps_per_epoch=args.steps, verbose=0)
            if round_:
                seconds[key].append(time.perf_counter() - start)
    rate = {key: args.batch * args.steps / np.array(s) for key, s in seconds.items()}
    load = " ".join(f"{v:.2f}" for v in os.getloadavg())
    print(f"{args.size}x{args.size}, batch {args.batch}, {args.steps} steps per round, {args.rounds} rounds; "
          f"TF_ENABLE_ONEDNN_OPTS={os.environ.get('TF_ENABLE_ONEDNN_OPTS', 'unset')}, "
          f"intra/inter-op threads {tf.config.threading.get_intra_op_parallelism_threads()}/"
          f"{tf.config.threading.get_inter_op_parallelism_threads()} (0: TF's default); load average {load}")
    print(f"| model | variant | images/s (median) | min–max | / first variant | / {models[-1]} |")
    print("|---|---|---:|---:|---:|---:|")
    for (m, v), r in rate.items():
        by_variant = np.median(r / rate[(m, variants[0])])
        by_model = np.median(r / rate[(models[-1], v)])
        print(f"| {m} | {v or 'recipe'} | {np.median(r):.3g} | {r.min():.3g}–{r.max():.3g} | "
              f"{by_variant:.2f} | {by_model:.2f} |")
    return rate


if __name__ == "__main__":
    main()
