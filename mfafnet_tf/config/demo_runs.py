"""The demo's runs: MFAFNet-tiny and the UNet baselines on one recipe (bench/ reuses them)."""

import os

from mfafnet_tf.errors import ConfigError

DEFAULT_RECIPE = os.path.join("recipes", "synthetic_demo.yaml")
# The paper's baselines, made comparable in size to MFAFNet-tiny (UNet widths
# 16..128 instead of 64..1024) so that the demo stays fast and fair.
BASELINE_WIDTHS = "model.widths=[16, 32, 64, 128]"
# Training without the recipe's missing-data dropout (cloud, SAR gaps, modality).
NO_DROPOUT = ["data.cloud_dropout=0.0", "data.sar_gap_dropout=0.0", "data.modality_dropout=0.0"]
EARLY_FUSION = ["model.name=unet", "model.modalities=[optical, sar]", BASELINE_WIDTHS]
# Each baseline at its best: the early-fusion UNet has no validity channels, so
# the dropout only corrupts its inputs on clear data (unet_optical_sar trains
# without it); under clouds its dropout run (unet_optical_sar_dropout) is the
# one trained for missing data. Single-modality UNets ignore the dropout.
RUNS = {
    "mfafnet_tiny": [],
    "unet_sar": ["model.name=unet", "model.modalities=[sar]", BASELINE_WIDTHS],
    "unet_optical": ["model.name=unet", "model.modalities=[optical]", BASELINE_WIDTHS],
    "unet_optical_sar": [*EARLY_FUSION, *NO_DROPOUT],
    "unet_optical_sar_dropout": EARLY_FUSION,
}


def demo_recipe(recipe):
    """The recipe path: given, else in the working directory, else the repository's."""
    if recipe:
        return recipe
    if os.path.exists(DEFAULT_RECIPE):
        return DEFAULT_RECIPE
    beside_package = os.path.join(
        os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
        DEFAULT_RECIPE,
    )
    if os.path.exists(beside_package):
        return beside_package
    raise ConfigError(f"--recipe: {DEFAULT_RECIPE} not found; give the demo recipe's path")


def demo_configs(recipe, out, overrides=()):
    """The run configs of the demo (``RUNS``), their data under ``<out>/data``."""
    from mfafnet_tf.config import load_config

    data = os.path.join(out, "data", "synthetic")
    shared = [
        f"data.root={data}",
        f"data.tile_dir={os.path.join(data, 'tiles')}",
        f"data.split_file={os.path.join(data, 'split.txt')}",
    ]
    configs = {}
    for name, model in RUNS.items():
        configs[name] = load_config(recipe, [f"name={name}", *shared, *model, *overrides])
    return configs
