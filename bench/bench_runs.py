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
    """Wall time and training steps of every epoch (validation excluded)."""

    def __init__(self):
        super().__init__()
        self.seconds = []
        self.steps = []

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()
        self._steps = 0

    def on_train_batch_end(self, batch, logs=None):
        self._steps += 1

    def on_epoch_end(self, epoch, logs=None):
        self.seconds.append(time.perf_counter() - self._start)
        self.steps.append(self._steps)


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
    ``train_images_per_s``: median epoch after the first, which traces; None
    when this call timed no epoch after a first one, as when it resumed a run
    whose training had finished), read back when ``<run_dir>/<result_name>``
    exists.
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
    # Per-epoch rates after the first (which traces), counted steps (recipes
    # without steps_per_epoch run whole epochs of the data).
    rates = [steps * config.train.batch_size / seconds
             for steps, seconds in zip(timer.steps[1:], timer.seconds[1:])]
    result = {
        "mIoU": scores["mIoU"],
        "per_class_iou": scores["per_class_iou"],
        "train_images_per_s": statistics.median(rates) if rates else None,
    }
    write_text(result_path, json.dumps(result, indent=1))
    return result
