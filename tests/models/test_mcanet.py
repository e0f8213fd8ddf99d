"""MCANet: shapes, the MCAM formula, layer configs, saving, training, sizes."""

import json

import keras
import numpy as np
import pytest

from mfafnet_tf.errors import ConfigError
from mfafnet_tf.models.mcanet import ASPP, MCANet, MCANetBackbone, MultimodalCrossAttention


@pytest.fixture(scope="module")
def model18():
    return MCANet(4, depth=18, class_names=list("abcd"), name="mcanet18")


def _softmax(x):
    e = np.exp(x - x.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def _mcam_reference(layer, optical, sar):
    """MCAM in numpy: S = softmax(Q_o K_o^T / sqrt d) * softmax(Q_s K_s^T / sqrt d) with rows
    renormalized to 1, W(S V_o + S V_s)."""
    weights = {w.path.split("/", 1)[1]: np.asarray(w) for w in layer.weights}
    b, h, w, _ = optical.shape

    def project(x, name):
        y = x.reshape(b, h * w, -1) @ weights[f"{name}/kernel"]
        return y + weights.get(f"{name}/bias", 0.0)

    maps = []
    for m, x in (("optical", optical), ("sar", sar)):
        q, k = project(x, f"{m}_query"), project(x, f"{m}_key")
        maps.append(_softmax(q @ k.transpose(0, 2, 1) / np.sqrt(q.shape[-1])))
    joint = maps[0] * maps[1]
    joint /= joint.sum(-1, keepdims=True)
    attended = joint @ project(optical, "optical_value") + joint @ project(sar, "sar_value")
    return (attended @ weights["output/kernel"] + weights["output/bias"]).reshape(b, h, w, -1)


def test_mcam_matches_the_formula_and_is_symmetric_in_the_modalities():
    rng = np.random.default_rng(1)
    optical, sar = rng.normal(size=(2, 2, 5, 3, 8)).astype("float32")
    layer = MultimodalCrossAttention()
    fused = np.asarray(layer([optical, sar]))
    assert fused.shape == (2, 5, 3, 8) and layer.projections["optical_query"].units == 4
    np.testing.assert_allclose(fused, _mcam_reference(layer, optical, sar), rtol=1e-4, atol=1e-5)
    # Swapping the inputs changes the result unless the modalities' weights swap too.
    swapped = MultimodalCrossAttention()
    swapped.build([optical.shape, sar.shape])
    swapped.output_projection.set_weights(layer.output_projection.get_weights())
    for role in ("query", "key", "value"):
        for a, b in (("optical", "sar"), ("sar", "optical")):
            swapped.projections[f"{a}_{role}"].set_weights(layer.projections[f"{b}_{role}"].get_weights())
    np.testing.assert_allclose(np.asarray(swapped([sar, optical])), fused, rtol=1e-4, atol=1e-5)
    assert not np.allclose(np.asarray(layer([sar, optical])), fused, atol=1e-3)


@pytest.mark.parametrize("layer, shapes", [
    (MultimodalCrossAttention(reduction=4, name="mcam"), [(2, 4, 4, 8), (2, 4, 4, 8)]),
    (ASPP(8, rates=(1, 2, 3), dropout=0.2, name="aspp"), (2, 6, 5, 12)),
])
def test_layer_json_config_round_trip(layer, shapes):
    rng = np.random.default_rng(2)
    x = ([rng.normal(size=s).astype("float32") for s in shapes] if isinstance(shapes, list)
         else rng.normal(size=shapes).astype("float32"))
    expected = np.asarray(layer(x))
    config = json.loads(json.dumps(keras.saving.serialize_keras_object(layer)))
    clone = keras.saving.deserialize_keras_object(config)  # built from its build config
    assert clone.built and clone.get_config() == layer.get_config()
    clone.set_weights(layer.get_weights())
    np.testing.assert_allclose(np.asarray(clone(x)), expected, rtol=1e-5, atol=1e-6)
    output_shape = shapes[0] if isinstance(shapes, list) else shapes[:-1] + (8,)
    assert tuple(layer.compute_output_shape(shapes)) == output_shape == expected.shape


def test_odd_sizes_and_nodata_give_finite_logits(model18, batch):
    x, _ = batch
    logits = model18({m: x[m][:, :30, :27] for m in x})
    assert tuple(logits.shape) == (2, 30, 27, 4) and logits.dtype == "float32"
    assert np.all(np.isfinite(np.asarray(logits)))


def test_backbone_levels(normalization, batch):
    backbone = MCANetBackbone(4, 1, depth=18, normalization=normalization)
    x, _ = batch
    features = backbone({m: x[m][:, :30, :27] for m in x})
    assert sorted(features) == ["fused", "optical", "sar"]
    for key in features:
        low, high = (tuple(f.shape) for f in features[key])
        assert (low, high) == ((2, 8, 8, 64), (2, 2, 2, 512))
    assert backbone.get_layer("sar_stem_conv").kernel.shape[2] == 1
    assert backbone.get_layer("optical_stem_conv").kernel.shape[2] == 4
    assert MCANetBackbone.from_config(backbone.get_config()).get_config() == backbone.get_config()


def test_training_step_moves_every_weight_then_save_and_load(model18, batch, tmp_path):
    model18.compile(run_eagerly=True)
    x, labels = batch
    before = [w.numpy() for w in model18.trainable_weights]
    logs = model18.train_on_batch(x, labels, return_dict=True)
    assert np.isfinite(logs["loss"]) and set(logs) >= {"mean_iou", "pixel_accuracy"}
    unchanged = [w.path for w, b in zip(model18.trainable_weights, before) if np.array_equal(w.numpy(), b)]
    assert not unchanged
    path = tmp_path / "mcanet.keras"
    model18.save(path)
    loaded = keras.saving.load_model(path)
    assert isinstance(loaded, MCANet) and loaded.get_config() == model18.get_config()
    assert MCANet.from_config(model18.get_config()).get_config() == model18.get_config()
    np.testing.assert_array_equal(np.asarray(loaded(x)), np.asarray(model18(x)))


def test_parameter_counts():
    # Two torchvision ResNet-18 trunks without the classifier (11.2 M each), MCAM
    # (0.9 M at 512 channels) and ASPP over the 3 x 512 concatenated channels (11.4 M).
    assert 34e6 < MCANet(7, depth=18).count_params() < 38e6
    # The paper's network: two ResNet-101 trunks (42.5 M each), MCAM at 2048 channels
    # (14.7 M), ASPP over 3 x 2048 channels (45.9 M) and the decoder (1.4 M).
    model = MCANet(7, depth=101)
    fusion = sum(model.backbone.get_layer(f"{level}_fusion").count_params() for level in ("low", "high"))
    assert 84e6 < model.backbone.count_params() - fusion < 86e6
    assert 140e6 < model.count_params() < 155e6


def test_bad_depth_is_a_config_error():
    with pytest.raises(ConfigError, match=r"depth: expected one of \[18, 34, 50, 101\]"):
        MCANet(3, depth=152)
    with pytest.raises(ConfigError, match="depth"):
        MCANetBackbone(depth=20)


def test_traces_with_unknown_tile_sizes_as_whole_scene_prediction_does(batch):
    import tensorflow as tf

    model = MCANet(3, depth=18)
    specs = {m: tf.TensorSpec((None, None, None, model.input[m].shape[-1])) for m in model.input}
    traced = tf.function(lambda x: model(x, training=False), input_signature=[specs])
    x = {m: batch[0][m][:, :30, :27] for m in ("optical", "sar")}
    np.testing.assert_allclose(traced(x).numpy(), np.asarray(model(x, training=False)), rtol=1e-4, atol=1e-5)


def test_the_cross_attention_keeps_its_maps_in_float32_under_mixed_precision():
    keras.config.set_dtype_policy("mixed_float16")
    layer = MultimodalCrossAttention(name="mcam")
    rng = np.random.default_rng(0)
    # 96 x 96 positions and near-uniform maps: the product of two softmax entries
    # (~1/9216 each) is about 1e-8, below float16's smallest value (6e-8).
    optical, sar = (0.01 * rng.normal(size=(1, 96, 96, 8)).astype("float32") for _ in range(2))
    mixed = np.asarray(layer([optical, sar]), "float32")
    keras.config.set_dtype_policy("float32")
    exact = MultimodalCrossAttention(name="mcam")
    exact.build([optical.shape, sar.shape])
    exact.set_weights(layer.get_weights())
    expected = np.asarray(exact([optical, sar]))
    scale = np.abs(expected).max()
    assert scale > 0
    np.testing.assert_allclose(mixed / scale, expected / scale, atol=0.02)


def test_batch_norms_keep_pytorch_defaults_like_the_reference(model18):
    # torchvision's ResNet and DeepLabV3+ train with BatchNorm2d's defaults; with
    # Keras' momentum 0.99 the moving statistics lag a from-scratch run so far that
    # its validation loss was 1.8e7 after 100 steps.
    norms = [layer for layer in model18._flatten_layers()
             if isinstance(layer, keras.layers.BatchNormalization)]
    # Per stream the stem, 2 x 8 block convolutions, 3 shortcuts; ASPP 6; decoder 2; low level 1.
    assert len(norms) == 2 * 20 + 6 + 2 + 1
    assert {(norm.momentum, norm.epsilon) for norm in norms} == {(0.9, 1e-5)}
