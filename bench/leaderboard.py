"""The fair leaderboard: MFAFNet, CMX, MCANet and the UNets on one recipe, 3 seeds.

Every model trains on the same data with the same recipe, step budget,
augmentation and seeds, once with the recipe's missing-data dropout (cloud,
SAR-gap, modality; the demo's 0.3 each where the recipe has none) and once
without it (single-modality UNets ignore the dropout: one setting). Each run is
scored on the held-out whole scenes, clear and with 100 % of the optical and
of the SAR removed. A model's clear-data row is its better setting, its
missing-data columns its dropout setting (``mfafnet_tf.evaluation.leaderboard``).
Then each model's cost is measured once at 256² batch 8, beside the dense-conv
reference of ``model_throughput.py`` in the same run: parameters, counted
forward GFLOPs, training and inference images/s. Finished runs are reused, so
the grid can be spent over several sessions. ``mfafnet compare --leaderboard``
prints the same table from the run directories.

    .venv/bin/python bench/leaderboard.py --out runs/leaderboard
    .venv/bin/python bench/leaderboard.py --recipe recipes/synthetic_realistic.yaml --out runs/leaderboard_realistic
    .venv/bin/python bench/leaderboard.py --out runs/leaderboard --budget 4 --models mfafnet_small,cmx_b0,unet_optical_sar
    .venv/bin/python bench/leaderboard.py --recipe recipes/sentinel_manifest.yaml --out runs/leaderboard_s12

Run directories: ``<out>/budget<B>/<model>/<dropout|clear>/seed<S>``; the run's
recipe name is the model's, its seed the seed. The UNets are the demo's (widths
16..128, comparable in size to MFAFNet-tiny) on every recipe; the papers' UNets
are ``recipes/*/unet_*.yaml``.
"""

import argparse
import glob
import json
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
from bench_runs import data_overrides, train_and_score  # noqa: E402
from model_throughput import dense_reference, forward_flops, throughput  # noqa: E402

from mfafnet_tf.config import load_config  # noqa: E402
from mfafnet_tf.config.demo_runs import EARLY_FUSION, NO_DROPOUT, RUNS, demo_recipe  # noqa: E402
from mfafnet_tf.data.atomic import write_text  # noqa: E402
from mfafnet_tf.evaluation.leaderboard import (  # noqa: E402
    COST_COLUMNS,
    MISSING_DATA_JSON,
    MODEL_COST_JSON,
    leaderboard_markdown,
    load_leaderboard_runs,
    trained_with_dropout,
    write_missing_data,
)
from mfafnet_tf.training.data_setup import prepare_data  # noqa: E402
from mfafnet_tf.training.model_building import build_model  # noqa: E402

FUSION = ["model.modalities=[optical, sar]", "model.widths=null"]
MODELS = {
    "mfafnet_tiny": ["model.name=mfafnet", "model.preset=tiny", "model.options={}", *FUSION],
    "mfafnet_small": ["model.name=mfafnet", "model.preset=small", "model.options={}", *FUSION],
    "cmx_b0": ["model.name=cmx", "model.options={backbone: mit_b0}", *FUSION],
    "cmx_b2": ["model.name=cmx", "model.options={backbone: mit_b2}", *FUSION],
    "mcanet_50": ["model.name=mcanet", "model.options={depth: 50}", *FUSION],
    "mcanet_101": ["model.name=mcanet", "model.options={depth: 101}", *FUSION],
    "unet_sar": ["model.options={}", *RUNS["unet_sar"]],
    "unet_optical": ["model.options={}", *RUNS["unet_optical"]],
    "unet_optical_sar": ["model.options={}", *EARLY_FUSION],
}
REFERENCE = "mfafnet_small"
DEMO_DROPOUT = ["data.cloud_dropout=0.3", "data.sar_gap_dropout=0.3", "data.modality_dropout=0.3"]
COST_SIZE, COST_BATCH = 256, 8


def settings(recipe, model):
    """``{setting: overrides}``: with and without dropout for models of both modalities."""
    config = load_config(recipe, MODELS[model])
    if set(config.model.input_modalities) != {"optical", "sar"}:
        return {"clear": NO_DROPOUT}
    return {"dropout": [] if trained_with_dropout(config) else DEMO_DROPOUT, "clear": NO_DROPOUT}


def run_dir(out, budget, model, setting, seed):
    return os.path.join(out, f"budget{budget}", model, setting, f"seed{seed}")


def run_one(recipe, out, budget, model, setting, seed, extra):
    """Trains, evaluates and scores one run under missing data; returns its directory."""
    directory = run_dir(out, budget, model, setting, seed)
    base = load_config(recipe)
    overrides = [f"name={model}", f"runtime.seed={seed}", f"train.epochs={base.train.epochs * budget}",
                 *data_overrides(recipe, out), *MODELS[model], *settings(recipe, model)[setting], *extra]
    result = train_and_score(recipe, directory, overrides)
    if not os.path.exists(os.path.join(directory, MISSING_DATA_JSON)):
        write_missing_data(directory)
    rate = result["train_images_per_s"]
    print(f"  clear mIoU {100 * result['mIoU']:.2f}, training "
          f"{'—' if rate is None else f'{rate:.1f}'} img/s", flush=True)
    return directory


def measure_cost(recipe, out, model, steps, extra):
    """Parameters, forward GFLOPs per 256² image, and images/s beside the dense reference."""
    config = load_config(recipe, [*data_overrides(recipe, out), *MODELS[model], *extra])
    keras.backend.clear_session()
    built = build_model(config, prepare_data(config))
    flops, _ = forward_flops(built, COST_SIZE)
    labels = np.random.default_rng(1).integers(
        0, config.task.num_classes, (COST_BATCH, COST_SIZE, COST_SIZE))
    reference = dense_reference(64)
    reference_flops, _ = forward_flops(reference, COST_SIZE)
    target = np.zeros((COST_BATCH, COST_SIZE, COST_SIZE, 64), "float32")
    ref_infer, ref_train = throughput(reference, COST_BATCH, COST_SIZE, steps, target, "mse")
    infer, train_rate = throughput(built, COST_BATCH, COST_SIZE, steps, labels)
    return {
        "parameters": built.count_params(),
        "gflops": flops / 1e9,
        "train_images_per_s": train_rate,
        "infer_images_per_s": infer,
        "dense_ratio_train": (flops * train_rate) / (reference_flops * ref_train),
        "dense_ratio_infer": (flops * infer) / (reference_flops * ref_infer),
        "load_average": os.getloadavg()[0],
    }


def cost_markdown(out, budget):
    """Every measured model's cost (``<out>/budget<B>/<model>/model_cost.json``), trained or not."""
    header = ["model"] + [title for _, title, *_ in COST_COLUMNS] + ["load average"]
    lines = ["| " + " | ".join(header) + " |", "|---|" + "---:|" * (len(header) - 1)]
    for path in sorted(glob.glob(os.path.join(out, f"budget{budget}", "*", MODEL_COST_JSON))):
        with open(path, encoding="utf-8") as stream:
            cost = json.load(stream)
        cells = [f"{scale * cost[key]:.{digits}f}" for key, _, scale, digits in COST_COLUMNS]
        model = os.path.basename(os.path.dirname(path))
        lines.append(f"| {model} | " + " | ".join(cells) + f" | {cost['load_average']:.1f} |")
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipe", help="base recipe (default: the demo's); a manifest works")
    parser.add_argument("--out", default=os.path.join("runs", "leaderboard"))
    parser.add_argument("--seeds", default="0,1,2", help="comma-separated runtime seeds")
    parser.add_argument("--budget", type=int, default=1,
                        help="multiple of the recipe's epochs (its step budget)")
    parser.add_argument("--models", default=",".join(MODELS),
                        help=f"comma-separated, from: {', '.join(MODELS)}")
    parser.add_argument("--settings", default="dropout,clear",
                        help="training settings to run: dropout, clear or both")
    parser.add_argument("--cost-steps", type=int, default=3,
                        help="timed calls per cost measurement (best of); 0 skips the costs")
    parser.add_argument("--costs-only", action="store_true",
                        help="measure the models' costs without training (a model too slow "
                        "to train here still gets its images/s)")
    parser.add_argument("--override", action="append", default=[], metavar="KEY=VALUE",
                        help="recipe override for every run, e.g. train.epochs=2")
    args = parser.parse_args(argv)
    models = [name for name in args.models.split(",") if name]
    unknown = sorted(set(models) - set(MODELS))
    if unknown or args.budget < 1:
        parser.error(f"unknown models {unknown}; choose from {list(MODELS)}" if unknown
                     else "--budget: expected a multiple >= 1")
    chosen = set(args.settings.split(","))
    if not chosen <= {"dropout", "clear"}:
        parser.error(f"--settings: expected dropout, clear or both, found {args.settings!r}")
    recipe = demo_recipe(args.recipe)
    start = time.monotonic()
    for model in models:
        for setting in (s for s in settings(recipe, model) if s in chosen and not args.costs_only):
            for seed in (int(s) for s in args.seeds.split(",")):
                print(f"=== {model}, {setting}, seed {seed}, budget {args.budget}x "
                      f"({time.monotonic() - start:.0f} s) ===", flush=True)
                run_one(recipe, args.out, args.budget, model, setting, seed, args.override)
        directories = glob.glob(run_dir(args.out, args.budget, model, "*", "*"))
        path = os.path.join(args.out, f"budget{args.budget}", model, MODEL_COST_JSON)
        if args.cost_steps and not os.path.exists(path):
            print(f"=== {model}: cost at {COST_SIZE}² batch {COST_BATCH} ===", flush=True)
            write_text(path, json.dumps(measure_cost(recipe, args.out, model, args.cost_steps,
                                                     args.override), indent=1) + "\n")
        if os.path.exists(path):
            with open(path, encoding="utf-8") as stream:
                cost = stream.read()
            for directory in directories:
                write_text(os.path.join(directory, MODEL_COST_JSON), cost)
    directories = sorted(glob.glob(run_dir(args.out, args.budget, "*", "*", "*")))
    directories = [d for d in directories if os.path.exists(os.path.join(d, "metrics.json"))]
    runs = load_leaderboard_runs(directories)
    markdown = leaderboard_markdown(runs, REFERENCE if REFERENCE in runs else None)
    write_text(os.path.join(args.out, f"leaderboard_budget{args.budget}.md"), markdown)
    print(f"\nrecipe {recipe}, budget {args.budget}x, overrides {args.override or 'none'}; "
          f"whole held-out scenes, %; {time.monotonic() - start:.0f} s, load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs\n")
    print(markdown)
    costs = cost_markdown(args.out, args.budget)
    write_text(os.path.join(args.out, f"costs_budget{args.budget}.md"), costs)
    print(f"Cost at {COST_SIZE}² batch {COST_BATCH}, beside the dense reference in the same run:\n")
    print(costs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
