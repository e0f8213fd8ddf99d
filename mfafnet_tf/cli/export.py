"""``mfafnet export``: a SavedModel for TF Serving from a ``.keras`` model."""

from mfafnet_tf.cli.arguments import name_list


def register(subparsers):
    """Adds the ``export`` subcommand."""
    parser = subparsers.add_parser(
        "export",
        help="export a .keras model as a SavedModel for TF Serving",
        description="Export a .keras model as a SavedModel whose serving_default signature "
        "takes raw 'optical' and 'sar' float32 [B,H,W,C] tensors (any H, W) and returns "
        "'class_ids' and 'probabilities'.",
    )
    parser.add_argument("--model", required=True, help=".keras file")
    parser.add_argument("--out", required=True,
                        help="new SavedModel directory; for TF Serving a version directory such as models/mfafnet/1")
    parser.add_argument("--class-names", type=name_list, help="comma-separated class names (default: the model's)")
    parser.set_defaults(func=run)


def run(args):
    """Runs ``mfafnet export``."""
    from mfafnet_tf.export import export_saved_model
    from mfafnet_tf.inference.model_loading import load_keras_model

    model = load_keras_model(args.model)
    out = export_saved_model(model, args.out, class_names=args.class_names)
    print(f"wrote SavedModel {out} (signature serving_default: optical, sar -> class_ids, probabilities)")
    return 0
