"""``mfafnet robustness``: mIoU of runs with a growing share of the optical or SAR removed."""

import os

from mfafnet_tf.cli.arguments import name_list
from mfafnet_tf.errors import ConfigError


def _shares(text):
    """'0,25,50,75,100' (percent) -> (0.0, 0.25, 0.5, 0.75, 1.0)."""
    try:
        shares = tuple(float(part) / 100 for part in text.split(",") if part.strip())
    except ValueError:
        raise ConfigError(f"--shares: expected comma-separated percentages, found {text!r}") from None
    if not shares or not all(0.0 <= share <= 1.0 for share in shares):
        raise ConfigError(f"--shares: expected percentages in 0..100, found {text!r}")
    return shares


def register(subparsers):
    """Adds the ``robustness`` subcommand."""
    from mfafnet_tf.inference.predict_settings import DEFAULT_BATCH_SIZE

    parser = subparsers.add_parser(
        "robustness",
        help="evaluate runs with a share of the optical (or SAR) removed by cloud-shaped masks",
        description="Evaluates each run on its recipe's test scenes with 0, 25, 50, 75 and 100 %% "
        "of the optical, and separately of the SAR, made nodata under deterministic "
        "cloud-shaped masks (the same for every run), and writes robustness.csv, "
        "robustness.md and robustness.png (mIoU against the removed share). Pixels "
        "a model leaves without a class count as wrong.",
    )
    parser.add_argument("run_dirs", nargs="+", metavar="RUN_DIR", help="run directories of `mfafnet train`")
    parser.add_argument("--out", required=True, help="output directory")
    parser.add_argument("--names", type=name_list,
                        help="comma-separated run names, one per RUN_DIR (default: each "
                        "recipe's name, with /seedN when names repeat)")
    parser.add_argument("--modalities", default="optical,sar",
                        help="modalities to remove, one at a time (default optical,sar)")
    parser.add_argument("--shares", default="0,25,50,75,100",
                        help="removed shares in percent (default 0,25,50,75,100)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the cloud masks (default 0)")
    parser.add_argument("--split", default="test", help="scenes to evaluate (default: test)")
    parser.add_argument("--tile", type=int, help="tile size (default: twice the training patch)")
    parser.add_argument("--overlap", type=int, help="tile overlap (default: a quarter tile)")
    parser.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_SIZE,
                        help=f"tiles per model call (default {DEFAULT_BATCH_SIZE})")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.set_defaults(func=run)


def run(args):
    """Evaluates, prints the tables and writes the outputs."""
    from mfafnet_tf.evaluation.robustness import (
        robustness_markdown,
        robustness_table,
        write_robustness,
    )

    modalities = tuple(part.strip() for part in args.modalities.split(",") if part.strip())
    if not modalities or not set(modalities) <= {"optical", "sar"}:
        raise ConfigError(f"--modalities: expected optical and/or sar, found {args.modalities!r}")
    for run_dir in args.run_dirs:
        if not os.path.isfile(os.path.join(run_dir, "config.yaml")):
            raise ConfigError(f"{run_dir}: expected a run directory with config.yaml, found none")
    rows = robustness_table(
        args.run_dirs, modalities=modalities, shares=_shares(args.shares), seed=args.seed,
        split=args.split, tile=args.tile, overlap=args.overlap, batch_size=args.batch_size,
        progress=not args.quiet, names=args.names,
    )
    print(robustness_markdown(rows), end="")
    for path in write_robustness(args.out, rows).values():
        print(f"wrote {path}")
    return 0
