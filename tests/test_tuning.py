import json

import numpy as np
import pytest

from lstmkit import Forecaster, InputError, SequenceClassifier
from lstmkit.datasets import load_airpassengers
from lstmkit.tuning import tune

Y = load_airpassengers()[:96]


def test_trial_zero_is_the_defaults_and_the_best_is_no_worse():
    base = Forecaster(hidden_size=8, epochs=15, random_state=0)
    space = {"hidden_size": (4, 16), "lookback": [None, 6], "lr": (1e-3, 1e-2, "log")}
    found = tune(base, Y, space=space, n_trials=4)
    first = found.trials.iloc[0]
    assert first["hidden_size"] == 8 and np.isnan(first["lookback"]) and first["lr"] == pytest.approx(3e-3)
    assert found.best_value <= found.default_value and len(found.trials) == 4
    assert set(found.best_params) == set(space) and found.best_estimator.get_params()["epochs"] == 15
    assert not hasattr(found.best_estimator, "modules_")  # unfitted: test it yourself, afterwards


def test_pruning_stops_bad_trials_early():
    base = Forecaster(hidden_size=8, epochs=60, patience=60, random_state=0)
    found = tune(base, Y, space={"lr": (1e-5, 1e-2, "log")}, n_trials=12, random_state=1)
    assert (found.trials["state"] == "PRUNED").any()
    assert found.trials.loc[found.trials["state"] == "PRUNED", "value"].isna().all()


def test_classifier_tuning_scores_error_rate_on_a_validation_split():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(40, 8, 1)), np.array(["a", "b"] * 20)
    X[y == "b"] += 1.0
    base = SequenceClassifier(arch="vanilla", hidden_size=8, epochs=10, n_folds=1, random_state=0)
    found = tune(base, (X, y), space={"lr": (1e-3, 1e-2, "log")}, n_trials=2)
    assert 0.0 <= found.best_value <= 1.0 and "error rate" in found.metric


@pytest.mark.parametrize("space, message", [
    ({"hidden": (1, 4)}, "space has unknown parameter 'hidden'"),
    ({"lr": 0.1}, r"space\['lr'\] must be a list of choices"),
])
def test_bad_space_is_one_line_error(space, message):
    with pytest.raises(InputError, match=message):
        tune(Forecaster(), Y, space=space, n_trials=1)


def test_cli_tune_reports_test_rmse_after_the_choice(tmp_path, capsys):
    from lstmkit.cli import main

    plot = tmp_path / "t.png"
    assert main(["tune", "--n-trials", "3", "--epochs", "10", "--plot", str(plot), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert set(result["metrics"]) == {"defaults", "tuned"} and plot.exists()
    assert result["metrics"]["tuned"]["validation_rmse"] <= result["metrics"]["defaults"]["validation_rmse"]


def test_ctrl_c_ends_the_search_and_drops_the_half_trained_trial(monkeypatch):
    import lstmkit.training

    real_train, records = lstmkit.training.train, []

    def train(*args, on_epoch=None, **kwargs):
        def hook(record):
            records.append(record)
            if sum(r["epoch"] == 1 for r in records) == 2 and record["epoch"] == 2:
                raise KeyboardInterrupt  # as Ctrl-C does, in the second trial's second epoch
            return on_epoch(record) if on_epoch else False

        return real_train(*args, on_epoch=hook, **kwargs)

    monkeypatch.setattr("lstmkit.tasks.forecaster.train", train)
    found = tune(Forecaster(hidden_size=8, epochs=15, random_state=0), Y, space={"lr": (1e-3, 1e-2, "log")},
                 n_trials=6)
    assert list(found.trials["state"]) == ["COMPLETE", "INTERRUPTED"]  # no third trial
    assert found.best_value == found.default_value and found.interrupted


def test_ctrl_c_outside_training_also_ends_the_search_with_the_trials_that_finished(monkeypatch):
    import lstmkit.tuning

    real, calls = lstmkit.tuning._suggest, []

    def suggest(trial, name, spec):
        calls.append(trial.number)
        if trial.number == 2:
            raise KeyboardInterrupt  # as Ctrl-C does, while the sampler picks the third trial
        return real(trial, name, spec)

    monkeypatch.setattr(lstmkit.tuning, "_suggest", suggest)
    found = tune(Forecaster(hidden_size=8, epochs=3, random_state=0), Y, space={"lr": (1e-3, 1e-2, "log")},
                 n_trials=6)
    assert list(found.trials["state"]) == ["COMPLETE", "COMPLETE", "INTERRUPTED"] and found.interrupted
    assert found.best_value == found.trials["value"].min()
    again = tune(Forecaster(hidden_size=8, epochs=3, random_state=0), Y, space={"lr": (1e-3, 1e-2, "log")},
                 n_trials=1)
    assert not again.interrupted  # the next search is whole again


def test_cli_tune_stops_without_a_test_score_when_ctrl_c_cuts_a_final_fit(monkeypatch, capsys):
    import lstmkit.training
    import lstmkit.tuning
    from lstmkit.cli import main

    real_tune, real_train, armed = lstmkit.tuning.tune, lstmkit.training.train, []

    def searched(*args, **kwargs):
        found = real_tune(*args, **kwargs)
        armed.append(True)  # the search is over: the next epoch belongs to a final fit
        return found

    def train(*args, on_epoch=None, **kwargs):
        def hook(record):
            if armed and record["epoch"] == 2:
                raise KeyboardInterrupt  # as Ctrl-C does
            return on_epoch(record) if on_epoch else False

        return real_train(*args, on_epoch=hook, **kwargs)

    monkeypatch.setattr(lstmkit.tuning, "tune", searched)
    monkeypatch.setattr("lstmkit.tasks.forecaster.train", train)
    assert main(["tune", "--n-trials", "2", "--epochs", "5", "--no-plot", "--json"]) == 130
    captured = capsys.readouterr()
    assert captured.out == "" and "interrupted" in captured.err


def test_ctrl_c_in_a_trial_whose_first_network_was_pruned_still_ends_the_search(monkeypatch):
    import optuna

    import lstmkit.training

    monkeypatch.setattr(optuna.trial.Trial, "should_prune", lambda self: self.number == 1)
    real_train, started = lstmkit.training.train, []

    def train(*args, on_epoch=None, **kwargs):
        started.append(1)
        network = len(started)

        def hook(record):
            if network == 4 and record["epoch"] == 2:  # trial 1's second network (its first was pruned)
                raise KeyboardInterrupt
            return on_epoch(record) if on_epoch else False

        return real_train(*args, on_epoch=hook, **kwargs)

    monkeypatch.setattr("lstmkit.tasks.forecaster.train", train)
    found = tune(Forecaster(hidden_size=4, epochs=3, n_models=2, random_state=0), Y,
                 space={"lr": (1e-3, 1e-2, "log")}, n_trials=6)
    assert list(found.trials["state"]) == ["COMPLETE", "INTERRUPTED"] and len(started) == 4
