"""``mfafnet data``: synthesize, check, tile and compute statistics of datasets."""

import json
import sys

from mfafnet_tf.cli.arguments import band_list, name_list
from mfafnet_tf.cli.train import add_recipe_arguments, config_from_args
from mfafnet_tf.errors import ConfigError


def _size(text):
    height, sep, width = text.lower().partition("x")
    try:
        return (int(height), int(width)) if sep else (int(text), int(text))
    except ValueError:
        raise ConfigError(f"--size: expected HxW such as 256x256, found {text!r}") from None


# Dataset options of the command line -> the recipe key that sets them.
RECIPE_KEYS = {
    "dataset": "data.dataset", "root": "data.root",
    **{name: f"data.options.{name}" for name in (
        "manifest", "class_names", "label_map", "optical_bands", "sar_bands",
        "optical_nodata", "sar_nodata", "val_fraction", "align")},
}


def _add_dataset_arguments(parser, required=True):
    parser.add_argument("--dataset", required=required,
                        help="whu_opt_sar, yeseg_opt_sar or manifest")
    parser.add_argument("--root", required=required, help="dataset root directory")
    parser.add_argument("--manifest", help="manifest CSV (dataset 'manifest')")
    parser.add_argument("--class-names", type=name_list, help="comma-separated class names")
    parser.add_argument(
        "--label-map", help="raw code to class id; write it with '=' when it starts "
        "with a minus sign: --label-map=-1:ignore,1:0,2:1")
    parser.add_argument("--optical-bands", type=band_list, help="1-based, e.g. 4,3,2,8")
    parser.add_argument("--sar-bands", type=band_list, help="1-based, e.g. 1,2")
    parser.add_argument("--optical-nodata", type=float, help="overrides declared nodata")
    parser.add_argument("--sar-nodata", type=float, help="overrides declared nodata")
    parser.add_argument("--val-fraction", type=float,
                        help="share of training scenes carved into a spatial validation block")
    parser.add_argument("--align", choices=("sar_to_optical",),
                        help="read SAR and labels on another grid through a lazy warp onto "
                        "the optical grid (see `mfafnet data align`)")


def _dataset(args, **extra):
    from mfafnet_tf.data.datasets import get_dataset

    options = dict(
        manifest=args.manifest, label_map=args.label_map,
        class_names=args.class_names,
        optical_bands=args.optical_bands, sar_bands=args.sar_bands,
        optical_nodata=args.optical_nodata, sar_nodata=args.sar_nodata,
        val_fraction=args.val_fraction, align=args.align, **extra)
    return get_dataset(args.dataset, args.root, **options)


def _synth(args):
    from mfafnet_tf.data.synthetic import synthesize

    split_file = synthesize(args.out, scenes=args.scenes, size=args.size, seed=args.seed,
                            profile=args.profile, looks=args.looks,
                            cloud_nodata=args.cloud_nodata)
    print(f"wrote {args.scenes} scenes to {args.out}; split file {split_file}")
    return 0


def _validity(report):
    from mfafnet_tf.data.check import format_shares

    labels = ("no labels" if report.label_valid_fraction is None
              else f"labels {100 * report.label_valid_fraction:.1f}% valid")
    shares = report.modality_valid_fractions
    each = f" ({format_shares(shares)})" if len(shares) > 1 else ""
    return (f"{report.width}x{report.height}, inputs "
            f"{100 * report.input_valid_fraction:.1f}% valid{each}, {labels}")


def _recipe_dataset(args):
    """The dataset of ``--recipe`` (with ``--override``), else of the dataset options."""
    if not args.recipe:
        if args.override or args.override_file:
            raise ConfigError("--override/--override-file: only used with --recipe")
        if not (args.dataset and args.root):
            raise ConfigError("give --recipe, or --dataset with --root")
        return _dataset(args)
    given = [name for name in RECIPE_KEYS if getattr(args, name) is not None]
    if given:
        name = given[0]
        raise ConfigError(
            f"--{name.replace('_', '-')}: not used with --recipe (the dataset options "
            f"come from the recipe); set it with --override {RECIPE_KEYS[name]}=VALUE")
    from mfafnet_tf.training.data_setup import open_dataset

    return open_dataset(config_from_args(args))


def _check(args):
    from mfafnet_tf.data.check import check_dataset

    dataset = _recipe_dataset(args)
    reports, problems = check_dataset(dataset)
    failed = [r for r in reports if r.problem]
    warned = [r for r in reports if r.warnings and not r.problem]
    flag = "FAIL" if args.strict else "WARN"
    for report in reports:
        if report.problem:
            print(f"FAIL  {report.name}: {report.problem}")
        elif report.warnings:
            print(f"{flag}  {report.name}: {_validity(report)}; "
                  + "; ".join(report.warnings))
        else:
            print(f"ok    {report.name}: {_validity(report)}")
    for problem in problems:
        print(f"FAIL  {problem}")
    print(f"{len(reports)} scene(s) checked, {len(failed)} with problems, "
          f"{len(warned)} with warnings{' (fatal: --strict)' if args.strict else ''}, "
          f"{len(problems)} dataset problem(s)")
    return 1 if failed or problems or (args.strict and warned) else 0


def _tile(args):
    from mfafnet_tf.data.tiling import tile_dataset

    dataset = _dataset(args, split_file=args.split_file)
    index = tile_dataset(dataset, args.out, args.patch, args.stride or args.patch,
                         min_valid=args.min_valid, shard_size=args.shard_size,
                         keep_unlabelled=args.keep_unlabelled)
    for split, entry in sorted(index["splits"].items()):
        print(f"{split}: {entry['patches']} patches from {len(entry['scenes'])} "
              f"scene(s) in {len(entry['shards'])} shard(s), {entry['dropped']} dropped")
        for name, counts in entry["scene_patches"].items():
            print(f"  {name}: {counts['kept']} kept, {counts['dropped_nodata']} dropped "
                  f"(valid share < {args.min_valid}), {counts['dropped_unlabelled']} "
                  f"dropped (labels all ignore)")
        for name in entry["empty_scenes"]:
            print(f"WARNING: scene {name} ({split}) lost all its patches")
    return 0


def _stats(args):
    from mfafnet_tf.data.stats import compute_stats, write_stats

    dataset = _dataset(args, split_file=args.split_file)
    stats = compute_stats(dataset, split=args.split, sar_transform=args.sar_transform,
                          optical_transform=args.optical_transform)
    write_stats(args.out, stats)
    json.dump(stats, sys.stdout, indent=1)
    print()
    return 0


def _align(args):
    from mfafnet_tf.data.align import align_raster

    report = align_raster(args.reference, args.input, args.out, role=args.role,
                          resampling=args.resampling)
    print(report)
    return 0


def register(subparsers):
    """Adds ``data`` and its subcommands."""
    parser = subparsers.add_parser("data", help="prepare datasets")
    verbs = parser.add_subparsers(dest="data_command", metavar="ACTION", required=True)

    synth = verbs.add_parser("synth", help="write synthetic OPT-SAR scenes (WHU layout)")
    synth.add_argument("--out", required=True,
                       help="dataset root to create (optical/, sar/, lbl/, split file)")
    synth.add_argument("--scenes", type=int, default=8, help="number of scenes (default 8)")
    synth.add_argument("--size", type=_size, default=(512, 512),
                       help="scene height x width in pixels, e.g. 512x512 (default)")
    synth.add_argument("--seed", type=int, default=0,
                       help="same seed, same files (default 0)")
    synth.add_argument("--profile", choices=("default", "realistic"), default="default",
                       help="default: fast demo scenes; realistic: classes told apart by "
                       "texture and context, coarse and shifted SAR, heavy clouds, "
                       "seasonal shifts (datasets/synthetic/README.md)")
    synth.add_argument("--looks", type=int,
                       help="SAR speckle looks (default: the profile's, 3 or 2)")
    synth.add_argument("--cloud-nodata", action="store_true",
                       help="optical nodata (0) under clouds, as a cloud-masked L2A product")
    synth.set_defaults(func=_synth)

    check = verbs.add_parser(
        "check", help="validate every scene and file of a dataset",
        description="Checks the dataset of --recipe (its data section, with "
        "--override on top), or the one the dataset options describe.")
    add_recipe_arguments(check, required=False)
    _add_dataset_arguments(check, required=False)
    check.add_argument("--strict", action="store_true",
                       help="warnings (inputs 0%% valid, labels all ignore) fail the check")
    check.set_defaults(func=_check)

    tile = verbs.add_parser("tile", help="cut scenes into sharded TFRecord patches")
    _add_dataset_arguments(tile)
    tile.add_argument("--out", required=True, help="directory for the shards and index.json")
    tile.add_argument("--patch", type=int, default=256, help="patch size in pixels (default 256)")
    tile.add_argument("--stride", type=int, help="default: the patch size")
    tile.add_argument("--split-file", help="'name split' lines")
    tile.add_argument("--min-valid", type=float, default=0.5,
                      help="drop patches with a smaller share of valid pixels")
    tile.add_argument("--shard-size", type=int, default=256, help="patches per shard")
    tile.add_argument("--keep-unlabelled", action="store_true",
                      help="keep patches whose labels are all ignore (dropped by default)")
    tile.set_defaults(func=_tile)

    stats = verbs.add_parser("stats", help="per-band mean/std over valid pixels")
    _add_dataset_arguments(stats)
    stats.add_argument("--split", default="train", help="split to use ('all': every scene)")
    stats.add_argument("--split-file", help="'name split' lines")
    stats.add_argument("--sar-transform", choices=("none", "log", "db"), default="none")
    stats.add_argument("--optical-transform", choices=("none", "log", "db"), default="none")
    stats.add_argument("--out", required=True, help="statistics JSON to write")
    stats.set_defaults(func=_stats)

    align = verbs.add_parser(
        "align", help="warp a raster onto another's grid (lazy VRT by default)",
        description="Warps --input onto the CRS, geotransform and size of --reference "
        "(GDAL Warp), nodata carried through, and prints what changed (CRS, pixel "
        "size, shift). A .vrt output copies no pixels: GDAL resamples what is read.")
    align.add_argument("--reference", required=True,
                       help="raster whose grid to take (the optical scene)")
    align.add_argument("--input", required=True, help="raster to align (the SAR, or labels)")
    align.add_argument("--out", required=True,
                       help="output .vrt (lazy, refers to --input) or .tif (a copy)")
    align.add_argument("--role", choices=("sar", "optical", "label"), default="sar",
                       help="what --input holds; sets the default resampling (default sar)")
    align.add_argument(
        "--resampling", help="GDAL resampling (nearest, bilinear, cubic, average, mode, "
        "...); default: nearest for labels, for optical and SAR average when the input "
        "pixels are finer than the grid, else bilinear")
    align.set_defaults(func=_align)
