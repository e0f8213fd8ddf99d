"""``mfafnet evaluate``: metrics on whole test scenes by sliding-window prediction."""

from mfafnet_tf.cli.train import add_recipe_arguments, config_from_args
from mfafnet_tf.errors import ConfigError


def register(subparsers):
    """Adds the ``evaluate`` subcommand."""
    from mfafnet_tf.inference.predict_settings import DEFAULT_BATCH_SIZE

    parser = subparsers.add_parser(
        "evaluate",
        help="evaluate a run on whole test scenes",
        description="Predicts each test scene by overlapping tiles and scores it "
        "against its labels: aAcc, mIoU, mAcc, per-class IoU/accuracy/F1, Cohen's "
        "kappa. Writes metrics.json, metrics.md, confusion_matrix.png, one panel per "
        "scene in panels/ (optical, SAR, prediction, label, errors) and report.html "
        "(all of it with the training curves, to open in a browser).",
    )
    parser.add_argument("--run-dir", help="run directory of `mfafnet train` (its config and best model)")
    parser.add_argument("--model", help="a .keras file or SavedModel directory (with --recipe)")
    add_recipe_arguments(parser, required=False)
    parser.add_argument("--out", help="output directory (default with --run-dir: the run "
                        "directory; required with --model)")
    parser.add_argument(
        "--protocol", choices=("ignore_background", "with_background"),
        help="background not scored (default) or scored as a class; default: the recipe's",
    )
    parser.add_argument("--split", default="test", help="scenes to evaluate (default: test)")
    parser.add_argument("--tile", type=int, help="tile size (default: mfafnet predict's, twice the model's training patch, else 512)")
    parser.add_argument("--overlap", type=int, help="tile overlap (default: mfafnet predict's, 1/4 of the tile)")
    parser.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_SIZE,
                        help=f"tiles per model call (default {DEFAULT_BATCH_SIZE})")
    parser.set_defaults(func=run)


def run(args):
    """Evaluates and prints the metrics table."""
    from mfafnet_tf.evaluation.report import metrics_markdown
    from mfafnet_tf.evaluation.scene_evaluation import evaluate_run, evaluate_run_dir

    options = dict(
        protocol=args.protocol, split=args.split, tile=args.tile,
        overlap=args.overlap, batch_size=args.batch_size,
    )
    if args.run_dir and not (args.model or args.recipe):
        scores, paths = evaluate_run_dir(args.run_dir, args.out, **options)
    elif args.model and args.recipe and not args.run_dir:
        if not args.out:
            raise ConfigError("--out: required with --model and --recipe")
        scores, paths = evaluate_run(config_from_args(args), args.model, args.out, **options)
    else:
        raise ConfigError("give either --run-dir, or --model with --recipe (and --out)")
    print(metrics_markdown(scores, scores["protocol"]), end="")
    for path in paths.values():
        print(f"wrote {path}")
    return 0
