"""Importing TensorFlow without its C++ start-up chatter on stderr.

TensorFlow logs from C++ through Abseil before Abseil's logging is set up, so
``TF_CPP_MIN_LOG_LEVEL`` does not reach those lines (oneDNN notice, CUDA
probing, cuDNN/cuFFT factory registration, TensorRT). The import and the first
device listing (where CUDA is probed) run with the process's stderr captured;
the log lines are dropped and everything else that was written (Python
warnings, errors) is passed on.
"""

import os
import re
import sys
import tempfile

# Abseil's banner and its log lines ("I0000 00:00:1796306408.702222   12955 port.cc:153] ..."),
# plus the continuation line of the CPU feature notice.
CHATTER = re.compile(
    r"^(WARNING: All log messages before absl::InitializeLog\(\)"
    r"|[IWE]\d{4} \d\d:\d\d:\d+\.\d+\s+\d+ [\w./-]+:\d+\]"
    r"|To enable the following instructions:)")


def without_chatter(text):
    """``text`` without the lines that TensorFlow's start-up logging wrote."""
    return "".join(line for line in text.splitlines(keepends=True)
                   if not CHATTER.match(line))


def import_tensorflow_quietly():
    """Imports TensorFlow and Keras, and lists the devices, with the start-up chatter
    filtered from stderr (the device probing does not configure any device)."""
    if "tensorflow" in sys.modules:
        return
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as captured:
        os.dup2(captured.fileno(), 2)
        try:
            import keras  # noqa: F401
            import tensorflow as tf

            tf.config.list_physical_devices()    # CUDA probing logs too ("failed call to cuInit")
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            captured.seek(0)
            sys.stderr.write(without_chatter(captured.read().decode("utf-8", "replace")))
            sys.stderr.flush()
