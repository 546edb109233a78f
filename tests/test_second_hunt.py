"""Inputs a second hostile-input hunt found mishandled (issue 28): each is now a one-line error,
a warning, or read right."""

import json

import numpy as np
import pandas as pd
import pytest

from lstmkit import Forecaster, InputError, SequenceClassifier
from lstmkit.cli import main
from lstmkit.conformal import level_values, pooled_half_widths
from lstmkit.data.csv import read_series_csv
from lstmkit.data.dates import CsvFormat
from lstmkit.data.gaps import fill_gaps
from lstmkit.tasks import time_budget


def test_a_5000_digit_integer_is_a_400_and_a_failing_request_never_hangs_the_batch():
    from lstmkit.serving import Coalescer, Predictor, respond

    predictor = Predictor(Forecaster(epochs=1, random_state=0).fit(np.arange(40.0) + 1))
    status, body = respond(predictor, b'{"h": 1' + b"0" * 5000 + b"}")
    assert status == 400 and "not valid JSON" in json.loads(body)["error"]
    coalescer = Coalescer(predictor)
    coalescer.predictor = None  # (respond itself fails: every waiting request still gets an answer)

    import asyncio

    status, body = asyncio.run(coalescer.answer(b'{"h": 1}'))
    assert status == 500 and "the server failed on this request" in json.loads(body)["error"]


def test_levels_are_bounded_in_number_and_too_few_scores_warn():
    with pytest.raises(InputError, match="level may hold at most 50 levels; received 40000"):
        level_values(list(np.linspace(50, 60, 40000)))
    errors = np.abs(np.random.default_rng(0).normal(size=(2, 6)))
    with pytest.warns(UserWarning, match=r"level 99.9 needs at least 999 calibration scores and this model "
                                         r"has 12"):
        pooled_half_widths(errors, 99.9)


def test_a_huge_time_budget_trains_the_epochs_asked_and_zero_class_weights_are_named():
    assert time_budget.plan(1e308, 0.01, 64, 32, 3, 1, 300, 1.0)[0] == 300
    X, y = np.random.default_rng(0).normal(size=(8, 6, 1)), [0, 1] * 4
    with pytest.raises(InputError, match=r"gives weight 0 to all classes but at most one"):
        SequenceClassifier(class_weight={0: 0.0, 1: 0.0}, epochs=1).fit(X, y)


def test_seconds_since_1970_are_utc_instants_in_any_zone(tmp_path):
    path = tmp_path / "u.csv"
    path.write_text("date,y\n" + "".join(f"{1609459200 + 3600 * i},{i}\n" for i in range(30)))
    y = read_series_csv(path, fmt=CsvFormat(date_unit="s", tz="America/New_York"))
    assert y.index[0] == pd.Timestamp("2021-01-01 00:00", tz="UTC")  # (19:00 the day before in New York)
    assert str(y.index.tz) == "America/New_York" and y.index[0].hour == 19


def test_business_days_with_gaps_are_filled_as_business_days():
    days = pd.bdate_range("2022-01-03", periods=80)
    filled = fill_gaps(pd.Series(np.arange(80.0), index=days).drop(days[[10, 40]]), "interpolate")
    assert filled.index.equals(days) and filled.iloc[10] == 10.0


def test_fill_with_covariates_is_refused_and_calendar_alone_takes_the_one_series(tmp_path, capsys):
    path = tmp_path / "c.csv"
    months = pd.date_range("2000-01-01", periods=48, freq="MS")
    frame = pd.DataFrame({"month": months.strftime("%Y-%m-%d"), "sales": np.arange(48.0) + 10})
    frame.to_csv(path, index=False)
    assert main(["forecast", str(path), "--calendar", "--epochs", "1", "--no-plot", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["data"]["n_train"] == 32
    assert main(["forecast", str(path), "--calendar", "--fill", "zero", "--epochs", "1", "--no-plot"]) == 2
    assert "--fill does not apply with covariates" in capsys.readouterr().err


def test_a_text_past_the_limit_at_predict_is_refused_naming_max_length(monkeypatch):
    from lstmkit import TextClassifier
    from lstmkit.errors import LIMITS

    clf = TextClassifier(arch="vanilla", hidden_size=4, embedding_dim=4, epochs=1, n_folds=1, min_count=1,
                         random_state=0).fit(["good day", "bad day", "good one", "bad one"] * 3, [1, 0] * 6)
    monkeypatch.setitem(LIMITS, "text_chars", 100)
    with pytest.raises(InputError, match=r"X\[1\] has 500 characters, above the 100 .*max_length"):
        clf.predict(["good", "good " * 100])
    assert len(clf.set_params(max_length=10).predict(["good", "good " * 100])) == 2
