"""``mfafnet predict-batch``: predict a scene catalog on Apache Beam to COGs + STAC."""

from mfafnet_tf.cli.arguments import add_predict_settings_arguments, predict_settings


def register(subparsers):
    """Adds the ``predict-batch`` subcommand."""
    parser = subparsers.add_parser(
        "predict-batch",
        help="predict a catalog of scenes on Apache Beam to COGs, STAC Items and a VRT mosaic",
        description="Predict every optical/SAR pair of a catalog (manifest CSV or STAC "
        "ItemCollection JSON with optical and sar assets) on an Apache Beam runner: one "
        "Cloud-Optimized GeoTIFF class map and STAC Item per scene, a STAC Collection, a VRT "
        "mosaic and failures.json. Scenes already done are skipped, so a rerun resumes. "
        "Options that this command does not know are Beam pipeline options, e.g. "
        "--direct_num_workers=2 --direct_running_mode=multi_processing, or --flink_master=HOST:PORT.",
        allow_abbrev=False,  # a Beam option must never be taken for an abbreviation of one of ours
    )
    parser.add_argument("--catalog", required=True,
                        help="manifest CSV (optical,sar[,name]) or STAC ItemCollection JSON")
    parser.add_argument("--model", required=True,
                        help=".keras file or SavedModel directory, readable by every worker")
    parser.add_argument("--out", required=True, help="output folder, shared by the workers")
    parser.add_argument("--runner", default="DirectRunner",
                        help="Beam runner: DirectRunner (default), PrismRunner, FlinkRunner, SparkRunner, "
                        "DataflowRunner, ...")
    add_predict_settings_arguments(parser)
    parser.add_argument("--collection-id", help="id of the run's STAC Collection (default: the output folder's name)")
    parser.set_defaults(func=run, accepts_extra_args=True)


def run(args):
    """Runs ``mfafnet predict-batch``; exit code 1 when a scene failed."""
    from mfafnet_tf.batch.beam_pipeline import run_batch

    summary = run_batch(args.catalog, args.model, args.out, runner=args.runner, pipeline_args=args.extra_args,
                        settings=predict_settings(args), collection_id=args.collection_id)
    print(f"{summary['scenes']} scenes: {len(summary['predicted'])} predicted, "
          f"{len(summary['skipped'])} skipped (already done), {len(summary['failed'])} failed")
    for failure in summary["failed"]:
        print(f"failed {failure['name']}: {failure['error']}")
    if "mosaic_error" in summary:
        print(f"no mosaic: {summary['mosaic_error']}")
    print(f"wrote {args.out} (summary in failures.json)")
    return 1 if summary["failed"] else 0
