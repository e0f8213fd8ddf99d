"""Training and scoring one bench run: shared by ablation.py and leaderboard.py."""

import json
import os
import statistics
import time

import keras

from mfafnet_tf.config import load_config
from mfafnet_tf.data.atomic import write_text
from mfafnet_tf.evaluation.scene_evaluation import evaluate_run_dir
from mfafnet_tf.training import train

RESULT = "bench_run.json"


class EpochTimer(keras.callbacks.Callback):
    """Wall time of every training epoch (validation excluded)."""

    def __init__(self):
        super().__init__()
        self.seconds = []

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds.append(time.perf_counter() - self._start)


def data_overrides(recipe, out):
    """Overrides that put a synthesizing recipe's scenes and tiles under ``<out>/data``.

    Every run of a bench then shares one synthesized dataset. A recipe of real
    data (a manifest, WHU-OPT-SAR) keeps its own paths: none.
    """
    if not load_config(recipe).data.synthesize:
        return []
    data = os.path.join(out, "data")
    return [f"data.root={data}", f"data.tile_dir={os.path.join(data, 'tiles')}",
            f"data.split_file={os.path.join(data, 'split.txt')}"]


def train_and_score(recipe, run_dir, overrides, result_name=RESULT):
    """Trains one run (resuming one that was interrupted), scores it on the test scenes.

    Returns the run's result dict (``mIoU``, ``per_class_iou``,
    ``train_images_per_s``: median epoch after the first, which traces),
    read back when ``<run_dir>/<result_name>`` exists.
    """
    result_path = os.path.join(run_dir, result_name)
    if os.path.exists(result_path):
        with open(result_path, encoding="utf-8") as stream:
            return json.load(stream)
    config = load_config(recipe, ["runtime.verbose=0", *overrides])
    keras.backend.clear_session()
    timer = EpochTimer()
    train(config, run_dir, callbacks=[timer])
    scores, _ = evaluate_run_dir(run_dir, progress=False)
    steady = timer.seconds[1:] or timer.seconds
    images = config.train.steps_per_epoch * config.train.batch_size
    result = {
        "mIoU": scores["mIoU"],
        "per_class_iou": scores["per_class_iou"],
        "train_images_per_s": images / statistics.median(steady),
    }
    write_text(result_path, json.dumps(result, indent=1))
    return result
