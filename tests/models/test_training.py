"""MFAFNet training: ablations, overfitting, mixed precision, MirroredStrategy."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from mfafnet_tf.models import MFAFNet
from mfafnet_tf.training import strategy

ABLATIONS = [
    {"downsampling": "strided_conv"},
    {"downsampling": "max_pool"},
    {"low_branch": "none"},
    {"high_branch": "conv"},
    {"fusion": "concat"},
    {"fusion": "sum"},
    {"alignment": "linear_mmd"},
    {"alignment": "none"},
    {"share_encoder_weights": True},
    {"full_resolution_skip": False},
    {"head_blocks": 2},
    {"full_resolution_stem": 8},
    {"fallback_decoders": 0.0},
]


@pytest.mark.parametrize("switch", ABLATIONS, ids=lambda s: "-".join(f"{k}={v}" for k, v in s.items()))
def test_every_ablation_switch_builds_and_trains_one_step(switch, batch):
    model = MFAFNet(num_classes=4, preset="tiny", **switch)
    model.compile(run_eagerly=True)  # one step: tracing would cost more than it saves
    x, labels = batch
    before = [w.numpy().copy() for w in model.trainable_weights]
    logs = model.train_on_batch(x, labels, return_dict=True)
    assert np.isfinite(logs["loss"])
    changed = [not np.array_equal(b, w.numpy()) for b, w in zip(before, model.trainable_weights)]
    assert all(changed), "some weights were not updated"
    assert (len(model.losses) == 0) == (switch.get("alignment") == "none")


@pytest.mark.slow
def test_thirty_steps_on_one_batch_overfit(batch, normalization):
    model = MFAFNet(num_classes=4, preset="tiny", alignment_tokens=256, normalization=normalization)
    model.compile(optimizer=keras.optimizers.AdamW(5e-3, weight_decay=1e-4))
    x, labels = batch
    history = model.fit(x, labels, epochs=30, batch_size=2, verbose=0).history
    assert history["loss"][-1] < 0.4 * history["loss"][0]
    assert history["pixel_accuracy"][-1] > 0.8


def test_mixed_float16_step_is_finite(batch, normalization):
    keras.config.set_dtype_policy("mixed_float16")
    model = MFAFNet(num_classes=4, preset="tiny", normalization=normalization)
    model.compile(run_eagerly=True)
    assert isinstance(model.optimizer, keras.optimizers.LossScaleOptimizer)
    x, labels = batch
    logs = model.train_on_batch(x, labels, return_dict=True)
    assert np.isfinite(logs["loss"])
    logits = model(x)
    assert keras.backend.standardize_dtype(logits.dtype) == "float32"
    assert np.all(np.isfinite(np.asarray(logits)))


def _two_step_losses(strategy, x, labels):
    with strategy.scope():
        keras.utils.set_random_seed(0)
        # The MMD of each replica's half batch is not the MMD of the whole
        # batch, so the alignment loss is left out of this comparison; the
        # per-stream loss (on by default) is in it.
        model = MFAFNet(num_classes=4, preset="tiny", alignment="none", synchronized_bn=True)
        model.compile(optimizer=keras.optimizers.SGD(0.05), metrics=[], run_eagerly=True)
    dataset = tf.data.Dataset.from_tensor_slices((x, labels)).batch(2, drop_remainder=True).repeat(2)
    return model.fit(dataset, epochs=2, steps_per_epoch=1, verbose=0).history["loss"]


@pytest.mark.slow
def test_mirrored_strategy_matches_single_device(batch):
    x, labels = batch
    # SAR nodata where the labels are 255 too: with a SAR validity channel that is
    # 1 everywhere, BatchNormalization divides float rounding by a zero variance,
    # and the per-stream loss's gradients then differ by a few % between devices.
    x = {**x, "sar": x["sar"].copy()}
    x["sar"][:, :2, :2] = np.nan
    single = _two_step_losses(tf.distribute.get_strategy(), x, labels)
    mirrored_strategy = strategy.mirrored_strategy(["/cpu:0", "/cpu:1"])
    assert mirrored_strategy.num_replicas_in_sync == 2
    mirrored = _two_step_losses(mirrored_strategy, x, labels)
    assert single[1] < single[0]  # the second step sees updated weights
    np.testing.assert_allclose(mirrored, single, rtol=2e-4)
