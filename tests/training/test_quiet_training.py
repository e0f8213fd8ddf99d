"""A short training run gives Keras no reason to warn about running out of data."""

import warnings

from mfafnet_tf.config import load_config
from mfafnet_tf.data import make_dataset, read_index
from mfafnet_tf.training import train


def test_validation_pipeline_knows_its_length(tiny_recipe):
    tile_dir = load_config(tiny_recipe).data.tile_dir
    patches = read_index(tile_dir)["splits"]["val"]["patches"]
    assert patches % 3                               # the last batch is partial
    assert int(make_dataset(tile_dir, "val", 3).cardinality()) == -(-patches // 3)
    assert int(make_dataset(tile_dir, "val", 3, drop_remainder=True).cardinality()) == patches // 3


def test_short_training_does_not_run_out_of_data(tiny_recipe, tmp_path):
    config = load_config(tiny_recipe, ["train.epochs=2"])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        train(config, str(tmp_path / "run"))
    messages = [str(warning.message) for warning in caught]
    assert not [m for m in messages if "ran out of data" in m], messages
