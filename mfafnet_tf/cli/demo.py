"""``mfafnet demo``: MFAFNet-tiny against the UNet baselines on synthetic scenes."""

import json
import os
import shutil
import time


def register(subparsers):
    """Adds the ``demo`` subcommand."""
    parser = subparsers.add_parser(
        "demo",
        help="synthesize data, train MFAFNet-tiny and UNet baselines, compare",
        description="Synthesizes OPT-SAR scenes, tiles them, trains MFAFNet-tiny "
        "and the SAR, optical and early-fusion UNet baselines briefly (the early-fusion one "
        "without and with the missing-data dropout), evaluates them on held-out whole scenes, "
        "clear and with 50 %% of the optical clouded, prints the comparison, predicts one scene "
        "to a GeoTIFF and exports a SavedModel. Re-running reuses finished steps.",
    )
    parser.add_argument("--out", default=os.path.join("runs", "demo"), help="output directory")
    parser.add_argument(
        "--recipe",
        help="base recipe (default: recipes/synthetic_demo.yaml here or beside the package)"
    )
    parser.add_argument(
        "--override", action="append", default=[], metavar="KEY=VALUE",
        help="recipe override applied to every run, e.g. train.epochs=2",
    )
    parser.set_defaults(func=run)


def run_timing(config, train_s, evaluate_s):
    """One model's wall times, and its training images/s over the whole ``fit``."""
    train = config.train
    images = train.epochs * train.steps_per_epoch * train.batch_size if train.steps_per_epoch else None
    return {
        "train_s": round(train_s, 1),
        "evaluate_s": round(evaluate_s, 1),
        "train_images_per_s": round(images / train_s, 1) if images and train_s > 0 else None,
    }


def timings_markdown(timings):
    """The per-model wall times as a Markdown table."""
    lines = ["| run | train s | evaluate s | train images/s |", "|---|---:|---:|---:|"]
    for name, t in timings.items():
        rate = "-" if t["train_images_per_s"] is None else f"{t['train_images_per_s']:.1f}"
        lines.append(f"| {name} | {t['train_s']:.1f} | {t['evaluate_s']:.1f} | {rate} |")
    return "\n".join(lines)


def run(args):
    """Runs the whole demo and prints where each output went."""
    import keras

    from mfafnet_tf.config.demo_runs import demo_configs, demo_recipe
    from mfafnet_tf.data.atomic import write_text
    from mfafnet_tf.evaluation.comparison import (
        CLOUDED,
        comparison_markdown,
        comparison_row,
        write_comparison,
    )
    from mfafnet_tf.evaluation.html_report import load_runs, write_html_report
    from mfafnet_tf.evaluation.robustness import robustness_table
    from mfafnet_tf.evaluation.scene_evaluation import evaluate_run_dir
    from mfafnet_tf.export import export_saved_model
    from mfafnet_tf.inference.model_loading import load_keras_model
    from mfafnet_tf.inference.predict_scene import predict_scene
    from mfafnet_tf.training import train
    from mfafnet_tf.training.data_setup import open_dataset

    start = time.monotonic()
    out = args.out
    configs = demo_configs(demo_recipe(args.recipe), out, args.override)
    table, timings, outputs = {}, {}, []
    for name, config in configs.items():
        run_dir = os.path.join(out, name)
        print(f"\n=== {name}: training ({time.monotonic() - start:.0f} s elapsed) ===", flush=True)
        keras.backend.clear_session()
        began = time.monotonic()
        train(config, run_dir)
        trained = time.monotonic()
        scores, _ = evaluate_run_dir(run_dir, progress=False)
        table[name] = comparison_row(scores)
        clouded = robustness_table([run_dir], modalities=("optical",), shares=(0.5,),
                                   progress=False, names=[name])
        table[name][CLOUDED] = next(row["mIoU"] for row in clouded if row["share"] == 0.5)
        timings[name] = run_timing(config, trained - began, time.monotonic() - trained)
        print(f"{name}: aAcc {100 * scores['aAcc']:.2f}  mIoU {100 * scores['mIoU']:.2f}  "
              f"mIoU with 50 % of the optical clouded {100 * table[name][CLOUDED]:.2f}", flush=True)
        outputs.append((f"{name} run (best.keras, metrics.json, report.html, panels/)", run_dir))

    comparison_json = os.path.join(out, "comparison.json")
    comparison_md = os.path.join(out, "comparison.md")
    write_comparison(table, markdown_path=comparison_md, json_path=comparison_json)
    comparison_html = write_html_report(
        os.path.join(out, "comparison.html"),
        load_runs([os.path.join(out, name) for name in configs]),
        f"Comparison of {len(configs)} runs")
    print("\nWhole held-out scenes, background ignored (%); the early-fusion UNet twice, "
          "without the missing-data dropout (its best on clear data) and with it:\n")
    print(comparison_markdown(table))
    timings_json = os.path.join(out, "timings.json")
    write_text(timings_json, json.dumps(timings, indent=2) + "\n")
    print("\nWall time per model (training includes building, tracing and validation):\n")
    print(timings_markdown(timings))

    fusion = configs["mfafnet_tiny"]
    model_path = os.path.join(out, "mfafnet_tiny", "best.keras")
    record = open_dataset(fusion).scenes("test")[0]
    prediction = os.path.join(out, "prediction", f"{record.name}.tif")
    quicklook = os.path.join(out, "prediction", f"{record.name}.png")
    predict_scene(model_path, record.optical, record.sar, prediction, quicklook=quicklook,
                  progress=False)
    saved_model = os.path.join(out, "saved_model", "1")
    if os.path.isdir(saved_model):
        shutil.rmtree(saved_model)
    os.makedirs(os.path.dirname(saved_model), exist_ok=True)
    export_saved_model(load_keras_model(model_path), saved_model)

    outputs += [
        ("synthetic scenes, tiles, statistics", fusion.data.root),
        ("comparison table (JSON)", comparison_json),
        ("comparison table (Markdown)", comparison_md),
        ("comparison report: metrics, curves, scene panels (HTML, open in a browser)",
         comparison_html),
        ("wall time per model (JSON)", timings_json),
        (f"class map of test scene {record.name} (GeoTIFF)", prediction),
        ("its quicklook (PNG)", quicklook),
        ("SavedModel of MFAFNet-tiny for TF Serving", saved_model),
    ]
    print("Outputs:")
    for what, path in outputs:
        print(f"  {what}: {path}")
    print(f"demo finished in {time.monotonic() - start:.0f} s")
    return 0
