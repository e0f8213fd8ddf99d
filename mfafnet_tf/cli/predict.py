"""``mfafnet predict``: segment a whole optical + SAR scene into a class-map GeoTIFF."""

from mfafnet_tf.cli.arguments import band_list, name_list
from mfafnet_tf.errors import BandCountError, ConfigError, DataError


def register(subparsers):
    """Adds the ``predict`` subcommand."""
    parser = subparsers.add_parser(
        "predict",
        help="predict a whole scene to a georeferenced class-map GeoTIFF",
        description="Predict a co-registered optical + SAR scene (or the one modality a "
        "single-modality model takes) of any size tile by tile "
        "(overlapping tiles blended) into a uint8 GeoTIFF with the input's georeference, "
        "a colour table, class names and nodata 255.",
    )
    parser.add_argument("--model", required=True, help=".keras file or SavedModel directory")
    parser.add_argument("--optical", help="optical GeoTIFF (required when the model takes optical bands)")
    parser.add_argument("--sar", help="SAR GeoTIFF on the same pixel grid (required when the model takes SAR)")
    parser.add_argument("--out", required=True, help="class-map GeoTIFF to write")
    parser.add_argument("--optical-bands", type=band_list, help="1-based optical bands, e.g. 1,2,3,4")
    parser.add_argument("--sar-bands", type=band_list, help="1-based SAR bands, e.g. 1")
    parser.add_argument("--tile", type=int, default=512, help="tile size in pixels (default 512)")
    parser.add_argument("--overlap", type=int, default=64, help="overlap of neighbouring tiles (default 64)")
    parser.add_argument("--batch-size", type=int, default=4, help="tiles per model call (default 4)")
    parser.add_argument("--probabilities", help="also write float32 class probabilities to this GeoTIFF")
    parser.add_argument("--quicklook", help="also write a PNG preview with a legend")
    parser.add_argument("--class-names", type=name_list, help="comma-separated class names (default: the model's)")
    parser.add_argument(
        "--nodata-policy", choices=("any", "all"),
        help="nodata (255) where all inputs are nodata (all: a fusion model predicts from the SAR "
        "under masked clouds; its default) or where any is (any; single-modality models)",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.add_argument("--cog", action="store_true",
                        help="write the class map as a Cloud-Optimized GeoTIFF (overviews, mode resampling)")
    parser.set_defaults(func=run)


def _inputs(args, runner):
    """The ``--optical`` and ``--sar`` paths the model takes (None for the others)."""
    missing = [m for m in runner.channels if getattr(args, m) is None]
    if missing:
        takes = ", ".join(f"{count} {m} band(s)" for m, count in runner.channels.items())
        raise ConfigError(
            f"{' and '.join(f'--{m}' for m in missing)}: required, model {args.model} "
            f"takes {takes}")
    for modality in ("optical", "sar"):
        if modality not in runner.channels and getattr(args, modality) is not None:
            print(f"note: --{modality} not used, model {args.model} takes no {modality} input")
    return [getattr(args, m) if m in runner.channels else None for m in ("optical", "sar")]


def _band_hint(error, runner):
    """How to select the bands the model takes, and those it was trained on."""
    option = f"--{error.modality}-bands"
    hint = (f"the model takes {error.expected} {error.modality} band(s): select them with "
            f"{option} (1-based, e.g. {option} {','.join(map(str, range(1, error.expected + 1)))})")
    trained = (runner.input_bands or {}).get(error.modality)
    if trained:
        hint += f"; it was trained on {error.modality} bands {','.join(map(str, trained))}"
    return hint


def _check_band_counts(args, runner, optical, sar):
    """Opens the scene once to check its band counts, naming the options that fix them."""
    from mfafnet_tf.data import open_scene

    try:
        with open_scene(optical, sar, optical_bands=args.optical_bands, sar_bands=args.sar_bands,
                        expect_optical_bands=runner.optical_channels,
                        expect_sar_bands=runner.sar_channels):
            pass
    except BandCountError as error:
        raise DataError(f"{error}; {_band_hint(error, runner)}") from None


def run(args):
    """Runs ``mfafnet predict``."""
    from mfafnet_tf.batch.cog import predict_cog
    from mfafnet_tf.inference.model_loading import load_model
    from mfafnet_tf.inference.predict_scene import limit_gdal_cache, predict_scene

    limit_gdal_cache()
    runner = load_model(args.model)
    optical, sar = _inputs(args, runner)
    _check_band_counts(args, runner, optical, sar)
    out = (predict_cog if args.cog else predict_scene)(
        runner, optical, sar, args.out,
        optical_bands=args.optical_bands, sar_bands=args.sar_bands,
        tile=args.tile, overlap=args.overlap, batch_size=args.batch_size,
        probabilities=args.probabilities, quicklook=args.quicklook,
        class_names=args.class_names, nodata_policy=args.nodata_policy,
        progress=not args.quiet,
    )
    print(f"wrote {out}")
    for extra in (args.probabilities, args.quicklook):
        if extra:
            print(f"wrote {extra}")
    return 0
