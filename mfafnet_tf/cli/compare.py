"""``mfafnet compare``: the paper-style table of several evaluated runs."""


def register(subparsers):
    """Adds the ``compare`` subcommand."""
    parser = subparsers.add_parser(
        "compare",
        help="compare evaluated runs (aAcc, mIoU, per-class IoU)",
        description="Prints one row per run from each run's metrics.json.",
    )
    parser.add_argument("run_dirs", nargs="+", metavar="RUN_DIR")
    parser.add_argument("--markdown", metavar="FILE", help="also write the table as Markdown")
    parser.add_argument("--json", metavar="FILE", help="also write the table as JSON")
    parser.set_defaults(func=run)


def run(args):
    """Prints the comparison table and writes the requested files."""
    from mfafnet_tf.evaluation.comparison import (
        comparison_markdown,
        load_run_metrics,
        write_comparison,
    )

    table = load_run_metrics(args.run_dirs)
    print(comparison_markdown(table), end="")
    write_comparison(table, markdown_path=args.markdown, json_path=args.json)
    for path in (args.markdown, args.json):
        if path:
            print(f"wrote {path}")
    return 0
