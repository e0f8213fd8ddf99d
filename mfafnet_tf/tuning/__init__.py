"""KerasTuner hyperparameter search over MFAFNet: hypermodel and search driver."""

from mfafnet_tf.tuning.mfafnet_hypermodel import MFAFNetHyperModel
from mfafnet_tf.tuning.search import make_tuner, run_search

__all__ = ["MFAFNetHyperModel", "make_tuner", "run_search"]
