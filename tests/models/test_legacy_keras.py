"""A .keras file saved by the release before the backbone/segmenter split loads and predicts alike.

The fixture was written by ``fixtures/make_mfafnet_813745c.py`` at commit
813745c: a small MFAFNet with that release's all-weather defaults, random
BatchNorm statistics and stream classifiers, and its outputs on inputs with
nodata holes in each modality.
"""

import os

import keras
import numpy as np
import pytest

from mfafnet_tf.models import MFAFNet, MFAFNetBackbone

FIXTURES = os.path.join(os.path.dirname(__file__), "fixtures")


@pytest.fixture(scope="module")
def release():
    """The loaded model and the saved arrays."""
    model = keras.saving.load_model(os.path.join(FIXTURES, "mfafnet_813745c.keras"))
    with np.load(os.path.join(FIXTURES, "mfafnet_813745c.npz"), allow_pickle=False) as saved:
        return model, dict(saved)


def test_release_813745c_keras_file_loads_with_identical_logits(release):
    model, saved = release
    assert isinstance(model, MFAFNet) and isinstance(model.backbone, MFAFNetBackbone)
    assert model.class_names == ["water", "trees", "built"]
    assert model.input_bands == {"optical": [4, 3, 2, 8], "sar": [1]}
    assert model.options.all_weather and model.options.fallback_decoders == 1.0
    logits = np.asarray(model({"optical": saved["optical"], "sar": saved["sar"]}, training=False))
    np.testing.assert_array_equal(logits, saved["logits"])


def test_release_813745c_training_outputs_keep_their_weights(release):
    model, saved = release
    inputs = {"optical": saved["optical"], "sar": saved["sar"]}
    outputs = model._supervised(inputs, training=False)
    expected = [saved[f"train_output_{i}"] for i in range(len(outputs))]
    assert f"train_output_{len(outputs)}" not in saved
    names = ["logits", *model._auxiliary_names]
    assert names[1:4] == ["optical_stem", "sar_stem", "optical_level_0"]
    for name, output, reference in zip(names, outputs, expected):
        np.testing.assert_array_equal(np.asarray(output), reference, err_msg=name)


def test_release_813745c_training_step_gives_the_same_loss_and_weights(release):
    """One step of the project's default compile: the loss and the auxiliary losses are those of 813745c."""
    _, saved = release
    model = keras.saving.load_model(os.path.join(FIXTURES, "mfafnet_813745c.keras"))  # trained here
    inputs = {"optical": saved["optical"], "sar": saved["sar"]}
    model.compile()
    loss = model.train_on_batch(inputs, saved["labels"])
    np.testing.assert_allclose(loss, saved["step_loss"], rtol=1e-5)
    np.testing.assert_allclose(np.asarray(model(inputs, training=False)), saved["trained_logits"],
                               rtol=1e-4, atol=1e-4)
