"""``mfafnet predict``: segment a whole optical + SAR scene into a class-map GeoTIFF."""

from mfafnet_tf.cli.arguments import band_list, name_list


def register(subparsers):
    """Adds the ``predict`` subcommand."""
    parser = subparsers.add_parser(
        "predict",
        help="predict a whole scene to a georeferenced class-map GeoTIFF",
        description="Predict a co-registered optical + SAR scene of any size tile by tile "
        "(overlapping tiles blended) into a uint8 GeoTIFF with the input's georeference, "
        "a colour table, class names and nodata 255.",
    )
    parser.add_argument("--model", required=True, help=".keras file or SavedModel directory")
    parser.add_argument("--optical", required=True, help="optical GeoTIFF")
    parser.add_argument("--sar", required=True, help="SAR GeoTIFF on the same pixel grid")
    parser.add_argument("--out", required=True, help="class-map GeoTIFF to write")
    parser.add_argument("--optical-bands", type=band_list, help="1-based optical bands, e.g. 1,2,3,4")
    parser.add_argument("--sar-bands", type=band_list, help="1-based SAR bands, e.g. 1")
    parser.add_argument("--tile", type=int, default=512, help="tile size in pixels (default 512)")
    parser.add_argument("--overlap", type=int, default=64, help="overlap of neighbouring tiles (default 64)")
    parser.add_argument("--batch-size", type=int, default=4, help="tiles per model call (default 4)")
    parser.add_argument("--probabilities", help="also write float32 class probabilities to this GeoTIFF")
    parser.add_argument("--quicklook", help="also write a PNG preview with a legend")
    parser.add_argument("--class-names", type=name_list, help="comma-separated class names (default: the model's)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.add_argument("--cog", action="store_true",
                        help="write the class map as a Cloud-Optimized GeoTIFF (overviews, mode resampling)")
    parser.set_defaults(func=run)


def run(args):
    """Runs ``mfafnet predict``."""
    from mfafnet_tf.batch.cog import predict_cog
    from mfafnet_tf.inference.predict_scene import limit_gdal_cache, predict_scene

    limit_gdal_cache()
    out = (predict_cog if args.cog else predict_scene)(
        args.model, args.optical, args.sar, args.out,
        optical_bands=args.optical_bands, sar_bands=args.sar_bands,
        tile=args.tile, overlap=args.overlap, batch_size=args.batch_size,
        probabilities=args.probabilities, quicklook=args.quicklook,
        class_names=args.class_names,
        progress=not args.quiet,
    )
    print(f"wrote {out}")
    for extra in (args.probabilities, args.quicklook):
        if extra:
            print(f"wrote {extra}")
    return 0
