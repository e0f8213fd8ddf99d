"""``mfafnet train``: train a recipe into a run directory (resumable)."""


def add_recipe_arguments(parser, required=True):
    """Adds ``--recipe``, ``--override`` and ``--override-file`` to ``parser``."""
    parser.add_argument("--recipe", required=required, help="YAML recipe")
    parser.add_argument(
        "--override", action="append", default=[], metavar="KEY=VALUE",
        help="set a recipe value, e.g. train.epochs=5 (YAML-typed, repeatable)",
    )
    parser.add_argument(
        "--override-file", action="append", default=[], metavar="FILE",
        help="YAML file merged over the recipe before --override (repeatable)",
    )


def config_from_args(args):
    """Loads the recipe named by the parsed arguments."""
    from mfafnet_tf.config import load_config

    return load_config(args.recipe, args.override, args.override_file)


def register(subparsers):
    """Adds the ``train`` subcommand."""
    parser = subparsers.add_parser(
        "train",
        help="train a recipe",
        description="Trains a recipe into RUN_DIR. Started again with the same "
        "command after an interruption, it continues after the last completed epoch.",
    )
    add_recipe_arguments(parser)
    parser.add_argument("--run-dir", required=True, help="output directory of the run")
    parser.set_defaults(func=run)


def run(args):
    """Trains and reports where the outputs went."""
    config = config_from_args(args)
    from mfafnet_tf.training import train

    train(config, args.run_dir)
    print(f"run directory: {args.run_dir} (best.keras, model.keras, history.csv, logs/)")
    return 0
