"""``mfafnet tune``: KerasTuner search over a recipe's ``tune.space`` (resumable)."""

from mfafnet_tf.cli.train import add_recipe_arguments, config_from_args
from mfafnet_tf.errors import ConfigError


def register(subparsers):
    """Adds the ``tune`` subcommand."""
    parser = subparsers.add_parser(
        "tune",
        help="search hyperparameters with KerasTuner",
        description="Searches the recipe's tune.space for the best tune.objective (default: "
        "val_mean_iou, maximized) and "
        "writes the best values to OUT/best_overrides.yaml for `mfafnet train "
        "--override-file`. Started again with the same OUT it continues the search.",
    )
    add_recipe_arguments(parser)
    parser.add_argument("--out", required=True, help="output directory of the search")
    parser.add_argument(
        "--tuner", default=None, metavar="{hyperband,bayesian,random}",
        help="search algorithm (default: the recipe's tune.tuner)",
    )
    parser.add_argument(
        "--max-trials", type=int, default=None, metavar="N",
        help="trial budget (default: tune.max_trials; hyperband: no cap)",
    )
    parser.set_defaults(func=run)


def run(args):
    """Runs the search and reports where the best hyperparameters went."""
    if args.max_trials is not None and args.max_trials < 1:
        raise ConfigError(f"--max-trials: expected at least 1, found {args.max_trials}")
    config = config_from_args(args)
    from mfafnet_tf.tuning.search import run_search

    result = run_search(config, args.out, args.tuner, args.max_trials)
    if result.best_overrides:
        print(
            f"best hyperparameters: {result.best_overrides}\n"
            f"train with them: mfafnet train --recipe {args.recipe} "
            f"--override-file {result.best_overrides} --run-dir RUN_DIR"
        )
    return 0
