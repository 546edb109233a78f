"""Public holidays as a future-known covariate (data/holiday_counts.py)."""

import numpy as np
import pandas as pd
import pytest

from lstmkit import Forecaster, InputError
from lstmkit.data.holiday_counts import calendar_entry, counts
from lstmkit.errors import InputTypeError


def test_holidays_are_counted_over_the_period_each_date_stands_for():
    days = pd.date_range("2021-12-24", periods=6, freq="D")
    entry = calendar_entry("GB", pd.Timedelta("1D"), "D")
    # Christmas 2021 fell on a Saturday: the bank holidays moved to Monday 27 and Tuesday 28
    assert counts(days, entry).tolist() == [0, 1, 1, 1, 1, 0]
    months = pd.date_range("2021-01-01", periods=3, freq="MS")
    assert counts(months, calendar_entry("US", pd.Timedelta("31D"), "MS")).tolist() == [2, 1, 0]
    weeks = pd.date_range("2021-12-20", periods=3, freq="W-MON")
    # (Dec 24 and 31 2021: Christmas and New Year observed on the Fridays, beside the days themselves)
    assert counts(weeks, calendar_entry("US", pd.Timedelta("7D"), "W-MON")).tolist() == [2, 2, 0]


def holiday_series():
    """Daily sales that halve on English bank holidays, with a weekly pattern."""
    dates = pd.date_range("2019-01-01", "2021-12-31", freq="D")
    off = counts(dates, "holiday:GB:D")
    rng = np.random.default_rng(0)
    values = (100 + 10 * np.sin(np.arange(len(dates)) * 2 * np.pi / 7)) * (1 - 0.5 * off)
    return pd.Series(values + rng.normal(0, 1, len(dates)), index=dates), off


def test_a_holiday_known_in_advance_is_forecast():
    y, off = holiday_series()
    h = 28
    settings = dict(strategy="direct", horizon=h, random_state=0, epochs=40, n_models=1)
    model = Forecaster(**settings).fit(y[:-h], holidays="GB", calendar=True)
    # the last 28 training days hold no holiday: the selection cannot judge it, and keeps it
    assert model.covariate_selection_["kept"] and "'holiday'" in model.covariate_selection_["reason"]
    out = model.predict(h)  # no future frame: holidays come from the dates
    test = y[-h:]
    assert off[-h:].sum() == 4
    on = off[-h:] > 0
    assert np.abs(out[on] - test[on]).mean() < 10  # about 50 lower on those days; a model without sees 0
    plain = Forecaster(**settings).fit([y[:-h].to_numpy()]).predict(h)[0]
    assert np.abs(out - test).mean() < 0.5 * np.abs(plain - test).mean()


@pytest.mark.parametrize("country, error, message", [
    ("XX", InputError, "holidays='XX': Country XX not available"),
    ("US-ZZ", InputError, "does not have subdivision ZZ"),
    (5, InputTypeError, "holidays must be a country code"),
])
def test_unknown_countries_are_one_line_errors_before_training(country, error, message):
    y, _ = holiday_series()
    with pytest.raises(error, match=message):
        Forecaster(strategy="direct", horizon=7, epochs=1).fit(y[:100], holidays=country)


def test_holidays_need_dates():
    with pytest.raises(InputError, match="needs dates with a frequency"):
        Forecaster(strategy="direct", horizon=3, epochs=1).fit(pd.Series(np.arange(50.0)), holidays="US")
