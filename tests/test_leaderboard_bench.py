"""bench/leaderboard.py: its rows are the shipped recipes' models, trained as those recipes say."""

import os
import sys

import pytest

from mfafnet_tf.config import load_config

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "bench"))
leaderboard = pytest.importorskip("leaderboard")
RECIPES = os.path.join(os.path.dirname(__file__), "..", "recipes")


@pytest.mark.parametrize("profile", ["synthetic_demo", "synthetic_realistic"])
@pytest.mark.parametrize("peer", ["cmx", "mcanet"])
def test_peer_rows_train_as_the_shipped_peer_recipes(profile, peer):
    shipped = load_config(os.path.join(RECIPES, f"{profile}_{peer}.yaml"))
    row = {"cmx": "cmx_b0", "mcanet": "mcanet_50"}[peer]
    bench = load_config(os.path.join(RECIPES, f"{profile}.yaml"), leaderboard.MODELS[row])
    assert bench.model.name == shipped.model.name == peer
    assert bench.model.options == shipped.model.options
    assert bench.train == shipped.train
    assert bench.data == shipped.data


@pytest.mark.parametrize("row", sorted(leaderboard.MODELS))
def test_every_row_trains_with_the_recipes_own_training_settings(row):
    recipe = os.path.join(RECIPES, "synthetic_demo.yaml")
    assert load_config(recipe, leaderboard.MODELS[row]).train == load_config(recipe).train
