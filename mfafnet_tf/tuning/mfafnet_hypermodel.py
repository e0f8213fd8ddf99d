"""KerasTuner hypermodel over MFAFNet's architecture and optimizer settings (the optimizer's for other models)."""

import keras_tuner
import tensorflow as tf

from mfafnet_tf.errors import ConfigError, MfafnetError
from mfafnet_tf.training.data_setup import build_datasets, prepare_data, steps_per_epoch
from mfafnet_tf.training.model_building import build_model, compile_model
from mfafnet_tf.tuning.search_space import OPTIMIZER_NAMES, apply_overrides, declare, to_overrides


class MFAFNetHyperModel(keras_tuner.HyperModel):
    """Builds, compiles and trains MFAFNet for one set of hyperparameters.

    The search space is the recipe's ``tune.space`` (see
    ``mfafnet_tf.tuning.search_space``). Each trial applies its values to a
    copy of the recipe and builds and compiles the model exactly as
    ``mfafnet train`` would; ``fit`` trains on the recipe's tiled data with
    its batch size and epochs unless data or epochs are given.

    ```python
    tuner = keras_tuner.Hyperband(
        MFAFNetHyperModel(load_config("recipes/synthetic_demo.yaml")),
        objective=keras_tuner.Objective("val_mean_iou", "max"),
        max_epochs=9, directory="runs/tune")
    tuner.search()
    ```

    For a recipe of another model (a UNet baseline, CMX, MCANet) only the
    optimizer's entries of the space (``learning_rate``, ``weight_decay``) are
    searched: the other entries are MFAFNet's options.

    Args:
        config: ``ExperimentConfig`` of a recipe.
        dataset_info: ``DatasetInfo`` of its tiled data; ``None`` prepares
            the data (synthesizing, tiling, statistics as the recipe says) on
            first use.
        name: Name of the hypermodel.

    Raises:
        ConfigError: The recipe searches the preset while it sets the widths.
    """

    def __init__(self, config, dataset_info=None, name="mfafnet"):
        space = config.tune.space
        self.names = None if config.model.name == "mfafnet" else OPTIMIZER_NAMES
        if self.names is None and space.preset.search and (
            config.model.widths or space.widths.search or space.widths.default is not None
        ):
            raise ConfigError(
                "tune.space.preset: searching the preset has no effect while the widths "
                "are set (model.widths or tune.space.widths override the preset's); "
                "pin one of them (search: false)"
            )
        super().__init__(name=name)
        self.config = config
        self.dataset_info = dataset_info

    def values(self, hp):
        """Declares the search space on ``hp``; returns its decoded values."""
        return declare(hp, self.config.tune.space, self.names)

    def overrides(self, hp):
        """The nested recipe overrides (``--override-file`` shape) of ``hp``."""
        return to_overrides(self.values(hp))

    def trial_config(self, hp):
        """The recipe with the hyperparameters of ``hp`` applied."""
        return apply_overrides(self.config, self.overrides(hp))

    def build(self, hp):
        """Builds and compiles the model of ``hp`` in the current strategy scope.

        Raises:
            ConfigError: The values of ``hp`` make an invalid recipe (also a
                KerasTuner ``FatalError``, so the search stops instead of
                failing trial after trial).
        """
        try:
            config = self.trial_config(hp)
            info = self._info()
            steps = steps_per_epoch(config, info)
            replicas = tf.distribute.get_strategy().num_replicas_in_sync
            model = build_model(config, info, synchronized_bn=replicas > 1)
        except MfafnetError as error:
            raise _SearchSpaceError(f"hyperparameters {hp.values}: {error}") from error
        return compile_model(model, config, steps)

    def fit(self, hp, model, *args, **kwargs):
        """Trains ``model``; returns its ``History``.

        Without data arguments it trains on the recipe's training split and
        validates on its validation split, batched by the trial's
        ``train.batch_size``, for ``train.steps_per_epoch`` and
        ``train.validation_steps``. ``epochs`` defaults to ``train.epochs``
        (Hyperband passes its own).
        """
        config = self.trial_config(hp)
        if not args and "x" not in kwargs:
            strategy = model.distribute_strategy
            multi_worker = isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy)
            train, validation, steps = build_datasets(
                config, self._info(), strategy.num_replicas_in_sync, multi_worker
            )
            args = (train,)
            kwargs.setdefault("validation_data", validation)
            kwargs.setdefault("steps_per_epoch", steps)
            kwargs.setdefault("validation_steps", config.train.validation_steps)
            kwargs.setdefault("shuffle", False)  # the tf.data pipeline shuffles
        kwargs.setdefault("epochs", config.train.epochs)
        kwargs.setdefault("verbose", config.runtime.verbose)
        return model.fit(*args, **kwargs)

    def _info(self):
        if self.dataset_info is None:
            self.dataset_info = prepare_data(self.config)
        return self.dataset_info


class _SearchSpaceError(keras_tuner.errors.FatalError, ConfigError):
    """A trial's values make an invalid recipe: stops the search, reported cleanly."""
