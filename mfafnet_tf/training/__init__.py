"""Training from recipes: strategy, model, optimizer, callbacks, resumable runs."""

from mfafnet_tf.training.data_setup import build_datasets, prepare_data, steps_per_epoch
from mfafnet_tf.training.model_building import build_model, compile_model
from mfafnet_tf.training.strategy import select_strategy
from mfafnet_tf.training.trainer import start_run, train

__all__ = [
    "build_datasets",
    "build_model",
    "compile_model",
    "prepare_data",
    "select_strategy",
    "start_run",
    "steps_per_epoch",
    "train",
]
