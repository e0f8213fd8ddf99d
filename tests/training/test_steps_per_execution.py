"""``runtime.steps_per_execution``: it reaches ``compile``, must divide the
epoch, and a run with several steps per execution checkpoints and resumes per
epoch."""

import os

import keras
import numpy as np
import pytest

from mfafnet_tf.config import load_config
from mfafnet_tf.errors import ConfigError
from mfafnet_tf.training import build_model, compile_model, train
from mfafnet_tf.training.data_setup import load_dataset_info

OVERRIDES = ["train.epochs=2", "train.steps_per_epoch=4", "train.validation_steps=1"]


def test_steps_per_execution_reaches_compile(tiny_recipe):
    config = load_config(tiny_recipe, ["runtime.steps_per_execution=4"])
    model = compile_model(build_model(config, load_dataset_info(config)), config, 8)
    assert model.steps_per_execution == 4
    assert load_config(tiny_recipe).runtime.steps_per_execution == 1


def test_steps_per_execution_below_one_is_refused(tiny_recipe):
    with pytest.raises(ConfigError, match="steps_per_execution"):
        load_config(tiny_recipe, ["runtime.steps_per_execution=0"])


def test_steps_per_execution_must_divide_the_epoch(tiny_recipe):
    config = load_config(tiny_recipe, ["runtime.steps_per_execution=2"])
    model = build_model(config, load_dataset_info(config))
    with pytest.raises(ConfigError, match="does not divide the 3 steps"):
        compile_model(model, config, 3)  # Keras would run 4


class StopAfterFirstEpoch(keras.callbacks.Callback):
    """Ends ``fit`` after its first epoch, as a kill between epochs would."""

    def on_epoch_end(self, epoch, logs=None):
        self.model.stop_training = True


class Probe(keras.callbacks.Callback):
    """Records the state ``fit`` starts from and the epochs it runs."""

    def __init__(self):
        super().__init__()
        self.epochs = []

    def on_train_begin(self, logs=None):
        self.iterations = int(self.model.optimizer.iterations.numpy())
        self.weights = [w.copy() for w in self.model.get_weights()]

    def on_epoch_end(self, epoch, logs=None):
        self.epochs.append(epoch)


def test_run_with_several_steps_per_execution_checkpoints_and_resumes_per_epoch(tiny_recipe, tmp_path):
    config = load_config(tiny_recipe, OVERRIDES + ["runtime.steps_per_execution=2"])
    run_dir = str(tmp_path / "run")
    first, _ = train(config, run_dir, callbacks=[StopAfterFirstEpoch()])
    after_first = first.get_weights()
    assert first.optimizer.iterations.numpy() == 4

    probe = Probe()
    model, _ = train(config, run_dir, callbacks=[probe])
    assert probe.iterations == 4 and probe.epochs == [1]
    for restored, saved in zip(probe.weights, after_first):
        np.testing.assert_array_equal(restored, saved)
    assert model.optimizer.iterations.numpy() == 8
    assert os.path.exists(os.path.join(run_dir, "best.keras"))
