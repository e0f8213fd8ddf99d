"""``mfafnet compare``: the paper-style table of several evaluated runs, or their leaderboard."""

import json


def register(subparsers):
    """Adds the ``compare`` subcommand."""
    parser = subparsers.add_parser(
        "compare",
        help="compare evaluated runs (aAcc, mIoU, per-class IoU)",
        description="Prints one row per run from each run's metrics.json.",
    )
    parser.add_argument("run_dirs", nargs="+", metavar="RUN_DIR")
    parser.add_argument(
        "--leaderboard", action="store_true",
        help="one row per model over its seeds and its two training settings (with and "
        "without the missing-data dropout): clear-data mIoU of the better one, mean ± std, "
        "per-class IoU, mIoU with all optical / all SAR removed (missing_data.json) and the "
        "model's cost (model_cost.json), as bench/leaderboard.py prints it")
    parser.add_argument("--reference", metavar="MODEL",
                        help="with --leaderboard: the model (recipe name) the paired Δ column is "
                        "taken against (same seed)")
    parser.add_argument("--markdown", metavar="FILE", help="also write the table as Markdown")
    parser.add_argument("--json", metavar="FILE", help="also write the table as JSON")
    parser.add_argument(
        "--html", metavar="FILE", help="also write a static HTML report of the runs side by "
        "side (metrics, per-class IoU chart, confusion matrices, training curves, scene "
        "panels; images embedded)")
    parser.set_defaults(func=run)


def run(args):
    """Prints the comparison table and writes the requested files."""
    from mfafnet_tf.errors import ConfigError
    from mfafnet_tf.evaluation.comparison import (
        comparison_markdown,
        load_run_metrics,
        write_comparison,
    )

    if args.reference and not args.leaderboard:
        raise ConfigError("--reference: it names the Δ column of --leaderboard; add --leaderboard")
    if args.leaderboard:
        from mfafnet_tf.data.atomic import write_text
        from mfafnet_tf.evaluation.leaderboard import leaderboard_markdown, load_leaderboard_runs
        from mfafnet_tf.evaluation.report import json_ready

        models = load_leaderboard_runs(args.run_dirs)
        markdown = leaderboard_markdown(models, args.reference)
        print(markdown, end="")
        if args.markdown:
            write_text(args.markdown, markdown)
        if args.json:
            write_text(args.json, json.dumps(json_ready(models), indent=2) + "\n")
    else:
        table = load_run_metrics(args.run_dirs)
        print(comparison_markdown(table), end="")
        write_comparison(table, markdown_path=args.markdown, json_path=args.json)
    if args.html:
        from mfafnet_tf.evaluation.html_report import load_runs, write_html_report

        write_html_report(args.html, load_runs(args.run_dirs),
                          f"Comparison of {len(args.run_dirs)} runs")
    for path in (args.markdown, args.json, args.html):
        if path:
            print(f"wrote {path}")
    return 0
