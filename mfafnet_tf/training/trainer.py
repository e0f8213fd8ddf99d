"""One training run: data, strategy, model, callbacks, ``fit``."""

import os

import keras
import tensorflow as tf

from mfafnet_tf.config import load_config, write_config
from mfafnet_tf.config.conversion import to_dict
from mfafnet_tf.errors import ConfigError
from mfafnet_tf.training.best_model_checkpoint import save_model_atomic
from mfafnet_tf.training.callbacks import BACKUP_DIR, FINAL_MODEL, build_callbacks, resume_run, worker_dir
from mfafnet_tf.training.data_setup import build_datasets, prepare_data, steps_per_epoch
from mfafnet_tf.training.model_building import build_model, compile_model
from mfafnet_tf.training.strategy import select_strategy, worker_role


def start_run(config):
    """The common start of a training or tuning process.

    Chooses the strategy (first, as multi-worker set-up requires), seeds the
    random generators, sets the precision policy and prepares the data (only
    the chief writes it).

    Returns:
        ``(strategy, is_chief, task_id, dataset_info)``.
    """
    strategy = select_strategy(config)
    is_chief, task_id = worker_role()
    keras.utils.set_random_seed(config.runtime.seed)
    set_precision_policy(config)
    return strategy, is_chief, task_id, prepare_data(config, may_write=is_chief)


def set_precision_policy(config):
    """Sets Keras's global dtype policy from ``runtime.mixed_precision``.

    ``mixed_float16`` only pays off on GPUs (on CPUs it is slower than float32),
    so without a visible GPU the run falls back to ``float32`` and says so in
    one printed line.
    """
    mixed = config.runtime.mixed_precision
    if mixed and not tf.config.list_logical_devices("GPU"):
        print(
            "runtime.mixed_precision: no GPU visible, training in float32 "
            "(mixed_float16 only pays off on GPUs)",
            flush=True,
        )
        mixed = False
    keras.mixed_precision.set_global_policy("mixed_float16" if mixed else "float32")


# The sections a resumed run must share with the run it continues (the
# schedule and the runtime may change: more epochs, another device).
RESUMED_SECTIONS = ("task", "model", "data")


def check_resumable(config, out_dir):
    """Refuses to resume a run in ``out_dir`` that another recipe trained.

    Raises:
        ConfigError: ``out_dir`` has a run to resume whose ``config.yaml``
            differs from ``config`` in its task, model or data; the message
            names the directory and the first differing key.
    """
    saved_path = os.path.join(out_dir, "config.yaml")
    if not (os.path.exists(saved_path) and os.path.isdir(os.path.join(out_dir, BACKUP_DIR))):
        return
    saved, wanted = to_dict(load_config(saved_path)), to_dict(config)
    for section in RESUMED_SECTIONS:
        for key in sorted(set(saved[section]) | set(wanted[section])):
            before, now = saved[section].get(key), wanted[section].get(key)
            if before != now:
                raise ConfigError(
                    f"{out_dir}: holds a run of another recipe ({section}.{key}: {before!r} there, "
                    f"{now!r} now); resuming would mix the two: remove it or train into another "
                    "directory")


def train(config, run_dir, callbacks=()):
    """Trains the model a recipe describes, resuming an interrupted run.

    Writes into ``run_dir``: ``config.yaml`` (resolved config), ``backup/``
    (resume state), ``best.keras`` (best validation mean IoU), ``model.keras``
    (after the last epoch), ``history.csv`` and TensorBoard ``logs/``. Running
    the same call again after a crash continues after the last completed epoch
    (see :func:`mfafnet_tf.training.callbacks.resume_run`).
    Under multi-worker training the chief writes there, the other workers into
    ``<run_dir>/workers/worker-<id>``.

    Args:
        config: ``ExperimentConfig``.
        run_dir: Output directory.
        callbacks: Further Keras callbacks, run after the built-in ones.

    Returns:
        ``(model, history)``.
    """
    strategy, is_chief, task_id, info = start_run(config)
    out_dir = worker_dir(run_dir, is_chief, task_id)
    os.makedirs(out_dir, exist_ok=True)
    check_resumable(config, out_dir)
    write_config(config, out_dir)
    replicas = strategy.num_replicas_in_sync
    multi_worker = isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy)
    kind = "MultiWorkerMirroredStrategy" if multi_worker else type(strategy).__name__
    print(f"training {config.name}: {kind} with {replicas} replica(s)", flush=True)
    steps = steps_per_epoch(config, info)
    with strategy.scope():
        model = build_model(config, info, synchronized_bn=replicas > 1)
        compile_model(model, config, steps)
        resumed = resume_run(model, out_dir)
        # A resumed run's pipeline continues the step count (augmentation seeds,
        # dropout warm-up) where the completed epochs left it.
        train_data, val_data, _ = build_datasets(
            config, info, replicas, multi_worker, resumed.epoch * steps)
        if multi_worker:
            work_around_keras_multi_worker(model)
        history = model.fit(
            train_data,
            validation_data=val_data,
            epochs=config.train.epochs,
            initial_epoch=resumed.epoch,
            steps_per_epoch=steps,
            validation_steps=config.train.validation_steps,
            callbacks=build_callbacks(out_dir, resumed.best) + list(callbacks),
            verbose=config.runtime.verbose,
            shuffle=False,  # the tf.data pipeline shuffles; Keras would only warn
        )
    save_model_atomic(model, os.path.join(out_dir, FINAL_MODEL))
    return model, history


def work_around_keras_multi_worker(model):
    """Lets Keras 3.15 ``fit`` run under ``MultiWorkerMirroredStrategy``.

    Two Keras bugs (tensorflow/tensorflow#72388): ``fit`` first all-reduces
    a whole input batch for a symbolic build, which CollectiveAllReduce cannot
    do for dict inputs; and it averages the step logs across workers with
    ``reduce("MEAN", axis=0)``, which fails for scalars. The model is built
    already, so the first is skipped (inside the strategy scope Keras still
    finds the strategy); for the second the logs are made vectors of one value.
    """
    model._distribute_strategy = None
    for name in ("train_step", "test_step"):
        step = getattr(model, name)

        def vector_logs(data, step=step):
            return {key: tf.reshape(value, [1]) for key, value in step(data).items()}

        setattr(model, name, vector_logs)
