"""MFAFNetHyperModel.fit: what it hands to Keras' fit for a trial."""

import keras_tuner
import tensorflow as tf

from mfafnet_tf.config import load_config
from mfafnet_tf.tuning import MFAFNetHyperModel


class _RecordingModel:
    """Stands in for a compiled model: records the arguments of ``fit``."""

    distribute_strategy = tf.distribute.get_strategy()

    def fit(self, *args, **kwargs):
        self.args, self.kwargs = args, kwargs
        return "history"


def _fit(recipe, overrides=(), **kwargs):
    hypermodel = MFAFNetHyperModel(load_config(recipe, overrides))
    hp = keras_tuner.HyperParameters()
    hypermodel.values(hp)
    model = _RecordingModel()
    assert hypermodel.fit(hp, model, **kwargs) == "history"
    return model


def test_fit_trains_on_the_recipe_splits_with_its_batch_size_and_epochs(recipe):
    model = _fit(recipe, ["train.batch_size=4", "train.epochs=3", "train.validation_steps=2"])
    (train,) = model.args
    inputs, labels, weights = next(iter(train))
    assert inputs["optical"].shape == (4, 32, 32, 4) and labels.shape == (4, 32, 32)
    validation = model.kwargs["validation_data"]
    assert next(iter(validation))[1].shape[0] == 4  # the 4 validation patches, one batch
    assert model.kwargs["epochs"] == 3
    assert model.kwargs["steps_per_epoch"] == 1
    assert model.kwargs["validation_steps"] == 2
    assert model.kwargs["verbose"] == 0


def test_given_epochs_and_data_take_precedence(recipe):
    data = tf.data.Dataset.from_tensors(0)
    model = _fit(recipe, x=data, epochs=5, initial_epoch=2)
    assert model.args == () and model.kwargs["x"] is data
    assert (model.kwargs["epochs"], model.kwargs["initial_epoch"]) == (5, 2)
    assert "validation_data" not in model.kwargs
