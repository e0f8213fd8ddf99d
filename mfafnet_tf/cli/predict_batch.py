"""``mfafnet predict-batch``: predict a scene catalog on Apache Beam to COGs + STAC."""

from mfafnet_tf.cli.arguments import band_list, name_list


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
    parser.add_argument("--optical-bands", type=band_list, help="1-based optical bands, e.g. 1,2,3,4")
    parser.add_argument("--sar-bands", type=band_list, help="1-based SAR bands, e.g. 1")
    parser.add_argument("--tile", type=int, default=512, help="tile size in pixels (default 512)")
    parser.add_argument("--overlap", type=int, default=64, help="overlap of neighbouring tiles (default 64)")
    parser.add_argument("--batch-size", type=int, default=4, help="tiles per model call (default 4)")
    parser.add_argument("--class-names", type=name_list, help="comma-separated class names (default: the model's)")
    parser.add_argument("--collection-id", help="id of the run's STAC Collection (default: the output folder's name)")
    parser.set_defaults(func=run, accepts_extra_args=True)


def run(args):
    """Runs ``mfafnet predict-batch``; exit code 1 when a scene failed."""
    from mfafnet_tf.batch.beam_pipeline import run_batch
    from mfafnet_tf.inference.scene_predictions import check_tiling

    check_tiling(args.tile, args.overlap, args.batch_size)
    options = {"tile": args.tile, "overlap": args.overlap, "batch_size": args.batch_size,
               "optical_bands": args.optical_bands, "sar_bands": args.sar_bands, "class_names": args.class_names}
    summary = run_batch(args.catalog, args.model, args.out, runner=args.runner, pipeline_args=args.extra_args,
                        predict_options=options, collection_id=args.collection_id)
    print(f"{summary['scenes']} scenes: {len(summary['predicted'])} predicted, "
          f"{len(summary['skipped'])} skipped (already done), {len(summary['failed'])} failed")
    for failure in summary["failed"]:
        print(f"failed {failure['name']}: {failure['error']}")
    if "mosaic_error" in summary:
        print(f"no mosaic: {summary['mosaic_error']}")
    print(f"wrote {args.out} (summary in failures.json)")
    return 1 if summary["failed"] else 0
