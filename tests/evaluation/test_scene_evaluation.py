"""Whole-scene evaluation counts every scored pixel of every scene once."""

import numpy as np
import tensorflow as tf

from mfafnet_tf.data import Window, get_dataset, synthesize
from mfafnet_tf.evaluation.scene_evaluation import evaluate_scenes
from mfafnet_tf.inference import ModelRunner

NUM_CLASSES = 7


def _constant_runner(class_id):
    def predict(optical, sar):
        shape = tf.shape(optical)[:3]
        return tf.one_hot(tf.fill(shape, class_id), NUM_CLASSES)

    return ModelRunner(predict, 4, 1, NUM_CLASSES, None)


def test_constant_model_confusion_equals_label_counts(tmp_path):
    split_file = synthesize(str(tmp_path), scenes=2, size=(70, 50), seed=3, progress=False)
    dataset = get_dataset("whu_opt_sar", str(tmp_path), split_file=split_file)
    records = dataset.scenes()
    expected = np.zeros(NUM_CLASSES, np.int64)
    for record in records:
        with dataset.open(record) as scene:
            whole = scene.read(Window(0, 0, scene.width, scene.height))
        labels = dataset.map_labels(whole.label)
        scored = (labels < NUM_CLASSES) & whole.valid
        expected += np.bincount(labels[scored], minlength=NUM_CLASSES)

    # Tiles of 32 with overlap 8 over 70x50 scenes: edges not multiples of the tile.
    confusion = evaluate_scenes(
        _constant_runner(2), dataset, records, tile=32, overlap=8, batch_size=3, progress=False
    )
    assert confusion.sum() == expected.sum() > 0
    np.testing.assert_array_equal(confusion[:, 2], expected)
    assert confusion[:, [0, 1, 3, 4, 5, 6]].sum() == 0
