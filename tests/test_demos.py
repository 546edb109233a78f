import pytest

from lstmkit import InputError, datasets
from lstmkit.data.problems import echo
from lstmkit.demos.airline import TutorialForecaster
from lstmkit.demos.echo import run_echo
from lstmkit.metrics import rmse


def test_echo_problem_targets_are_the_value_at_out_index():
    x, y = echo(50, length=6, n_features=7, out_index=4, rng=0)
    assert x.shape == (50, 6, 7) and (x.sum(-1) == 1).all()
    assert (x[:, 4].argmax(-1) == y).all()
    with pytest.raises(InputError, match=r"out_index must be in \[0, 5\]"):
        echo(5, length=6, out_index=6)


def test_echo_demo_reaches_100_percent_on_fresh_sequences():
    result = run_echo(seed=0)
    assert result["metrics"]["lstm"]["accuracy"] == 1.0
    assert result["task"] == "echo" and result["timings"]["train"] > 0


def test_tutorial_replica_trains_and_forecasts():
    y = datasets.load_airpassengers()
    model = TutorialForecaster(epochs=3, random_state=0).fit(y[:96])
    assert len(model.history_) == 3
    assert len(model.predict(48)) == 48
    assert rmse(y[96:], model.backtest(y, 96)) > 0
