"""UNet baselines: modality subsets, early fusion, saving, defaults."""

import keras
import numpy as np
import pytest

from mfafnet_tf.errors import ConfigError
from mfafnet_tf.models import UNet

WIDTHS = (8, 16, 32)


@pytest.mark.parametrize("modalities", [("sar",), ("optical",), ("optical", "sar")])
def test_modalities_select_inputs_and_keep_size(modalities, batch, normalization):
    model = UNet(3, modalities=modalities, widths=WIDTHS, normalization=normalization)
    assert sorted(model.input) == sorted(modalities)
    x = {m: batch[0][m][:, :30, :27] for m in modalities}
    logits = model(x)
    assert tuple(logits.shape) == (2, 30, 27, 3)
    assert np.all(np.isfinite(np.asarray(logits)))
    first_conv = model.get_layer("encoder_0_conv1")
    assert first_conv.kernel.shape[2] == sum({"optical": 4, "sar": 1}[m] for m in modalities)


def test_classic_widths_by_default():
    model = UNet(7)
    assert model.get_layer("bottleneck_conv1").filters == 1024
    assert 30e6 < model.count_params() < 32e6  # the classic UNet has ~31 M parameters


def test_invalid_modalities_and_class_names_are_rejected():
    with pytest.raises(ConfigError, match="modalities"):
        UNet(3, modalities=("lidar",))
    with pytest.raises(ConfigError, match="modalities"):
        UNet(3, modalities=())
    with pytest.raises(ConfigError, match="class_names"):
        UNet(3, widths=WIDTHS, class_names=["a", "b"])


def test_save_load_and_train_step(tmp_path, batch):
    model = UNet(4, modalities=("optical", "sar"), widths=WIDTHS, class_names=list("abcd"))
    model.compile(run_eagerly=True)
    x, labels = batch
    logs = model.train_on_batch(x, labels, return_dict=True)
    assert np.isfinite(logs["loss"]) and set(logs) >= {"mean_iou", "pixel_accuracy"}
    path = tmp_path / "unet.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert isinstance(loaded, UNet) and loaded.class_names == list("abcd")
    np.testing.assert_array_equal(np.asarray(loaded(x)), np.asarray(model(x)))


def test_validity_channels_widen_the_early_fusion_input():
    plain = UNet(3, widths=(4, 8))
    valid = UNet(3, widths=(4, 8), validity_channels=True)
    bands = lambda model: model.get_layer("encoder_0_conv1").kernel.shape[2]  # noqa: E731
    assert (bands(plain), bands(valid)) == (4 + 1, (4 + 1) + (1 + 1))
    assert UNet.from_config(valid.get_config()).validity_channels
    assert not UNet.from_config(plain.get_config()).validity_channels
