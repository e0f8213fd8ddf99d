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


def test_cmx_trains_at_its_own_learning_rate():
    demo = load_config(os.path.join(RECIPES, "synthetic_demo.yaml"))
    cmx = load_config(os.path.join(RECIPES, "synthetic_demo.yaml"), leaderboard.MODELS["cmx_b0"])
    mfafnet = load_config(os.path.join(RECIPES, "synthetic_demo.yaml"), leaderboard.MODELS["mfafnet_small"])
    assert cmx.train.learning_rate == 0.0005
    assert mfafnet.train.learning_rate == demo.train.learning_rate == 0.004
