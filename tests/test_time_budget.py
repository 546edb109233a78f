"""SequenceClassifier(time_budget=seconds) (issue 29): epochs planned from a timed probe, a
budget too small for one epoch refused before training, the plan said in one line."""

import logging

import numpy as np
import pytest

from lstmkit import InputError, SequenceClassifier, TextClassifier, load
from lstmkit.tasks import time_budget


def data(n=8, steps=20, seed=0):
    rng = np.random.default_rng(seed)
    y = np.array([0, 1] * (n // 2))
    X = rng.normal(size=(n, steps, 1)) + y[:, None, None]
    return X, y


def test_the_plan_divides_the_budget_among_the_networks_and_says_so(caplog):
    with caplog.at_level(logging.INFO, logger="lstmkit"):
        epochs, seconds = time_budget.plan(10.0, 0.01, n_rows=64, batch_size=32, n_networks=3, n_jobs=1,
                                           epochs=300, spent=1.0)
    assert seconds == pytest.approx(3.0) and epochs == int(0.9 * 3.0 // 0.02) == 135
    assert "3 network(s) x 135 epochs (of 300 asked)" in caplog.text
    assert time_budget.plan(10.0, 0.01, 64, 32, 3, 3, 100, 1.0) == (100, pytest.approx(9.0))  # (at once)
    with pytest.raises(InputError, match=r"^time_budget=1 s cannot train one epoch of each of 3 "):
        time_budget.plan(1.0, 0.5, 64, 32, 3, 1, 300, 0.1)


def test_a_fit_trains_the_planned_epochs_and_a_hopeless_budget_trains_nothing(monkeypatch):
    X, y = data()
    monkeypatch.setattr(time_budget, "step_seconds", lambda *args: 0.05)  # (an epoch: 1 batch, 0.05 s)
    clf = SequenceClassifier(arch="vanilla", hidden_size=4, n_folds=1, epochs=300, time_budget=1.0,
                             random_state=0).fit(X, y)
    assert 10 <= len(clf.history_) <= int(0.9 * 1.0 // 0.05)  # (the probe's seconds are spent first)
    fresh = SequenceClassifier(arch="vanilla", hidden_size=4, n_folds=1, time_budget=0.01)
    with pytest.raises(InputError, match="cannot train one epoch"):
        fresh.fit(X, y)
    assert not hasattr(fresh, "modules_")


def test_step_seconds_times_real_steps_without_moving_the_random_state():
    import torch

    from lstmkit.models.registry import build

    X, y = data()
    net = build("vanilla", n_features=1, n_outputs=2, hidden_size=4)
    before = torch.random.get_rng_state()
    per_step = time_budget.step_seconds(net, torch.nn.functional.cross_entropy,
                                        (torch.as_tensor(X, dtype=torch.float32), torch.full((8,), 20)),
                                        torch.as_tensor(y), 4)
    assert 0 < per_step < 1 and torch.equal(before, torch.random.get_rng_state())


def test_the_budget_is_a_parameter_kept_by_save_and_checked(tmp_path):
    X, y = data()
    clf = SequenceClassifier(arch="vanilla", hidden_size=4, n_folds=1, epochs=2, time_budget=30,
                             random_state=0).fit(X, y)
    clf.save(tmp_path / "m")
    assert load(tmp_path / "m").get_params()["time_budget"] == 30
    assert TextClassifier(time_budget=5).get_params()["time_budget"] == 5
    with pytest.raises(InputError, match="time_budget must be a finite number > 0"):
        SequenceClassifier(time_budget=0).fit(X, y)


def test_a_big_fit_without_a_budget_says_beforehand_how_long_it_will_take(monkeypatch, caplog):
    X, y = data()
    monkeypatch.setattr(time_budget, "ESTIMATE_STEPS", 0)  # (every fit counts as big)
    monkeypatch.setattr(time_budget, "step_seconds", lambda *args: 2.0)  # (an epoch: 1 batch, 2 s)
    with caplog.at_level(logging.WARNING, logger="lstmkit"):
        SequenceClassifier(arch="vanilla", hidden_size=4, epochs=40, random_state=0).fit(X, y)
    assert "this fit will take about 4 min (3 network(s) x 40 epochs of about 2 s)" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="lstmkit"):
        time_budget._announce(0.01, 3, 1, 300)  # (9 s: nothing to say)
    assert caplog.text == ""
