"""``runtime.mixed_precision`` falls back to float32 where there is no GPU."""

import keras
import pytest
import tensorflow as tf

from mfafnet_tf.config import load_config
from mfafnet_tf.training.trainer import set_precision_policy

pytestmark = pytest.mark.skipif(
    bool(tf.config.list_logical_devices("GPU")), reason="the fallback is for machines without a GPU")


@pytest.fixture(autouse=True)
def restore_policy():
    yield
    keras.mixed_precision.set_global_policy("float32")


def test_mixed_precision_without_gpu_trains_in_float32_and_says_so(capsys):
    keras.mixed_precision.set_global_policy("mixed_float16")    # a previous run's
    set_precision_policy(load_config(overrides=["runtime.mixed_precision=true"]))
    assert keras.mixed_precision.global_policy().name == "float32"
    lines = capsys.readouterr().out.splitlines()
    assert lines == ["runtime.mixed_precision: no GPU visible, training in float32 "
                     "(mixed_float16 only pays off on GPUs)"]


def test_float32_recipe_prints_nothing(capsys):
    keras.mixed_precision.set_global_policy("mixed_float16")
    set_precision_policy(load_config(overrides=["runtime.mixed_precision=false"]))
    assert keras.mixed_precision.global_policy().name == "float32"
    assert capsys.readouterr().out == ""
