"""Argument types shared by the ``mfafnet`` subcommands."""

import argparse


def band_list(text):
    """Parses a 1-based band list such as ``4,3,2,8`` into a tuple of ints."""
    try:
        return tuple(int(value) for value in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected 1-based band numbers such as 1,2,3, found {text!r}"
        ) from None


def name_list(text):
    """Parses comma-separated names such as ``water, forest`` (spaces trimmed)."""
    return [name.strip() for name in text.split(",")]


def add_predict_settings_arguments(parser):
    """Adds the options of a ``PredictSettings`` (bands, nodata, alignment, tiling, class names, nodata policy)."""
    from mfafnet_tf.inference.predict_settings import (
        DEFAULT_BATCH_SIZE,
        DEFAULT_TILE,
        NODATA_POLICIES,
        OVERLAP_SHARE,
        PATCHES_PER_TILE,
    )

    parser.add_argument("--optical-bands", type=band_list, help="1-based optical bands, e.g. 1,2,3,4")
    parser.add_argument("--sar-bands", type=band_list, help="1-based SAR bands, e.g. 1")
    parser.add_argument("--optical-nodata", type=float,
                        help="nodata value of the optical bands, overriding the files' (e.g. when they declare none)")
    parser.add_argument("--sar-nodata", type=float,
                        help="nodata value of the SAR bands, overriding the files' (e.g. when they declare none)")
    parser.add_argument("--align", action="store_true",
                        help="warp a SAR that is not on the optical's pixel grid onto it on the fly "
                        "(lazy in-memory VRT, no copy; the map keeps the optical's georeference)")
    parser.add_argument("--tile", type=int,
                        help=f"tile size in pixels (default, as mfafnet evaluate: {PATCHES_PER_TILE}x the "
                        f"model's training patch, {DEFAULT_TILE} for models that do not record it)")
    parser.add_argument("--overlap", type=int,
                        help=f"overlap of neighbouring tiles (default: 1/{OVERLAP_SHARE} of the tile)")
    parser.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_SIZE,
                        help=f"tiles per model call (default {DEFAULT_BATCH_SIZE})")
    parser.add_argument("--class-names", type=name_list, help="comma-separated class names (default: the model's)")
    parser.add_argument(
        "--nodata-policy", choices=NODATA_POLICIES,
        help="nodata (255) where all inputs are nodata (all: a fusion model predicts from the SAR "
        "under masked clouds; its default) or where any is (any; single-modality models)",
    )


def predict_settings(args):
    """The ``PredictSettings`` of the options that :func:`add_predict_settings_arguments` added."""
    from mfafnet_tf.inference.predict_settings import PredictSettings

    return PredictSettings(
        optical_bands=args.optical_bands, sar_bands=args.sar_bands, optical_nodata=args.optical_nodata,
        sar_nodata=args.sar_nodata, align=args.align, tile=args.tile, overlap=args.overlap,
        batch_size=args.batch_size, class_names=args.class_names, nodata_policy=args.nodata_policy)
