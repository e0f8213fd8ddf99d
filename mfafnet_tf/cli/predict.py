"""``mfafnet predict``: segment a whole optical + SAR scene into a class-map GeoTIFF."""

from mfafnet_tf.cli.arguments import add_predict_settings_arguments, predict_settings
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
    parser.add_argument("--sar", help="SAR GeoTIFF on the same pixel grid, or on any grid with --align "
                        "(required when the model takes SAR)")
    parser.add_argument("--out", required=True, help="class-map GeoTIFF to write")
    add_predict_settings_arguments(parser)
    parser.add_argument("--probabilities", help="also write float32 class probabilities to this GeoTIFF")
    parser.add_argument("--quicklook", help="also write a PNG panel: optical RGB, SAR and class map side by side, "
                        "with a legend")
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
    if args.align and set(runner.channels) != {"optical", "sar"}:
        raise ConfigError(
            f"--align: expected a model that takes optical and SAR (the SAR is warped onto the "
            f"optical's grid), model {args.model} takes {' '.join(runner.channels)} only")
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


def _check_scene(settings, runner, optical, sar):
    """Opens the scene once to check its band counts, naming the options that fix them,
    and prints what ``--align`` changed."""
    from mfafnet_tf.data import open_scene

    try:
        with open_scene(optical, sar, **settings.scene_options,
                        expect_optical_bands=runner.optical_channels,
                        expect_sar_bands=runner.sar_channels) as scene:
            for report in scene.alignments:
                print(report)
    except BandCountError as error:
        raise DataError(f"{error}; {_band_hint(error, runner)}") from None


def run(args):
    """Runs ``mfafnet predict``."""
    from mfafnet_tf.inference.cog import predict_cog
    from mfafnet_tf.inference.model_loading import load_model
    from mfafnet_tf.inference.predict_scene import limit_gdal_cache, predict_scene

    settings = predict_settings(args)
    limit_gdal_cache()
    runner = load_model(args.model)
    optical, sar = _inputs(args, runner)
    _check_scene(settings, runner, optical, sar)
    out = (predict_cog if args.cog else predict_scene)(
        runner, optical, sar, args.out, settings,
        probabilities=args.probabilities, quicklook=args.quicklook, progress=not args.quiet,
    )
    print(f"wrote {out}")
    for extra in (args.probabilities, args.quicklook):
        if extra:
            print(f"wrote {extra}")
    return 0
