"""`mfafnet tune` end to end: a 2-trial search, its best file in training, resuming."""

import contextlib
import io
import json
import os
import shutil

import keras_tuner
import pytest
import tensorflow as tf
import yaml

from mfafnet_tf.cli.main import main
from mfafnet_tf.config import load_config
from mfafnet_tf.tuning import MFAFNetHyperModel, make_tuner, run_search

pytestmark = pytest.mark.slow


def _tune(recipe, out, *extra):
    """Runs `mfafnet tune` in this process; returns (exit code, stdout)."""
    stdout = io.StringIO()
    with contextlib.redirect_stdout(stdout):
        code = main(["tune", "--recipe", recipe, "--out", str(out), "--tuner", "random", *extra])
    return code, stdout.getvalue()


def _trial_files(project):
    names = sorted(name for name in os.listdir(project) if name.startswith("trial_"))
    return {
        name: open(os.path.join(project, name, "trial.json"), encoding="utf-8").read()
        for name in names
    }


def _leaves(mapping, prefix=""):
    for key, value in mapping.items():
        if isinstance(value, dict):
            yield from _leaves(value, f"{prefix}{key}.")
        else:
            yield f"{prefix}{key}", value


def _lookup(config, dotted):
    node = config
    for part in dotted.split("."):
        node = node[part] if isinstance(node, dict) else getattr(node, part)
    return node


@pytest.fixture(scope="module")
def search(recipe, tmp_path_factory):
    """A finished 2-trial random search (max_trials 2 from the recipe)."""
    out = tmp_path_factory.mktemp("search")
    code, output = _tune(recipe, out)
    return {"out": out, "code": code, "output": output}


def test_search_writes_the_best_hyperparameters_the_tuner_reports(search, recipe):
    assert search["code"] == 0
    best_path = search["out"] / "best_overrides.yaml"
    best = yaml.safe_load(best_path.read_text(encoding="utf-8"))
    config = load_config(recipe)
    hypermodel = MFAFNetHyperModel(config)
    tuner = make_tuner(hypermodel, config.tune, str(search["out"]), "random", 2)
    trials = tuner.oracle.trials
    assert sorted(trials) == ["0", "1"]
    assert all(trial.status == "COMPLETED" for trial in trials.values())
    best_trial = tuner.oracle.get_best_trials(1)[0]
    assert best_trial.score == max(trial.score for trial in trials.values())
    assert best == hypermodel.overrides(tuner.get_best_hyperparameters(1)[0])
    # Searched and pinned values, nested the way --override-file expects.
    assert best["model"]["widths"] == [8] and best["model"]["preset"] == "tiny"
    assert best["model"]["options"]["low_freq_ratios"] in ([0.25], [0.5])
    assert best["model"]["options"]["alignment"] in ("gaussian_mmd", "linear_mmd")
    assert 1e-4 <= best["train"]["learning_rate"] <= 3e-3
    # The summary table: one row per trial, the best one marked, with its score.
    rows = search["output"].split("val_mean_iou", 1)[1].splitlines()
    assert f"{best_trial.trial_id} *" in "\n".join(rows)
    for trial in trials.values():
        row = next(line for line in rows if line.startswith(trial.trial_id))
        assert "COMPLETED" in row and f"{trial.score:.4f}" in row
        assert f"learning_rate={trial.hyperparameters.values['learning_rate']:.4g}" in row


def test_best_file_round_trips_into_a_training_run(search, recipe, tmp_path):
    from mfafnet_tf.training import train

    best_path = search["out"] / "best_overrides.yaml"
    best = dict(_leaves(yaml.safe_load(best_path.read_text(encoding="utf-8"))))
    config = load_config(recipe, override_files=[best_path])
    for key, value in best.items():
        assert _lookup(config, key) == value, key
    model, history = train(config, str(tmp_path / "run"))
    assert len(history.history["val_mean_iou"]) == 1
    resolved = yaml.safe_load((tmp_path / "run" / "config.yaml").read_text(encoding="utf-8"))
    for key, value in best.items():
        assert _lookup(resolved, key) == value, key
    # The hyperparameters reached the network itself.
    assert model.get_layer("alignment").kernel == best["model.options.alignment"]
    decomposition = model.get_layer("optical_fdm_0")
    assert [decomposition.low_ratio] == best["model.options.low_freq_ratios"]
    assert [decomposition.reduction_ratio] == best["model.options.sr_ratios"]


def test_rerun_resumes_the_search(search, recipe, tmp_path):
    out = tmp_path / "search"
    shutil.copytree(search["out"], out)
    project = out / "random"
    before = _trial_files(project)
    code, output = _tune(recipe, out, "--max-trials", "3")
    assert code == 0
    assert "Reloading Tuner" in output
    after = _trial_files(project)
    assert sorted(after) == ["trial_0", "trial_1", "trial_2"]
    for name, text in before.items():
        assert after[name] == text, f"{name} was run again"
    assert json.loads(after["trial_2"])["status"] == "COMPLETED"
    # Once more, under the recipe's distribution strategy: the budget is spent,
    # nothing is trained again.
    config = load_config(recipe, ["runtime.strategy=mirrored", "runtime.devices=[/cpu:0, /cpu:1]"])
    result = run_search(config, str(out), "random", 3)
    assert result.tuner.distribution_strategy.num_replicas_in_sync == 2
    assert _trial_files(project) == after
    assert (out / "best_overrides.yaml").exists()


def test_bad_tuner_name_is_a_clear_error(recipe, tmp_path, capsys):
    code = main(["tune", "--recipe", recipe, "--out", str(tmp_path), "--tuner", "grid"])
    assert code == 1
    assert "tune.tuner: expected one of hyperband, bayesian, random, found 'grid'" in (
        capsys.readouterr().err
    )


def test_hyperband_from_python(recipe, tmp_path):
    tuner = keras_tuner.Hyperband(
        MFAFNetHyperModel(load_config(recipe)),
        objective=keras_tuner.Objective("val_mean_iou", "max"),
        max_epochs=2, factor=2, seed=1, directory=str(tmp_path),
    )
    tuner.oracle.max_trials = 3
    tuner.search(verbose=0)
    trials = [tuner.oracle.trials[trial_id] for trial_id in tuner.oracle.start_order]
    assert [trial.status for trial in trials] == ["COMPLETED"] * 3
    assert [trial.hyperparameters.values["tuner/epochs"] for trial in trials[:2]] == [1, 1]
    # The third trial continues the better first-round trial for a second epoch.
    resumed = trials[2].hyperparameters.values
    best_first = max(trials[:2], key=lambda trial: trial.score)
    assert resumed["tuner/trial_id"] == best_first.trial_id
    assert (resumed["tuner/initial_epoch"], resumed["tuner/epochs"]) == (1, 2)
    assert resumed["learning_rate"] == best_first.hyperparameters.values["learning_rate"]


def test_models_built_in_a_mirrored_scope_synchronize_batch_norm(recipe):
    strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
    with strategy.scope():
        model = MFAFNetHyperModel(load_config(recipe)).build(keras_tuner.HyperParameters())
    assert model.distribute_strategy is strategy
    assert model.get_layer("head_norm").synchronized
    assert model.get_layer("optical_down_0").synchronized_bn
