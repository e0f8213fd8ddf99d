"""Ablation of MFAFNet-tiny against the UNet baselines, several seeds each.

Trains, on the same data and the same step budget (the demo recipe unless
``--recipe`` says otherwise), MFAFNet-tiny with each switch of docs/model.md flipped
one at a time and the UNet baselines of the demo, once per seed; evaluates
every run on the held-out whole scenes; prints and writes mean ± std mIoU,
per-class IoU and training images/s (median epoch after the first, which traces).
Finished runs are reused, so an interrupted ablation continues where it stopped.

    .venv/bin/python bench/ablation.py --out runs/ablation
    .venv/bin/python bench/ablation.py --recipe recipes/synthetic_realistic.yaml --out runs/ablation_realistic
    .venv/bin/python bench/ablation.py --variants mfafnet_tiny,unet_optical_sar --seeds 0
"""

import argparse
import os
import statistics
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
from bench_runs import data_overrides, train_and_score  # noqa: E402

from mfafnet_tf.config.demo_runs import NO_DROPOUT, RUNS, demo_recipe  # noqa: E402
from mfafnet_tf.data.atomic import write_text  # noqa: E402
from mfafnet_tf.models.mfafnet.mfafnet_options import CHOICES  # noqa: E402

STEM_OFF = "model.options.full_resolution_stem=0"
FALLBACK_OFF = "model.options.fallback_decoders=0.0"

# Training for missing data (issue 10), screened before the stems were on: each
# variant also turns them off.
BEFORE_STEMS = {
    "dropout=0": NO_DROPOUT,
    "stream_supervision=1": ["model.options.stream_supervision=1.0"],
    "modality_dropout=0.2": ["data.modality_dropout=0.2"],
    "modality_dropout=0.4": ["data.modality_dropout=0.4"],
    "sar_gap_dropout=0.5": ["data.sar_gap_dropout=0.5"],
    "sar_gap_dropout=0+modality_dropout=0.2": ["data.sar_gap_dropout=0.0",
                                               "data.modality_dropout=0.2"],
    "stream_supervision=1+modality_dropout=0.2": ["model.options.stream_supervision=1.0",
                                                  "data.modality_dropout=0.2"],
    "head_blocks=2+modality_dropout=0.2": ["model.options.head_blocks=2",
                                           "data.modality_dropout=0.2"],
    "stream_supervision=0+sar_gap_dropout=0+modality_dropout=0.2": [
        "model.options.stream_supervision=0.0", "data.sar_gap_dropout=0.0",
        "data.modality_dropout=0.2"],
}
# The issue-10 screening of the stems, before the fallback decoders were on.
BEFORE_FALLBACK = {
    "dropout=0": NO_DROPOUT,
    "full_resolution_stem=0": [STEM_OFF],
    "full_resolution_stem=8": ["model.options.full_resolution_stem=8"],
    "full_resolution_stem=32": ["model.options.full_resolution_stem=32"],
    "head_blocks=2": ["model.options.head_blocks=2"],
    **{f"full_resolution_stem=0+{name}": [*overrides, STEM_OFF]
       for name, overrides in BEFORE_STEMS.items()},
}

# Each MFAFNet-tiny variant flips one switch of docs/model.md; the UNets are the demo's.
VARIANTS = {
    "mfafnet_tiny": [],
    # Every ablation switch of MFAFNetOptions (DESIGN §3), one alternative at a time.
    **{f"{name}={choice}": [f"model.options.{name}={choice}"]
       for name, choices in CHOICES.items() for choice in choices[1:]},
    "learning_rate=0.002": ["train.learning_rate=0.002"],
    "learning_rate=0.008": ["train.learning_rate=0.008"],
    "alignment_weight=0.5": ["train.alignment_weight=0.5"],
    "full_resolution_skip=false": ["model.options={full_resolution_skip: false}"],
    "head_width=8": ["model.options={head_width: 8}"],
    "head_blocks=2": ["model.options={head_blocks: 2}"],
    # The defaults before the ablation: the narrower head and the lower learning rate.
    "head_width=8+learning_rate=0.002": ["model.options={head_width: 8}", "train.learning_rate=0.002"],
    "validity_channels=false": ["model.options={validity_channels: false}"],
    # The paper's network alone: no all-weather head, no full-resolution skip.
    "all_weather=false": ["model.options.all_weather=false"],
    "dropout=0": NO_DROPOUT,
    "cloud_dropout=0": ["data.cloud_dropout=0.0"],
    "modality_dropout=0": ["data.modality_dropout=0.0"],
    "dropout_warmup=0.5": ["data.dropout_warmup=0.5"],
    # The full-resolution stems (issue 10): without them, narrower, wider.
    "full_resolution_stem=0": [STEM_OFF],
    "full_resolution_stem=8": ["model.options.full_resolution_stem=8"],
    "full_resolution_stem=32": ["model.options.full_resolution_stem=32"],
    # Without the per-modality fallback decoders (issue 10; the defaults before),
    # and the issue-10 screening done before they were on: each also turns them off.
    "fallback_decoders=0": [FALLBACK_OFF],
    **{f"fallback_decoders=0+{name}": [*overrides, FALLBACK_OFF]
       for name, overrides in BEFORE_FALLBACK.items()},
    "stream_supervision=0": ["model.options.stream_supervision=0.0"],
    "sar_gap_dropout=0": ["data.sar_gap_dropout=0.0"],
    "depth=2": ["model.options={transformer_depth: 2, inn_depth: 2}"],
    "widths=small": ["model.preset=small"],
    # The demo's UNets: the early-fusion one without and with the dropout.
    **{name: model for name, model in RUNS.items() if model},
}
RESULT = "ablation_run.json"


def variant_dir(out, name, seed):
    """The run directory of one variant and seed."""
    return os.path.join(out, name.replace("=", "_"), f"seed{seed}")


def run_variant(recipe, out, name, seed, extra):
    """Trains and evaluates one variant with one seed; returns its result dict."""
    overrides = [f"name={name}", f"runtime.seed={seed}", *data_overrides(recipe, out),
                 *VARIANTS[name], *extra]
    return train_and_score(recipe, variant_dir(out, name, seed), overrides, RESULT)


def _mean_std(values, scale=100.0):
    """Mean ± sample std, in %; NaN (a class absent from the test scenes) stays NaN."""
    values = scale * np.asarray(values, float)
    spread = values.std(ddof=1) if len(values) > 1 else 0.0
    return f"{values.mean():.2f} ± {spread:.2f}"


def table(results, seeds, reference="mfafnet_tiny"):
    """Markdown table: one row per variant, mean ± std over the seeds.

    The Δ column is the mIoU difference to ``reference`` run with the same seed
    (same initialization and data order), mean ± std over the seeds.
    """
    classes = list(next(iter(results.values()))[0]["per_class_iou"])
    base = results.get(reference)
    lines = [
        f"| variant ({len(seeds)} seeds) | mIoU | Δ vs {reference} (paired) | "
        + " | ".join(classes) + " | train img/s |",
        "|---|---|---|" + "---|" * len(classes) + "---:|",
    ]
    for name, runs in results.items():
        cells = [_mean_std([r["mIoU"] for r in runs])]
        paired = "—"
        if base and name != reference:
            paired = _mean_std([r["mIoU"] - b["mIoU"] for r, b in zip(runs, base)])
        cells.append(paired)
        cells += [_mean_std([r["per_class_iou"][c] for r in runs]) for c in classes]
        rates = [r["train_images_per_s"] for r in runs if r["train_images_per_s"] is not None]
        speed = f"{statistics.mean(rates):.1f}" if rates else "—"
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {speed} |")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipe", help="base recipe (default: the demo's)")
    parser.add_argument("--out", default=os.path.join("runs", "ablation"))
    parser.add_argument("--seeds", default="0,1,2", help="comma-separated runtime seeds")
    parser.add_argument("--variants", default=",".join(VARIANTS),
                        help=f"comma-separated, from: {', '.join(VARIANTS)}")
    parser.add_argument("--override", action="append", default=[], metavar="KEY=VALUE",
                        help="recipe override for every run, e.g. train.epochs=2")
    args = parser.parse_args(argv)
    seeds = [int(s) for s in args.seeds.split(",")]
    names = [n for n in args.variants.split(",") if n]
    unknown = sorted(set(names) - set(VARIANTS))
    if unknown:
        parser.error(f"unknown variants {unknown}; choose from {list(VARIANTS)}")
    recipe = demo_recipe(args.recipe)
    results = {}
    start = time.monotonic()
    for name in names:
        results[name] = []
        for seed in seeds:
            print(f"=== {name}, seed {seed} ({time.monotonic() - start:.0f} s) ===", flush=True)
            results[name].append(run_variant(recipe, args.out, name, seed, args.override))
    markdown = table(results, seeds)
    write_text(os.path.join(args.out, "ablation.md"), markdown + "\n")
    print(f"\nrecipe {recipe}, overrides {args.override or 'none'}; whole held-out scenes, %\n")
    print(markdown)
    return 0


if __name__ == "__main__":
    sys.exit(main())
