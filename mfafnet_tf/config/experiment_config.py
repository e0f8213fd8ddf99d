"""A whole recipe: every section of an experiment."""

import dataclasses

from mfafnet_tf.config.data_config import DataConfig
from mfafnet_tf.config.model_config import ModelConfig
from mfafnet_tf.config.runtime_config import RuntimeConfig
from mfafnet_tf.config.task_config import TaskConfig
from mfafnet_tf.config.train_config import TrainConfig
from mfafnet_tf.config.tune_config import TuneConfig


@dataclasses.dataclass
class ExperimentConfig:
    """The resolved configuration of one experiment (what a recipe describes).

    Attributes:
        name: Run name used in comparison tables (e.g. ``mfafnet_tiny``).
    """

    name: str = "experiment"
    task: TaskConfig = dataclasses.field(default_factory=TaskConfig)
    model: ModelConfig = dataclasses.field(default_factory=ModelConfig)
    data: DataConfig = dataclasses.field(default_factory=DataConfig)
    train: TrainConfig = dataclasses.field(default_factory=TrainConfig)
    runtime: RuntimeConfig = dataclasses.field(default_factory=RuntimeConfig)
    tune: TuneConfig = dataclasses.field(default_factory=TuneConfig)
