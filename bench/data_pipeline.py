"""Data pipeline throughput against MFAFNet-small's training consumption.

Measures, in one run on the same machine:
  * tiling speed (MB/s of raw scene data: optical + SAR + label bytes),
  * patches/s delivered by `make_dataset` (TFRecords, training mode: shuffle,
    flips/rotations, speckle) and by `make_window_dataset` (GDAL windows),
  * patches/s consumed by MFAFNet-small training steps (`model.fit`) on the
    same patch size and batch size.

Usage: python bench/data_pipeline.py [--scenes 6 --size 1024 --patch 256 --batch 8]
"""

import argparse
import os
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from mfafnet_tf.data import get_dataset, make_dataset, make_window_dataset  # noqa: E402
from mfafnet_tf.data.synthetic import synthesize  # noqa: E402
from mfafnet_tf.data.tiling import tile_dataset  # noqa: E402


def patches_per_second(dataset, batches, warmup=2):
    """Patches/s over `batches` batches after `warmup` batches."""
    iterator = iter(dataset)
    for _ in range(warmup):
        next(iterator)
    count, start = 0, time.perf_counter()
    for _ in range(batches):
        _, labels, _ = next(iterator)
        count += int(labels.shape[0])
    return count / (time.perf_counter() - start)


def training_consumption(patch, batch, steps, normalization):
    """Patches/s that MFAFNet-small trains on (fit on an in-memory batch)."""
    from mfafnet_tf.models.mfafnet.mfafnet import MFAFNet

    rng = np.random.default_rng(0)
    inputs = {"optical": rng.uniform(0, 255, (batch, patch, patch, 4)).astype("float32"),
              "sar": rng.uniform(0, 255, (batch, patch, patch, 1)).astype("float32")}
    labels = rng.integers(0, 7, (batch, patch, patch)).astype("int32")
    data = tf.data.Dataset.from_tensors((inputs, labels)).repeat()
    model = MFAFNet(num_classes=7, preset="small", normalization=normalization)
    model.compile()
    model.fit(data, steps_per_epoch=1, epochs=1, verbose=0)  # trace and warm up
    start = time.perf_counter()
    model.fit(data, steps_per_epoch=steps, epochs=1, verbose=0)
    return steps * batch / (time.perf_counter() - start)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scenes", type=int, default=6)
    parser.add_argument("--size", type=int, default=1024, help="scene side in pixels")
    parser.add_argument("--patch", type=int, default=256)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--batches", type=int, default=30, help="batches timed per source")
    parser.add_argument("--train-steps", type=int, default=3)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as work:
        root, tiles = os.path.join(work, "scenes"), os.path.join(work, "tiles")
        synthesize(root, scenes=args.scenes, size=(args.size, args.size), seed=0,
                   progress=False)
        dataset = get_dataset("whu_opt_sar", root, val_fraction=0)
        raw_mb = args.scenes * args.size * args.size * (4 + 1 + 1) / 1e6
        start = time.perf_counter()
        index = tile_dataset(dataset, tiles, args.patch, args.patch, progress=False)
        tiling_seconds = time.perf_counter() - start
        patches = index["splits"]["train"]["patches"]
        print(f"tiling: {args.scenes} scenes of {args.size}x{args.size} "
              f"({raw_mb:.1f} MB raw) -> {patches} patches of {args.patch}px in "
              f"{tiling_seconds:.2f} s = {raw_mb / tiling_seconds:.1f} MB/s "
              f"(goal >= 50 MB/s)")

        tfrecord = make_dataset(tiles, "train", args.batch, training=True, repeat=True,
                                speckle=True, seed=0)
        tfrecord_rate = patches_per_second(tfrecord, args.batches)
        windows = make_window_dataset(dataset, "train", args.patch, args.batch,
                                      training=True, repeat=True, seed=0)
        window_rate = patches_per_second(windows, args.batches)

    normalization = {
        "optical": {"mean": [100.0] * 4, "std": [50.0] * 4, "transform": "none", "count": 1},
        "sar": {"mean": [120.0], "std": [40.0], "transform": "none", "count": 1}}
    train_rate = training_consumption(args.patch, args.batch, args.train_steps, normalization)
    print(f"MFAFNet-small training consumes {train_rate:.2f} patches/s "
          f"(batch {args.batch}, {args.patch}px, {tf.config.list_physical_devices()[-1].device_type})")
    print(f"TFRecord pipeline:   {tfrecord_rate:8.1f} patches/s = "
          f"{tfrecord_rate / train_rate:6.1f}x training (goal >= 3x)")
    print(f"GDAL window source:  {window_rate:8.1f} patches/s = "
          f"{window_rate / train_rate:6.1f}x training")


if __name__ == "__main__":
    main()
