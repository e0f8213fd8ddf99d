"""The exported SavedModel: signature, separate-process serving, atomic export."""

import os
import subprocess
import sys

import numpy as np
import pytest

from mfafnet_tf.cli.main import main
from mfafnet_tf.export import export_saved_model

HERE = os.path.dirname(os.path.abspath(__file__))


def test_saved_model_cli_lists_the_serving_signature(saved_model_dir):
    cli = os.path.join(os.path.dirname(sys.executable), "saved_model_cli")
    result = subprocess.run([cli, "show", "--dir", saved_model_dir, "--all"],
                            capture_output=True, text=True, check=True)
    listing = result.stdout
    serving = listing[listing.index("signature_def['serving_default']"):]
    assert "inputs['optical']" in serving and "shape: (-1, -1, -1, 4)" in serving
    assert "inputs['sar']" in serving and "shape: (-1, -1, -1, 1)" in serving
    assert "outputs['class_ids']" in serving and "dtype: DT_INT32" in serving
    assert "outputs['probabilities']" in serving and "shape: (-1, -1, -1, 3)" in serving


def test_separate_process_without_package_matches_keras(tmp_path, saved_model_dir, tiny_model, raw_inputs):
    optical, sar = raw_inputs
    shim = tmp_path / "shim" / "mfafnet_tf"
    shim.mkdir(parents=True)
    (shim / "__init__.py").write_text("raise ImportError('blocked: serving must not need mfafnet_tf')\n")
    np.save(tmp_path / "optical.npy", optical)
    np.save(tmp_path / "sar.npy", sar)
    result = subprocess.run(
        [sys.executable, "-I", os.path.join(HERE, "serve_saved_model.py"), str(shim.parent),
         saved_model_dir, str(tmp_path / "optical.npy"), str(tmp_path / "sar.npy"), str(tmp_path)],
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
        env={"PATH": os.environ.get("PATH", ""), "TF_CPP_MIN_LOG_LEVEL": "3", "HOME": str(tmp_path)},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "mfafnet_tf not importable: blocked" in result.stdout
    logits = np.asarray(tiny_model({"optical": optical, "sar": sar}, training=False))
    class_ids = np.load(tmp_path / "class_ids.npy")
    probabilities = np.load(tmp_path / "probabilities.npy")
    assert class_ids.shape == (2, 37, 29) and class_ids.dtype == np.int32
    np.testing.assert_array_equal(class_ids, logits.argmax(-1))
    np.testing.assert_allclose(probabilities.sum(-1), 1.0, atol=1e-5)
    assert np.isfinite(probabilities).all()  # NaN inputs (nodata) are handled inside the model


def test_export_cli(tmp_path, capsys):
    import keras

    optical, sar = keras.Input((None, None, 4), name="optical"), keras.Input((None, None, 1), name="sar")
    model = keras.Model({"optical": optical, "sar": sar},
                        keras.layers.Conv2D(3, 1)(keras.layers.Concatenate()([optical, sar])))
    model.save(tmp_path / "plain.keras")
    out = tmp_path / "models" / "mfafnet" / "7"  # parents are created
    command = ["export", "--model", str(tmp_path / "plain.keras"), "--out", str(out), "--class-names", "w,f,c"]
    assert main(command) == 0
    assert (out / "saved_model.pb").is_file()
    assert os.listdir(out.parent) == ["7"]  # no staging directory left behind
    assert "serving_default" in capsys.readouterr().out
    from mfafnet_tf.inference import load_model

    assert load_model(out).class_names == ["w", "f", "c"]
    assert main(["export", "--model", str(tmp_path / "missing.keras"), "--out", str(tmp_path / "x")]) == 1
    assert "missing.keras: expected an existing .keras file, found no such file" in capsys.readouterr().err
    assert main(["export", "--model", str(tmp_path / "plain.keras"), "--out", str(out)]) == 1
    assert "expected a new directory for the SavedModel, found an existing path" in capsys.readouterr().err


def test_single_modality_model_exports_only_its_input(tmp_path):
    import keras
    import tensorflow as tf

    sar = keras.Input((None, None, 2), name="sar")
    model = keras.Model({"sar": sar}, keras.layers.Conv2D(4, 1)(sar))
    serving = tf.saved_model.load(export_saved_model(model, tmp_path / "1")).signatures["serving_default"]
    assert sorted(serving.structured_input_signature[1]) == ["sar"]
    values = np.random.default_rng(0).normal(size=(1, 5, 7, 2)).astype(np.float32)
    class_ids = serving(sar=tf.constant(values))["class_ids"].numpy()
    np.testing.assert_array_equal(class_ids, np.asarray(model({"sar": values})).argmax(-1))


def test_failed_export_leaves_nothing(tmp_path, monkeypatch):
    import keras

    sar = keras.Input((None, None, 1), name="sar")
    model = keras.Model({"sar": sar}, keras.layers.Conv2D(2, 1)(sar))

    def interrupted(self, *args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(type(keras.export.ExportArchive()), "write_out", interrupted)
    with pytest.raises(KeyboardInterrupt):
        export_saved_model(model, tmp_path / "1")
    assert os.listdir(tmp_path) == []
