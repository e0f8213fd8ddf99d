"""Robustness to missing optical/SAR: MFAFNet-tiny against single-modality UNets.

Takes the runs of ``bench/ablation.py`` (trained here where they are missing,
same recipe, data and step budget, one per seed): MFAFNet-tiny with the recipe's
modality and cloud dropout, MFAFNet-tiny without them (``dropout=0``), and the
demo's SAR-only and optical-only UNets. Evaluates every run on the held-out whole
scenes with 0/25/50/75/100 % of the optical and of the SAR removed by the same
cloud-shaped masks (``mfafnet robustness``), then prints mean ± std over the
seeds, the goals of issue 10 against the means, the wall times and the load
average, and writes the mean curves (``robustness.csv``/``.md``/``.png``) and the
per-seed rows with per-class IoU (``robustness_seeds.csv``) to ``--out``. ``--extra`` adds other
variants of ``bench/ablation.py`` to the printed table and to
``robustness_variants.md`` (not to the plot).

    .venv/bin/python bench/robustness.py --out runs/ablation_default
    .venv/bin/python bench/robustness.py --out runs/ablation_stem --extra full_resolution_stem=0
    .venv/bin/python bench/robustness.py --out runs/robustness --seeds 0 --override train.epochs=2
    .venv/bin/python bench/robustness.py --out runs/robustness --runs mfafnet_tiny

``--runs`` trains and evaluates only some of the four (the goals need all four).
"""

import argparse
import os
import statistics
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from ablation import run_variant, variant_dir  # noqa: E402

from mfafnet_tf.config.demo_runs import demo_recipe  # noqa: E402
from mfafnet_tf.data.atomic import write_csv, write_text  # noqa: E402
from mfafnet_tf.evaluation.robustness import (  # noqa: E402
    robustness_markdown,
    robustness_table,
    write_robustness,
)

FUSION, NO_DROPOUT, SAR_ONLY, OPTICAL_ONLY = "mfafnet_tiny", "dropout=0", "unet_sar", "unet_optical"
RUNS = (FUSION, NO_DROPOUT, SAR_ONLY, OPTICAL_ONLY)


def mean_rows(rows):
    """Rows averaged over the seeds, with ``mIoU_std`` (sample std) added."""
    groups = {}
    for row in rows:
        groups.setdefault((row["run"], row["removed"], row["share"]), []).append(row)
    merged = []
    for (run, removed, share), group in groups.items():
        scores = [row["mIoU"] for row in group]
        merged.append({
            "run": run, "removed": removed, "share": share,
            "mIoU": statistics.mean(scores),
            "mIoU_std": statistics.stdev(scores) if len(scores) > 1 else 0.0,
            "aAcc": statistics.mean(row["aAcc"] for row in group),
            "pixels": group[0]["pixels"],
        })
    return merged


def _score(rows, run, removed, share):
    return next(100 * row["mIoU"] for row in rows
                if (row["run"], row["removed"], row["share"]) == (run, removed, share))


def goals(rows):
    """The goals of issue 10, each with the measured means and whether it is met."""
    lines = []
    cloudless = _score(rows, FUSION, "optical", 1.0)
    sar = _score(rows, SAR_ONLY, "optical", 1.0)
    lines.append(f"100 % optical removed: MFAFNet-tiny {cloudless:.2f} vs SAR-only UNet {sar:.2f} "
                 f"mIoU (goal: within 3): {'met' if cloudless >= sar - 3 else 'NOT met'}")
    clear = _score(rows, FUSION, "optical", 0.0)
    plain = _score(rows, NO_DROPOUT, "optical", 0.0)
    lines.append(f"0 % removed: MFAFNet-tiny {clear:.2f} vs without dropout {plain:.2f} mIoU "
                 f"(goal: within 1): {'met' if clear >= plain - 1 else 'NOT met'}")
    for removed in ("optical", "sar"):
        shares = sorted({row["share"] for row in rows if row["removed"] == removed})
        above = [share for share in shares
                 if _score(rows, FUSION, removed, share)
                 > max(_score(rows, SAR_ONLY, removed, share), _score(rows, OPTICAL_ONLY, removed, share))]
        lines.append(f"{removed} removed: MFAFNet-tiny above both single-modality UNets at "
                     f"{len(above)} of {len(shares)} shares: {'met' if len(above) == len(shares) else 'NOT met'}")
    return lines


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default=os.path.join("runs", "ablation"),
                        help="the ablation's output directory (its runs are reused)")
    parser.add_argument("--recipe", help="base recipe (default: the demo's)")
    parser.add_argument("--seeds", default="0,1,2", help="comma-separated runtime seeds")
    parser.add_argument("--override", action="append", default=[], metavar="KEY=VALUE",
                        help="recipe override for every run, e.g. train.epochs=2")
    parser.add_argument("--runs", default=",".join(RUNS),
                        help=f"comma-separated, from: {', '.join(RUNS)} (default: all)")
    parser.add_argument("--extra", default="", metavar="VARIANTS",
                        help="comma-separated further ablation variants to evaluate")
    args = parser.parse_args(argv)
    extra = [name for name in args.extra.split(",") if name]
    runs = [name for name in args.runs.split(",") if name]
    if not runs or not set(runs) <= set(RUNS):
        parser.error(f"--runs: expected some of {', '.join(RUNS)}, found {args.runs!r}")
    start = time.monotonic()
    recipe = demo_recipe(args.recipe)
    rows = []
    for seed in (int(s) for s in args.seeds.split(",")):
        for name in (*runs, *extra):
            print(f"=== {name}, seed {seed} ({time.monotonic() - start:.0f} s) ===", flush=True)
            run_variant(recipe, args.out, name, seed, args.override)
        began = time.monotonic()
        for name in (*runs, *extra):
            table = robustness_table([variant_dir(args.out, name, seed)], progress=False)
            # Per-class IoU as one column per class in the per-seed CSV.
            rows += [{**row, "run": name, "seed": seed,
                      **{f"IoU {cls}": iou for cls, iou in row.pop("per_class_iou").items()}}
                     for row in table]
        print(f"robustness evaluation, seed {seed}: {time.monotonic() - began:.0f} s", flush=True)
    write_csv(os.path.join(args.out, "robustness_seeds.csv"), rows, list(rows[0]))
    averaged = mean_rows(rows)
    paths = write_robustness(args.out, [row for row in averaged if row["run"] in RUNS])
    print()
    print(robustness_markdown(averaged))
    if extra:
        paths["variants"] = os.path.join(args.out, "robustness_variants.md")
        write_text(paths["variants"], robustness_markdown(averaged))
    if set(runs) == set(RUNS):
        print("\n".join(goals(averaged)))
    print(f"\ntotal {time.monotonic() - start:.0f} s; load average {os.getloadavg()[0]:.1f} "
          f"on {os.cpu_count()} CPUs; outputs: {', '.join(paths.values())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
