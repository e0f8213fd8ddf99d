"""MFAFNet: shapes for any size, saving, config, options, alignment loss."""

import json

import keras
import numpy as np
import pytest
import tensorflow as tf

from mfafnet_tf.errors import ConfigError
from mfafnet_tf.models import MFAFNet


def test_odd_size_logits_match_input(normalization):
    model = MFAFNet(num_classes=3, preset="tiny", normalization=normalization)
    x = {
        "optical": np.random.default_rng(0).uniform(0, 255, (1, 250, 333, 4)).astype("float32"),
        "sar": np.full((1, 250, 333, 1), 0.1, "float32"),
    }
    x["optical"][0, 100:120, 50:70] = np.nan
    logits = model(x)
    assert tuple(logits.shape) == (1, 250, 333, 3)
    assert keras.backend.standardize_dtype(logits.dtype) == "float32"
    assert np.all(np.isfinite(np.asarray(logits)))


def test_save_load_gives_identical_outputs(tmp_path, batch, normalization):
    names = ["water", "forest", "city", "road"]
    model = MFAFNet(num_classes=4, preset="tiny", normalization=normalization, class_names=names)
    model.compile()
    x, _ = batch
    for _ in range(3):
        model(x, training=True)  # moves the BN statistics off their initial values
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert isinstance(loaded, MFAFNet)
    assert loaded.class_names == names
    assert loaded.normalization["sar"]["transform"] == "db"
    np.testing.assert_array_equal(np.asarray(loaded(x)), np.asarray(model(x)))
    assert loaded.compiled and isinstance(loaded.optimizer, keras.optimizers.AdamW)


def test_config_round_trip_through_json():
    model = MFAFNet(
        num_classes=5, preset="tiny", fusion="concat", alignment_weight=0.3, class_names=list("abcde")
    )
    config = json.loads(json.dumps(model.get_config()))
    clone = MFAFNet.from_config(config)
    assert clone.get_config() == model.get_config()
    assert clone.count_params() == model.count_params()
    assert config["widths"] == [16, 32, 64, 128] and config["fusion"] == "concat"


def test_presets_set_widths():
    tiny = MFAFNet(preset="tiny")
    small = MFAFNet(preset="small")
    assert tiny.get_layer("optical_down_3").filters == 128
    assert small.get_layer("optical_down_3").filters == 256
    assert small.count_params() > 3 * tiny.count_params()


def test_unknown_override_names_it_and_the_valid_ones():
    with pytest.raises(ConfigError, match=r"'widht'.*valid options.*'widths'"):
        MFAFNet(preset="tiny", widht=(8, 16, 32, 64))
    with pytest.raises(ConfigError, match="fusion"):
        MFAFNet(preset="tiny", fusion="product")
    with pytest.raises(ConfigError, match="preset"):
        MFAFNet(preset="huge")
    with pytest.raises(ConfigError, match="sr_ratios"):
        MFAFNet(preset="tiny", sr_ratios=(8, 4))


def test_alignment_loss_is_in_losses_finite_with_gradients(batch):
    model = MFAFNet(num_classes=4, preset="tiny", alignment_tokens=64)
    x, _ = batch
    with tf.GradientTape() as tape:
        model(x, training=True)
        (loss,) = model.losses
    assert np.isfinite(float(loss)) and float(loss) > 0
    encoder = [w for w in model.trainable_weights if w.path.startswith(("optical_fdm_3", "sar_fdm_3"))]
    projection = model.get_layer("alignment").trainable_weights
    grads = tape.gradient(loss, encoder + projection)
    assert all(g is not None and np.any(np.asarray(g)) for g in grads)


def test_alignment_none_adds_no_loss(batch):
    model = MFAFNet(num_classes=4, preset="tiny", alignment="none")
    model(batch[0])
    assert model.losses == []


def test_shared_encoder_weights_reduce_parameters():
    separate = MFAFNet(preset="tiny")
    shared = MFAFNet(preset="tiny", share_encoder_weights=True)
    sar_only = [f"sar_fdm_{i}" for i in range(4)] + [f"sar_down_{i}" for i in range(1, 4)]
    saved = sum(separate.get_layer(name).count_params() for name in sar_only)
    assert separate.count_params() - shared.count_params() == saved
    shared.get_layer("sar_down_0")  # the first downsampling stays per modality
    with pytest.raises(ValueError):
        shared.get_layer("sar_fdm_2")


def test_synchronized_bn_option():
    model = MFAFNet(preset="tiny", synchronized_bn=True)
    norms = [l for l in model._flatten_layers() if isinstance(l, keras.layers.BatchNormalization)]
    assert norms and all(n.synchronized for n in norms)


def test_compile_defaults_and_overrides():
    model = MFAFNet(num_classes=6, preset="tiny")
    model.compile()
    assert isinstance(model.optimizer, keras.optimizers.AdamW)
    assert np.isclose(float(model.optimizer.learning_rate), 1e-3)
    assert np.isclose(model.optimizer.weight_decay, 1e-4)
    assert model.jit_compile is False
    assert type(model.loss).__name__ == "SegmentationCrossEntropy" and model.loss.ignore_class == 255
    model.compile(optimizer=keras.optimizers.SGD(0.1), jit_compile=True)
    assert isinstance(model.optimizer, keras.optimizers.SGD) and model.jit_compile is True
    assert type(model.loss).__name__ == "SegmentationCrossEntropy"


def test_full_resolution_skip_feeds_the_normalized_inputs_to_the_head():
    with_skip = MFAFNet(num_classes=3, preset="tiny", full_resolution_stem=0)
    without = MFAFNet(num_classes=3, preset="tiny", full_resolution_skip=False)
    assert without.options.full_resolution_stem == 0  # the default stems need the skip
    head_inputs = lambda model: model.get_layer("head_conv").kernel.shape[2]  # noqa: E731
    # Optical and SAR bands, each with its validity channel.
    assert head_inputs(with_skip) == head_inputs(without) + (4 + 1) + (1 + 1)
    assert "head_concat" not in [layer.name for layer in without.layers]


def test_full_resolution_stem_replaces_the_inputs_in_the_head_and_has_stream_heads():
    plain = MFAFNet(num_classes=3, preset="tiny", full_resolution_stem=0)
    model = MFAFNet(num_classes=3, preset="tiny", full_resolution_stem=8)
    # Default width: the first level's.
    assert MFAFNet(num_classes=3, preset="tiny").get_layer("sar_stem_conv_0").kernel.shape[-1] == 16
    head_inputs = lambda m: m.get_layer("head_conv").kernel.shape[2]  # noqa: E731
    # 8 stem features per modality instead of its bands and validity channel.
    assert head_inputs(model) == head_inputs(plain) - (4 + 1) - (1 + 1) + 2 * 8
    assert model.get_layer("optical_stem_conv_0").kernel.shape == (3, 3, 4 + 1, 8)
    assert model.get_layer("sar_stem_conv_1").kernel.shape == (3, 3, 8, 8)
    # With stream supervision each stem gets a classifier at stride 1.
    assert list(model.all_weather.strides.values()) == [1, 1] + list(plain.all_weather.strides.values())
    assert "optical_stem_classifier" in [layer.name for layer in model._supervised.layers]
    unsupervised = MFAFNet(num_classes=3, preset="tiny", full_resolution_stem=8, stream_supervision=0.0)
    assert not unsupervised.all_weather.strides
    assert unsupervised._auxiliary_names == ["optical_fallback", "optical_input", "sar_fallback", "sar_input"]
    config = model.get_config()
    assert config["full_resolution_stem"] == 8
    del config["full_resolution_stem"]  # as saved before the option existed
    assert "optical_stem_conv_0" not in [layer.name for layer in MFAFNet.from_config(config).layers]
    with pytest.raises(ConfigError, match="full_resolution_skip"):
        MFAFNet(preset="tiny", full_resolution_stem=8, full_resolution_skip=False)
    with pytest.raises(ConfigError, match="full_resolution_stem"):
        MFAFNet(preset="tiny", full_resolution_stem=-1)


def test_validity_channels_are_on_by_default_and_off_for_older_configs():
    model = MFAFNet(num_classes=3, preset="tiny")
    assert model.get_layer("optical_normalization").validity
    assert model.get_layer("sar_normalization").validity
    first_conv = lambda m: m.get_layer("optical_down_0").conv.kernel.shape  # noqa: E731
    config = model.get_config()
    # As saved before the options existed.
    del config["validity_channels"], config["fallback_decoders"]
    older = MFAFNet.from_config(config)
    assert not older.get_layer("optical_normalization").validity
    assert first_conv(model)[-2] == first_conv(older)[-2] + 4  # one more band in each Haar subband


def test_mmd_kernel_settings_reach_the_alignment_layer():
    model = MFAFNet(num_classes=3, preset="tiny", alignment_kernels=5, alignment_kernel_multiplier=1.5)
    alignment = model.get_layer("alignment")
    assert (alignment.num_kernels, alignment.kernel_multiplier) == (5, 1.5)
    restored = MFAFNet.from_config(json.loads(json.dumps(model.get_config())))
    assert restored.get_layer("alignment").num_kernels == 5


def test_head_width_and_blocks_and_the_older_head():
    model = MFAFNet(num_classes=3, preset="tiny", head_blocks=2)
    # Default width: the first level's; the second block takes the first's output.
    assert model.get_layer("head_conv").kernel.shape[-1] == 16
    assert model.get_layer("head_conv_1").kernel.shape[2:] == (16, 16)
    narrow = MFAFNet(num_classes=3, preset="tiny", head_width=8)
    assert narrow.get_layer("head_upsampling").filters == 8
    assert "head_conv_1" not in [layer.name for layer in narrow.layers]
    config = model.get_config()
    del config["head_width"], config["head_blocks"]  # as saved before the options existed
    older = MFAFNet.from_config(config)
    assert older.get_layer("head_conv").kernel.shape[-1] == 8
    assert "head_conv_1" not in [layer.name for layer in older.layers]
    with pytest.raises(ConfigError, match="head_blocks"):
        MFAFNet(preset="tiny", head_blocks=0)



def test_all_weather_false_is_the_paper_network_alone():
    paper = MFAFNet(num_classes=3, preset="tiny", all_weather=False)
    names = {layer.name for layer in paper.layers}
    assert paper.all_weather is None and paper._supervised is None
    assert not paper.get_layer("optical_normalization").validity
    assert not names & {"head_concat", "validity_gate", "optical_stem_conv_0", "sar_fallback_classifier"}
    options = paper.options
    assert (options.full_resolution_skip, options.validity_channels, options.full_resolution_stem,
            options.stream_supervision, options.fallback_decoders) == (False, False, 0, 0.0, 0.0)
    # Beyond the backbone: the reconstruction decoder, the head and the crop only.
    backbone = {layer.name for layer in paper.backbone.layers}
    assert names - backbone == {
        *(f"reconstruction_{i}" for i in range(4)), *(f"upsampling_{i}" for i in range(3)),
        "head_upsampling", "head_conv", "head_norm", "head_relu", "classifier", "logits"}
    restored = MFAFNet.from_config(json.loads(json.dumps(paper.get_config())))
    assert restored.all_weather is None and restored.count_params() == paper.count_params()
    # An addition can still be asked for on top of the paper's network.
    assert MFAFNet(preset="tiny", all_weather=False, stream_supervision=0.5).all_weather.strides


def test_backbone_outputs_per_level_features_and_its_config_round_trips(batch):
    from mfafnet_tf.models import MFAFNetBackbone

    backbone = MFAFNetBackbone(widths=(8, 16, 16, 32), num_heads=(1, 1, 2, 2), alignment_tokens=64,
                               validity_channels=True)
    x, _ = batch
    features = backbone(x)
    size = x["optical"].shape[1]
    for key in ("optical", "sar", "fused"):
        assert [tuple(f.shape[1:]) for f in features[key]] == [
            (size // 2 ** (i + 1), size // 2 ** (i + 1), w) for i, w in enumerate((8, 16, 16, 32))]
    assert features["optical_input"].shape[-1] == 4 + 1 and features["sar_input"].shape[-1] == 1 + 1
    assert len(backbone.losses) == 1  # the alignment loss
    config = json.loads(json.dumps(backbone.get_config()))
    assert MFAFNetBackbone.from_config(config).get_config() == backbone.get_config()
    with pytest.raises(ConfigError, match="fusion"):
        MFAFNetBackbone(fusion="product")


def test_unknown_option_suggests_the_closest_name():
    with pytest.raises(ConfigError, match="did you mean stream_supervision"):
        MFAFNet(preset="tiny", stream_supervison=0.5)
