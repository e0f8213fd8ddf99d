"""The ``mfafnet`` command line: one subcommand module per verb."""

import argparse
import importlib
import os
import sys

# Set to a value other than "" or "0" to see TensorFlow's start-up and C++ log
# messages, like ``mfafnet --verbose``.
VERBOSE_ENV = "MFAFNET_VERBOSE"

# Subcommand name -> module that defines ``register(subparsers)``; each module's
# ``register`` adds its parser and sets ``func`` (taking the parsed args, returning
# an exit code). Adding a verb is one line here plus its module.
COMMANDS = {
    "data": "mfafnet_tf.cli.data",
    "train": "mfafnet_tf.cli.train",
    "evaluate": "mfafnet_tf.cli.evaluate",
    "robustness": "mfafnet_tf.cli.robustness",
    "compare": "mfafnet_tf.cli.compare",
    "predict": "mfafnet_tf.cli.predict",
    "predict-batch": "mfafnet_tf.cli.predict_batch",
    "export": "mfafnet_tf.cli.export",
    "tune": "mfafnet_tf.cli.tune",
    "demo": "mfafnet_tf.cli.demo",
}


def build_parser():
    """Builds the top-level parser with every available subcommand."""
    from mfafnet_tf import __version__

    parser = argparse.ArgumentParser(
        prog="mfafnet",
        description="MFAFNet optical + SAR land-cover segmentation.",
    )
    parser.add_argument("--version", action="version", version=__version__)
    parser.add_argument(
        "--verbose", action="store_true",
        help="show TensorFlow's start-up and C++ log messages (hidden by default; "
        f"also {VERBOSE_ENV}=1)")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, module_name in COMMANDS.items():
        importlib.import_module(module_name).register(subparsers)
    return parser


def main(argv=None):
    """Runs the command line and returns its exit code."""
    parser = build_parser()
    # A subcommand that sets ``accepts_extra_args`` gets the options it does not
    # know as ``args.extra_args`` (predict-batch: Beam pipeline options).
    args, extra = parser.parse_known_args(argv)
    if extra and not getattr(args, "accepts_extra_args", False):
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    args.extra_args = extra
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    if not (args.verbose or os.environ.get(VERBOSE_ENV, "0") not in ("", "0")):
        # Parsing needs no TensorFlow (so --help is fast); the commands do.
        from mfafnet_tf.cli.quiet_import import import_tensorflow_quietly

        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        import_tensorflow_quietly()
    from mfafnet_tf.errors import MfafnetError

    try:
        return int(args.func(args) or 0)
    except MfafnetError as error:
        print(f"mfafnet {args.command}: error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"mfafnet {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
