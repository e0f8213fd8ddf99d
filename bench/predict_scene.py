"""Whole-scene prediction: end-to-end time against model time, and peak memory.

Two measurements, each in its own Python process so that peak memory is per run:

* speed: ``predict_scene`` on a synthetic OPT-SAR scene (default 3704x5556, the
  WHU-OPT-SAR scene size) with MFAFNet presets (random weights: speed does not
  depend on them). The model's own seconds are timed around every model call of
  the same run, on the same tiles, so "overhead" is everything else: GDAL reads,
  batching, blending, argmax and GeoTIFF writing.
* memory: peak resident memory of ``predict_scene`` on constant-content scenes of
  growing size with a 1x1-convolution model (cheap, so a 20000x20000 scene takes
  minutes on a CPU; the model's activations are per tile and do not grow with the
  scene either way), compared with the same process right before prediction; with
  GDAL's default block cache (a share of the machine's RAM, filled by any large
  read) and with ``GDAL_CACHEMAX`` set low, which leaves the pipeline's own memory.

Usage:
  python bench/predict_scene.py [--size 3704x5556] [--presets tiny small]
      [--memory-sizes 2000 20000] [--tile 512 --overlap 64 --batch-size 4]
      [--skip-speed] [--skip-memory]
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def _size(text):
    height, _, width = text.lower().partition("x")
    return int(height), int(width or height)


def _peak_rss_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _current_rss_mib():
    with open("/proc/self/statm") as stream:
        return int(stream.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _timed(runner):
    """A ModelRunner that adds the seconds spent in ``runner`` to ``timed.seconds``."""
    from mfafnet_tf.inference import ModelRunner

    def predict(optical, sar):
        start = time.perf_counter()
        probabilities = runner(optical, sar)
        timed.seconds += time.perf_counter() - start
        return probabilities

    timed = ModelRunner(predict, runner.optical_channels, runner.sar_channels, runner.num_classes, None)
    timed.seconds = 0.0
    return timed


def speed(args):
    """Child: end-to-end vs model seconds for one preset on a synthetic scene."""
    import numpy as np

    from mfafnet_tf.data.synthetic import synthesize
    from mfafnet_tf.inference import ModelRunner
    from mfafnet_tf.inference.predict_scene import predict_scene
    from mfafnet_tf.models.mfafnet.mfafnet import MFAFNet

    height, width = args.size
    synthesize(args.workdir, scenes=1, size=args.size, seed=0, progress=False)
    optical, sar = (os.path.join(args.workdir, folder, "SYN0000_000.tif")
                    for folder in ("optical", "sar"))
    runner = ModelRunner.wrap(MFAFNet(num_classes=7, preset=args.preset))
    tile_height, tile_width = min(args.tile, height), min(args.tile, width)
    runner(np.zeros((args.batch_size, tile_height, tile_width, 4), np.float32),
           np.zeros((args.batch_size, tile_height, tile_width, 1), np.float32))  # trace once
    timed = _timed(runner)
    start = time.perf_counter()
    predict_scene(timed, optical, sar, os.path.join(args.workdir, "map.tif"), tile=args.tile,
                  overlap=args.overlap, batch_size=args.batch_size, progress=False)
    total = time.perf_counter() - start
    return {"preset": args.preset, "size": f"{height}x{width}", "end_to_end_s": total,
            "model_s": timed.seconds, "overhead": total / timed.seconds - 1.0,
            "megapixels_per_s": height * width / 1e6 / total, "peak_rss_mib": _peak_rss_mib()}


def _write_constant_scene(path, side, bands):
    """A tiled, uncompressed uint8 GeoTIFF of ``side`` x ``side``, written in strips."""
    import numpy as np
    from osgeo import gdal, osr

    gdal.UseExceptions()
    dataset = gdal.GetDriverByName("GTiff").Create(
        path, side, side, bands, gdal.GDT_Byte, options=["TILED=YES", "BIGTIFF=YES"])
    dataset.SetGeoTransform((300000.0, 5.0, 0.0, 3600000.0, 0.0, -5.0))
    reference = osr.SpatialReference()
    reference.ImportFromEPSG(32650)
    dataset.SetProjection(reference.ExportToWkt())
    strip = 1024
    for y in range(0, side, strip):
        rows = min(strip, side - y)
        values = np.broadcast_to((np.arange(side, dtype=np.uint8) // 8)[None, :], (rows, side))
        for band in range(bands):
            dataset.GetRasterBand(band + 1).WriteArray(np.ascontiguousarray(values), 0, y)
    dataset = None


def _cheap_model():
    import keras
    import numpy as np

    optical = keras.Input((None, None, 4), name="optical")
    sar = keras.Input((None, None, 1), name="sar")
    logits = keras.layers.Conv2D(7, 1)(keras.layers.Concatenate()([optical, sar]))
    model = keras.Model({"optical": optical, "sar": sar}, logits)
    model.set_weights([np.random.default_rng(0).normal(size=(1, 1, 5, 7)).astype("float32") / 100,
                       np.zeros(7, "float32")])
    return model


def write_scene(args):
    """Child: writes the ``side`` x ``side`` optical and SAR files of a memory run."""
    _write_constant_scene(os.path.join(args.workdir, "optical.tif"), args.side, 4)
    _write_constant_scene(os.path.join(args.workdir, "sar.tif"), args.side, 1)
    return {}


def memory(args):
    """Child: peak RSS of predict_scene on a ``side`` x ``side`` scene, cheap model."""
    from mfafnet_tf.inference import ModelRunner
    from mfafnet_tf.inference.predict_scene import predict_scene

    side = args.side
    optical, sar = os.path.join(args.workdir, "optical.tif"), os.path.join(args.workdir, "sar.tif")
    runner = ModelRunner.wrap(_cheap_model())
    baseline = _current_rss_mib()
    start = time.perf_counter()
    predict_scene(runner, optical, sar, os.path.join(args.workdir, "map.tif"), tile=args.tile,
                  overlap=args.overlap, batch_size=args.batch_size, progress=False)
    return {"size": f"{side}x{side}", "seconds": time.perf_counter() - start,
            "rss_before_mib": baseline, "peak_rss_mib": _peak_rss_mib()}


def _child(extra, args, workdir, env=None):
    command = [sys.executable, os.path.abspath(__file__), "--workdir", workdir, "--tile", str(args.tile),
               "--overlap", str(args.overlap), "--batch-size", str(args.batch_size)] + extra
    result = subprocess.run(command, check=True, capture_output=True, text=True, env=env)
    return json.loads(result.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=_size, default=(3704, 5556), help="speed scene HxW")
    parser.add_argument("--presets", nargs="+", default=["tiny", "small"])
    parser.add_argument("--memory-sizes", type=int, nargs="+", default=[2000, 20000])
    parser.add_argument("--tile", type=int, default=512)
    parser.add_argument("--overlap", type=int, default=64)
    parser.add_argument("--batch-size", type=int, default=4)
    parser.add_argument("--skip-speed", action="store_true")
    parser.add_argument("--skip-memory", action="store_true")
    parser.add_argument("--workdir", help=argparse.SUPPRESS)
    parser.add_argument("--preset", help=argparse.SUPPRESS)
    parser.add_argument("--side", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--write", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--gdal-cache-mb", type=int, nargs="+", default=[None, 256],
                        help="GDAL block caches of the memory runs (default: GDAL's own, and the "
                             "256 that `mfafnet predict` sets)")
    args = parser.parse_args()
    if args.preset:
        print(json.dumps(speed(args)))
        return
    if args.side:
        print(json.dumps(write_scene(args) if args.write else memory(args)))
        return
    size = "x".join(str(v) for v in args.size)
    print(f"tile {args.tile}, overlap {args.overlap}, batch {args.batch_size}, {os.cpu_count()} CPU(s)")
    if not args.skip_speed:
        print(f"\nspeed, synthetic scene {size}:")
        print("preset  end-to-end s  model s  overhead  Mpx/s  peak RSS MiB")
        for preset in args.presets:
            with tempfile.TemporaryDirectory(prefix="bench_predict_") as workdir:
                row = _child(["--preset", preset, "--size", size], args, workdir)
            print(f"{row['preset']:<7} {row['end_to_end_s']:12.1f} {row['model_s']:8.1f} "
                  f"{100 * row['overhead']:8.1f}% {row['megapixels_per_s']:6.3f} {row['peak_rss_mib']:13.0f}")
    if not args.skip_memory:
        print("\npeak memory, 1x1-convolution model:")
        print("scene          GDAL cache  seconds  RSS before MiB  peak RSS MiB")
        for side in args.memory_sizes:
            with tempfile.TemporaryDirectory(prefix="bench_predict_") as workdir:
                _child(["--side", str(side), "--write"], args, workdir)
                for cache in args.gdal_cache_mb:
                    env = dict(os.environ, **({"GDAL_CACHEMAX": str(cache)} if cache else {}))
                    row = _child(["--side", str(side)], args, workdir, env)
                    cache_text = f"{cache} MB" if cache else "default"
                    print(f"{row['size']:<14} {cache_text:>10} {row['seconds']:8.1f} "
                          f"{row['rss_before_mib']:15.0f} {row['peak_rss_mib']:13.0f}", flush=True)


if __name__ == "__main__":
    main()
