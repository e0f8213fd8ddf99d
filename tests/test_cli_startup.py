"""``mfafnet`` starts fast and quietly: help without TensorFlow, no C++ chatter."""

import json
import os
import subprocess
import sys

import pytest

from mfafnet_tf.cli.quiet_import import without_chatter

HELP_SCRIPT = """
import json, sys
from mfafnet_tf.cli.main import COMMANDS, main
calls = [["--help"]] + [[name, "--help"] for name in COMMANDS]
calls += [["data", verb, "--help"] for verb in ("synth", "check", "tile", "stats", "align")]
for argv in calls:
    try:
        main(argv)
    except SystemExit:
        pass
heavy = ("tensorflow", "keras", "osgeo", "matplotlib")
print(json.dumps(sorted({m.split(".")[0] for m in sys.modules if m.startswith(heavy)})))
"""


def _run(arguments, **env):
    environment = {k: v for k, v in os.environ.items()
                   if k not in ("TF_CPP_MIN_LOG_LEVEL", "MFAFNET_VERBOSE")}
    environment.update(env)
    return subprocess.run([sys.executable, *arguments], capture_output=True, text=True,
                          env=environment, timeout=300)


def test_help_of_every_command_imports_no_tensorflow():
    result = _run(["-c", HELP_SCRIPT])
    assert result.returncode == 0, result.stderr
    *help_text, modules = result.stdout.splitlines()
    assert json.loads(modules) == []
    assert "--verbose" in "\n".join(help_text) and "--keep-unlabelled" in "\n".join(help_text)


def test_chatter_filter_keeps_everything_else():
    chatter = [
        "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\n",
        "I0000 00:00:1796306408.702222   12955 port.cc:153] oneDNN custom operations are on.\n",
        "E0000 00:00:1796306408.702706   12955 cuda_fft.cc:477] Unable to register cuFFT factory\n",
        "W0000 00:00:1796306408.832485   12955 py_utils.cc:38] TF-TRT Warning: no TensorRT\n",
        "To enable the following instructions: AVX2 FMA, in other operations, rebuild\n",
    ]
    kept = ["/x/y.py:3: UserWarning: something the user should see\n",
            "Traceback (most recent call last):\n"]
    assert without_chatter("".join(chatter[:3] + kept[:1] + chatter[3:] + kept[1:])) == "".join(kept)


@pytest.mark.slow
def test_tensorflow_start_up_is_quiet_unless_verbose(tmp_path):
    from osgeo import gdal

    from mfafnet_tf.models.unet.unet import UNet

    model = str(tmp_path / "sar_unet.keras")
    UNet(2, modalities=("sar",), widths=(4, 8)).save(model)
    sar = gdal.GetDriverByName("GTiff").Create(str(tmp_path / "s1.tif"), 8, 8, 1, gdal.GDT_Float32)
    sar.SetGeoTransform((0.0, 10.0, 0.0, 0.0, 0.0, -10.0))
    sar.GetRasterBand(1).Fill(0.5)
    sar = None
    command = ["-m", "mfafnet_tf.cli.main", "predict", "--model", model, "--sar",
               str(tmp_path / "s1.tif"), "--out", str(tmp_path / "map.tif"), "--quiet"]
    quiet = _run(command)                            # imports TensorFlow, runs the model
    assert quiet.returncode == 0 and quiet.stderr == "", quiet.stderr
    raw = _run(["-c", "import tensorflow"]).stderr        # what TensorFlow prints here
    chatter = [line.split("]", 1)[-1] for line in raw.splitlines() if line.strip()]
    for verbose in (_run(["-m", "mfafnet_tf.cli.main", "--verbose", *command[2:]]),
                    _run(command, MFAFNET_VERBOSE="1")):
        assert verbose.returncode == 0
        assert all(line in verbose.stderr for line in chatter), (chatter, verbose.stderr)


@pytest.mark.slow
def test_package_import_is_light_and_registers_once_keras_is_loaded(tmp_path):
    from mfafnet_tf.models.unet.unet import UNet

    path = str(tmp_path / "unet.keras")
    UNet(3, modalities=("sar",), widths=(4, 8)).save(path)
    script = (
        "import sys\nimport mfafnet_tf\nassert 'tensorflow' not in sys.modules\n"
        "assert mfafnet_tf.UNet.__name__ == 'UNet'\n"
        "import keras\n"
        f"print(type(keras.saving.load_model({path!r})).__name__)\n")
    result = _run(["-c", script])
    assert result.returncode == 0 and result.stdout.strip() == "UNet", result.stderr
    # As in the README: Keras first, then the package; loading needs no custom_objects.
    result = _run(["-c", f"import keras\nimport mfafnet_tf\nprint(keras.saving.load_model({path!r}).name)"])
    assert result.returncode == 0 and result.stdout.strip() == "unet", result.stderr
