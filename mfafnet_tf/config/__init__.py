"""Experiment recipes: dataclass configs loaded from YAML with overrides."""

from mfafnet_tf.config.experiment_config import ExperimentConfig
from mfafnet_tf.config.loading import load_config, write_config

__all__ = ["ExperimentConfig", "load_config", "write_config"]
