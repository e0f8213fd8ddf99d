"""Choosing the ``tf.distribute`` strategy from the recipe and the environment."""

import json
import os

import tensorflow as tf

from mfafnet_tf.errors import ConfigError

STRATEGIES = ("auto", "default", "one_device", "mirrored", "multi_worker")

_MIRRORED = {}


def mirrored_strategy(devices=None):
    """Returns the process's ``MirroredStrategy`` over ``devices`` (None: all GPUs).

    One instance per device set and process: two ``MirroredStrategy`` objects
    over the same devices number their collective operations alike, and the
    second one's all-reduces then collide with the first one's in TensorFlow's
    collective executor (shape mismatch errors), e.g. when a process trains and
    then tunes, or tunes several trials.
    """
    key = tuple(devices) if devices else None
    if key not in _MIRRORED:
        _MIRRORED[key] = tf.distribute.MirroredStrategy(list(key) if key else None)
    return _MIRRORED[key]


def select_strategy(config):
    """Returns the distribution strategy for ``config.runtime``.

    ``auto``: ``MultiWorkerMirroredStrategy`` when ``TF_CONFIG`` is set,
    ``MirroredStrategy`` over the visible GPUs when there are several, the
    default strategy otherwise. ``runtime.strategy`` can force any of these;
    ``runtime.devices`` picks the devices of ``mirrored``/``one_device``.

    Must be called before TensorFlow runs any op when ``TF_CONFIG`` is set.
    """
    name = config.runtime.strategy
    devices = config.runtime.devices
    if name not in STRATEGIES:
        raise ConfigError(
            f"runtime.strategy: expected one of {', '.join(STRATEGIES)}, found {name!r}"
        )
    if name == "multi_worker" or (name == "auto" and os.environ.get("TF_CONFIG")):
        # Before anything initializes the runtime (listing devices does).
        return tf.distribute.MultiWorkerMirroredStrategy()
    gpus = tf.config.list_logical_devices("GPU")
    if name == "auto":
        name = "mirrored" if devices or len(gpus) > 1 else "default"
    if name == "mirrored":
        return mirrored_strategy(devices or [gpu.name for gpu in gpus] or None)
    if name == "one_device":
        device = devices[0] if devices else (gpus[0].name if gpus else "/cpu:0")
        return tf.distribute.OneDeviceStrategy(device)
    return tf.distribute.get_strategy()


def worker_role():
    """Returns ``(is_chief, task_id)`` of this process from ``TF_CONFIG``.

    The chief is the ``chief`` task, or worker 0 when the cluster has none.
    Without ``TF_CONFIG`` the process is the chief.
    """
    text = os.environ.get("TF_CONFIG")
    if not text:
        return True, 0
    try:
        spec = json.loads(text)
        task = spec["task"]
        task_type, index = task["type"], int(task["index"])
    except (ValueError, KeyError, TypeError) as error:
        raise ConfigError(
            f"TF_CONFIG: expected JSON with cluster and task {{type, index}}, "
            f"found {text!r} ({error})"
        ) from None
    has_chief = "chief" in spec.get("cluster", {})
    is_chief = task_type == "chief" or (task_type == "worker" and index == 0 and not has_chief)
    return is_chief, index
