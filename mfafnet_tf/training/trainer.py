"""One training run: data, strategy, model, callbacks, ``fit``."""

import os

import keras
import tensorflow as tf

from mfafnet_tf.config import write_config
from mfafnet_tf.training.best_model_checkpoint import save_model_atomic
from mfafnet_tf.training.callbacks import FINAL_MODEL, build_callbacks
from mfafnet_tf.training.data_setup import build_datasets, prepare_data
from mfafnet_tf.training.model_building import build_model, compile_model
from mfafnet_tf.training.strategy import select_strategy, worker_role


def train(config, run_dir, callbacks=()):
    """Trains the model a recipe describes, resuming an interrupted run.

    Writes into ``run_dir``: ``config.yaml`` (resolved config), ``backup/``
    (resume state), ``best.keras`` (best validation mean IoU), ``model.keras``
    (after the last epoch), ``history.csv`` and TensorBoard ``logs/``. Running
    the same call again after a crash continues after the last completed epoch.

    Args:
        config: ``ExperimentConfig``.
        run_dir: Output directory.
        callbacks: Further Keras callbacks, run after the built-in ones.

    Returns:
        ``(model, history)``.
    """
    strategy = select_strategy(config)
    is_chief, task_id = worker_role()
    keras.utils.set_random_seed(config.runtime.seed)
    keras.mixed_precision.set_global_policy(
        "mixed_float16" if config.runtime.mixed_precision else "float32"
    )
    info = prepare_data(config, may_write=is_chief)
    os.makedirs(run_dir, exist_ok=True)
    if is_chief:
        write_config(config, run_dir)
    replicas = strategy.num_replicas_in_sync
    print(
        f"training {config.name} on {type(strategy).__name__} with {replicas} replica(s)",
        flush=True,
    )
    multi_worker = isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy)
    train_data, val_data, steps = build_datasets(config, info, replicas, multi_worker)
    with strategy.scope():
        model = build_model(config, info, synchronized_bn=replicas > 1)
        compile_model(model, config, steps)
    history = model.fit(
        train_data,
        validation_data=val_data,
        epochs=config.train.epochs,
        steps_per_epoch=steps,
        validation_steps=config.train.validation_steps,
        callbacks=build_callbacks(run_dir, is_chief, task_id) + list(callbacks),
        verbose=config.runtime.verbose,
    )
    if is_chief:
        save_model_atomic(model, os.path.join(run_dir, FINAL_MODEL))
    return model, history
