"""Session-wide test set-up.

TensorFlow's logical devices can only be configured before the runtime starts, so
the CPU is split into two logical devices here, once, for the tests that exercise
``tf.distribute.MirroredStrategy`` on a machine without GPUs.
"""

import contextlib
import os
import subprocess

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import tensorflow as tf  # noqa: E402

_cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(
    _cpu, [tf.config.LogicalDeviceConfiguration()] * 2
)


@pytest.fixture
def full_disk(tmp_path):
    """A folder on a 1 MiB tmpfs that is full (a filler file takes every block).

    Skips where the test cannot mount one (not root, or in a container without
    the right). The filler is ``filler.bin``; what else is left there is what
    the code under test left.
    """
    folder = tmp_path / "disk"
    folder.mkdir()
    try:
        mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(folder)],
                                 capture_output=True, text=True, check=False)
    except OSError as error:
        pytest.skip(f"cannot mount a tmpfs here: {error}")
    if mounted.returncode:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        with open(folder / "filler.bin", "wb", buffering=0) as stream:
            with contextlib.suppress(OSError):
                while True:
                    stream.write(b"\0" * 4096)
        yield folder
    finally:
        # Lazily: a failing test may still hold a file open there.
        subprocess.run(["umount", "--lazy", str(folder)], check=False)
