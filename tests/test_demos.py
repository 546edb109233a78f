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


def test_cumsum_and_damped_sine_generators():
    from lstmkit.data.problems import cumsum, damped_sine

    x, y = cumsum(20, length=10, limit=2.5, rng=0)
    assert x.shape == (20, 10, 1) and ((x >= 0) & (x <= 1)).all()
    assert (y == (x[..., 0].cumsum(1) > 2.5)).all()
    with pytest.raises(InputError, match=r"limit must be in \(0, length=10\); received 12"):
        cumsum(5, limit=12)
    x, y = damped_sine(3, length=50, horizon=5, rng=0)
    assert x.shape == (3, 50, 1) and y.shape == (3, 5) and abs(x).max() <= 1


def test_cumsum_demo_bidirectional_beats_majority():
    from lstmkit.demos.cumsum import run_cumsum

    result = run_cumsum(n_train=2000, epochs=8, hidden_size=16, seed=0)
    m = result["metrics"]
    assert m["bidirectional lstm"]["accuracy"] > 0.95 > m["majority class"]["accuracy"] + 0.3
    assert m["unidirectional lstm"]["accuracy"] > 0.9


def test_damped_sine_demo_beats_persistence_and_plots(tmp_path):
    from lstmkit.demos.damped_sine import run_damped_sine

    result = run_damped_sine(n_train=2000, epochs=6, hidden_size=32, seed=0,
                             plot=str(tmp_path / "sine.png"))
    assert result["metrics"]["stacked lstm"]["rmse_vs_persistence"] < 0.3
    assert (tmp_path / "sine.png").exists()


def test_echo_long_memory_lstm_recalls_where_a_plain_rnn_cannot():
    result = run_echo(length=40, out_index=0, n_features=4, n_train=1000, epochs=40, seed=0)
    m = result["metrics"]
    assert m["lstm"]["accuracy"] > 0.95
    assert m["plain rnn"]["accuracy"] < 0.6 and m["plain rnn"]["epochs"] <= m["lstm"]["epochs"]
