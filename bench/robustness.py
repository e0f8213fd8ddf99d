"""Robustness to missing optical/SAR: MFAFNet-tiny against single-modality UNets.

Trains, on the demo's synthetic data and one step budget, MFAFNet-tiny with the
recipe's modality and cloud dropout, MFAFNet-tiny without them, and the demo's
SAR-only and optical-only UNets; then evaluates every run on the held-out whole
scenes with 0/25/50/75/100 % of the optical and of the SAR removed by the same
cloud-shaped masks (``mfafnet robustness``) and prints the tables, the goals of
issue 10 against the figures, the wall times and the load average. Finished runs
are reused.

    .venv/bin/python bench/robustness.py --out runs/robustness
    .venv/bin/python bench/robustness.py --out runs/robustness --override train.epochs=2
"""

import argparse
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402

from mfafnet_tf.cli.demo import BASELINE_WIDTHS, RUNS, demo_recipe  # noqa: E402
from mfafnet_tf.config import load_config  # noqa: E402
from mfafnet_tf.evaluation.robustness import (  # noqa: E402
    robustness_markdown,
    robustness_table,
    write_robustness,
)
from mfafnet_tf.evaluation.scene_evaluation import run_model_path  # noqa: E402
from mfafnet_tf.errors import DataError  # noqa: E402
from mfafnet_tf.training import train  # noqa: E402

NO_DROPOUT = ["data.modality_dropout=0", "data.cloud_dropout=0"]
BASELINES = {name: [*RUNS[name], f"model.widths={BASELINE_WIDTHS}"] for name in ("unet_sar", "unet_optical")}
VARIANTS = {"mfafnet_tiny": [], "mfafnet_tiny_no_dropout": NO_DROPOUT, **BASELINES}


def _trained(run_dir):
    try:
        run_model_path(run_dir)
    except DataError:
        return False
    return True


def _score(rows, run, removed, share):
    return next(100 * row["mIoU"] for row in rows
                if (row["run"], row["removed"], row["share"]) == (run, removed, share))


def goals(rows):
    """The goals of issue 10, each with the measured figures and whether it is met."""
    fusion, sar_only, optical_only = "mfafnet_tiny", "unet_sar", "unet_optical"
    lines = []
    cloudless = _score(rows, fusion, "optical", 1.0)
    sar = _score(rows, sar_only, "optical", 1.0)
    lines.append(f"100 % optical removed: MFAFNet-tiny {cloudless:.2f} vs SAR-only UNet {sar:.2f} "
                 f"mIoU (goal: within 3): {'met' if cloudless >= sar - 3 else 'NOT met'}")
    clear = _score(rows, fusion, "optical", 0.0)
    plain = _score(rows, "mfafnet_tiny_no_dropout", "optical", 0.0)
    lines.append(f"0 % removed: MFAFNet-tiny {clear:.2f} vs without dropout {plain:.2f} mIoU "
                 f"(goal: within 1): {'met' if clear >= plain - 1 else 'NOT met'}")
    for removed in ("optical", "sar"):
        shares = sorted({row["share"] for row in rows if row["removed"] == removed})
        above = [share for share in shares
                 if _score(rows, fusion, removed, share)
                 > max(_score(rows, sar_only, removed, share), _score(rows, optical_only, removed, share))]
        lines.append(f"{removed} removed: MFAFNet-tiny above both single-modality UNets at "
                     f"{len(above)} of {len(shares)} shares: {'met' if len(above) == len(shares) else 'NOT met'}")
    return lines


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default=os.path.join("runs", "robustness"))
    parser.add_argument("--recipe", help="base recipe (default: the demo's)")
    parser.add_argument("--override", action="append", default=[], metavar="KEY=VALUE",
                        help="recipe override for every run (before each run's own), e.g. train.epochs=2")
    args = parser.parse_args(argv)
    start = time.monotonic()
    data = os.path.join(args.out, "data")
    recipe = demo_recipe(args.recipe)
    run_dirs, timings = [], {}
    for name, overrides in VARIANTS.items():
        run_dir = os.path.join(args.out, name)
        run_dirs.append(run_dir)
        if _trained(run_dir):
            continue
        config = load_config(recipe, [
            f"name={name}", "runtime.verbose=0", f"data.root={data}",
            f"data.tile_dir={os.path.join(data, 'tiles')}",
            f"data.split_file={os.path.join(data, 'split.txt')}", *args.override, *overrides])
        keras.backend.clear_session()
        began = time.monotonic()
        train(config, run_dir)
        timings[name] = time.monotonic() - began
        print(f"{name}: trained in {timings[name]:.0f} s", flush=True)
    began = time.monotonic()
    rows = robustness_table(run_dirs, progress=False)
    timings["robustness evaluation"] = time.monotonic() - began
    paths = write_robustness(args.out, rows)
    print()
    print(robustness_markdown(rows))
    print("\n".join(goals(rows)))
    print()
    for what, seconds in timings.items():
        print(f"{what}: {seconds:.0f} s")
    print(f"total {time.monotonic() - start:.0f} s; load average {os.getloadavg()[0]:.1f} "
          f"on {os.cpu_count()} CPUs; outputs: {', '.join(paths.values())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
