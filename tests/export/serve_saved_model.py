"""Loads a SavedModel with TensorFlow alone and runs serving_default on .npy inputs.

Run in a separate interpreter: ``python -I serve_saved_model.py SHIM MODEL_DIR OPTICAL.npy
SAR.npy OUT_DIR``. SHIM is a directory whose ``mfafnet_tf`` package refuses to import,
put first on ``sys.path`` to prove that serving needs no project code.
"""

import os
import sys

sys.path.insert(0, sys.argv[1])

try:
    import mfafnet_tf  # noqa: F401
except ImportError as error:
    print(f"mfafnet_tf not importable: {error}")
else:
    sys.exit("mfafnet_tf was importable")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

model_dir, optical_path, sar_path, out_dir = sys.argv[2:6]
serving = tf.saved_model.load(model_dir).signatures["serving_default"]
outputs = serving(
    optical=tf.constant(np.load(optical_path, allow_pickle=False)),
    sar=tf.constant(np.load(sar_path, allow_pickle=False)),
)
for name, value in outputs.items():
    np.save(os.path.join(out_dir, f"{name}.npy"), value.numpy(), allow_pickle=False)
assert not any(name.startswith("mfafnet_tf") and sys.modules[name] is not None for name in sys.modules)
print("served", sorted(outputs))
