"""Session-wide test set-up.

TensorFlow's logical devices can only be configured before the runtime starts, so
the CPU is split into two logical devices here, once, for the tests that exercise
``tf.distribute.MirroredStrategy`` on a machine without GPUs.
"""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import tensorflow as tf  # noqa: E402

_cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(
    _cpu, [tf.config.LogicalDeviceConfiguration()] * 2
)
