"""Batch prediction throughput: serial loop vs Beam DirectRunner with 1 and 2 workers.

The same synthetic catalog (default 4 scenes of 3704x5556, the WHU-OPT-SAR size)
is predicted three times in one run, each time into a fresh output folder and in
its own Python process (so every variant pays its own imports and model
loading, as a real job does):

* serial: a plain loop over the catalog in one process, the model loaded once:
  ``predict_cog`` + STAC Item per scene, then the run's Collection, mosaic and summary
  (``RunOutputs.finish``) -- the same work without Beam.
* beam-1: ``run_batch`` on the DirectRunner, one worker (in-memory).
* beam-2: ``run_batch`` on the DirectRunner, two worker processes
  (``--direct_num_workers=2 --direct_running_mode=multi_processing``).

Model: by default a 1x1 convolution (cheap: the figures are then the pipeline's
GDAL/COG/STAC/Beam costs); ``--preset tiny`` uses MFAFNet-tiny with random
weights (speed does not depend on them), whose per-scene time is the model's.

Usage:
  python bench/predict_batch.py [--scenes 4] [--size 3704x5556] [--preset tiny]
      [--variants serial beam-1 beam-2] [--rounds 1] [--tile 512 --overlap 64 --batch-size 4]

With ``--rounds N`` the variants run N times, interleaved, and a last table
gives each variant's best round (the least disturbed by other jobs on a shared
machine).
"""

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

HEADER = "variant  seconds  s/scene  scenes/hour  vs serial  load avg (1 min, at end)"
VARIANTS = {
    "serial": None,
    "beam-1": ["--direct_num_workers=1"],
    "beam-2": ["--direct_num_workers=2", "--direct_running_mode=multi_processing"],
}


def _size(text):
    height, _, width = text.lower().partition("x")
    return int(height), int(width or height)


def prepare(args):
    """Synthesizes the scenes, writes the manifest and saves the model; returns their paths."""
    import keras
    import numpy as np

    from mfafnet_tf.data.synthetic import synthesize

    synthesize(args.workdir, scenes=args.scenes, size=args.size, seed=0, progress=False)
    names = sorted(os.path.splitext(name)[0] for name in os.listdir(os.path.join(args.workdir, "optical")))
    manifest = os.path.join(args.workdir, "catalog.csv")
    with open(manifest, "w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow(["optical", "sar", "name"])
        writer.writerows([f"optical/{name}.tif", f"sar/{name}.tif", name] for name in names)
    if args.preset:
        from mfafnet_tf.models.mfafnet.mfafnet import MFAFNet

        model = MFAFNet(num_classes=7, preset=args.preset)
    else:
        optical = keras.Input((None, None, 4), name="optical")
        sar = keras.Input((None, None, 1), name="sar")
        layer = keras.layers.Conv2D(7, 1)
        model = keras.Model({"optical": optical, "sar": sar}, layer(keras.layers.Concatenate()([optical, sar])))
        layer.set_weights([np.random.default_rng(0).normal(size=(1, 1, 5, 7)).astype("float32") / 100,
                           np.zeros(7, "float32")])
    model_path = os.path.join(args.workdir, "model.keras")
    model.save(model_path)
    return manifest, model_path


def serial(manifest, model_path, out, settings):
    """The loop without Beam: same outputs as ``run_batch``."""
    from mfafnet_tf.batch.catalog import read_catalog
    from mfafnet_tf.batch.run_outputs import RunOutputs
    from mfafnet_tf.batch.stac_items import scene_item
    from mfafnet_tf.inference.cog import predict_cog
    from mfafnet_tf.inference.model_loading import load_model
    from mfafnet_tf.inference.predict_scene import limit_gdal_cache

    limit_gdal_cache()
    runner, outputs, jobs = load_model(model_path), RunOutputs(out), read_catalog(manifest)
    for job in jobs:
        predict_cog(runner, job.optical, job.sar, outputs.class_map(job), settings, progress=False)
        outputs.write_item(scene_item(job, outputs.class_map(job), model_path, collection_id="bench"))
    results = [{"name": job.name, "status": "predicted"} for job in jobs]
    return outputs.finish(jobs, results, collection_id="bench", description="bench")


def child(args):
    """Child process: one variant, timed from its start (imports included)."""
    start = time.perf_counter()
    from mfafnet_tf.inference.predict_settings import PredictSettings

    settings = PredictSettings(tile=args.tile, overlap=args.overlap, batch_size=args.batch_size)
    if args.variant == "serial":
        summary = serial(args.manifest, args.model, args.out, settings)
    else:
        from mfafnet_tf.batch.beam_pipeline import run_batch

        summary = run_batch(args.manifest, args.model, args.out, pipeline_args=VARIANTS[args.variant],
                            settings=settings, collection_id="bench")
    if summary["failed"] or len(summary["predicted"]) != summary["scenes"]:
        raise SystemExit(f"{args.variant}: not every scene was predicted: {summary}")
    return {"variant": args.variant, "seconds": time.perf_counter() - start, "scenes": summary["scenes"]}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenes", type=int, default=4)
    parser.add_argument("--size", type=_size, default=(3704, 5556), help="scene HxW")
    parser.add_argument("--preset", help="MFAFNet preset instead of the 1x1 convolution")
    parser.add_argument("--variants", nargs="+", choices=sorted(VARIANTS), default=list(VARIANTS))
    parser.add_argument("--rounds", type=int, default=1, help="runs of every variant, interleaved")
    parser.add_argument("--tile", type=int, default=512)
    parser.add_argument("--overlap", type=int, default=64)
    parser.add_argument("--batch-size", type=int, default=4)
    parser.add_argument("--workdir", help=argparse.SUPPRESS)
    parser.add_argument("--variant", help=argparse.SUPPRESS)
    parser.add_argument("--manifest", help=argparse.SUPPRESS)
    parser.add_argument("--model", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.variant:
        print(json.dumps(child(args)))
        return
    size = "x".join(str(v) for v in args.size)
    model = f"MFAFNet-{args.preset}" if args.preset else "1x1 convolution"
    with tempfile.TemporaryDirectory(prefix="bench_batch_") as workdir:
        args.workdir = workdir
        start = time.perf_counter()
        manifest, model_path = prepare(args)
        print(f"{args.scenes} synthetic scenes {size}, {model}, tile {args.tile}, overlap {args.overlap}, "
              f"batch {args.batch_size}, {os.cpu_count()} CPU(s), load average {os.getloadavg()[0]:.1f} "
              f"(set-up {time.perf_counter() - start:.0f} s)")
        best = {}
        for round_index in range(args.rounds):
            print(f"\nround {round_index + 1} of {args.rounds}:")
            best = _round(args, manifest, model_path, workdir, round_index, best)
        if args.rounds > 1:
            print(f"\nbest round of each variant:\n{HEADER}")
            for row in best.values():
                _print_row(row, list(best.values()))


def _round(args, manifest, model_path, workdir, round_index, best):
    print(HEADER)
    rows = []
    for variant in args.variants:
        command = [sys.executable, os.path.abspath(__file__), "--variant", variant, "--manifest", manifest,
                   "--model", model_path, "--out", os.path.join(workdir, f"out_{variant}_{round_index}"),
                   "--tile", str(args.tile), "--overlap", str(args.overlap), "--batch-size", str(args.batch_size)]
        result = subprocess.run(command, check=True, capture_output=True, text=True)
        rows.append(dict(json.loads(result.stdout.strip().splitlines()[-1]), load=os.getloadavg()[0]))
        _print_row(rows[-1], rows)  # as soon as it is measured: a long run shows its figures as it goes
        if variant not in best or rows[-1]["seconds"] < best[variant]["seconds"]:
            best[variant] = rows[-1]
    return best


def _print_row(row, rows):
    rate = 3600.0 * row["scenes"] / row["seconds"]
    serial = [r for r in rows if r["variant"] == "serial"]
    relative = f"{rate * serial[0]['seconds'] / serial[0]['scenes'] / 3600.0:8.2f}x" if serial else "        -"
    print(f"{row['variant']:<8} {row['seconds']:7.1f} {row['seconds'] / row['scenes']:8.1f} {rate:12.1f} "
          f"{relative}  {row['load']:.1f}", flush=True)


if __name__ == "__main__":
    main()
