"""Dates in CSV files are never misread (issue 28): years, unix seconds, time-zone offsets."""

import numpy as np
import pandas as pd
import pytest

from lstmkit import InputError
from lstmkit.cli import main
from lstmkit.data.csv import read_series_csv


def write(tmp_path, dates, values=None):
    path = tmp_path / "data.csv"
    values = np.arange(len(dates)) + 1.0 if values is None else values
    pd.DataFrame({"date": dates, "value": values}).to_csv(path, index=False)
    return path


def test_years_as_integers_are_read_as_years(tmp_path):
    y = read_series_csv(write(tmp_path, list(range(1850, 1900))), None, None)
    assert y.index[0] == pd.Timestamp("1850-01-01") and y.index[-1] == pd.Timestamp("1899-01-01")


@pytest.mark.parametrize("dates", [[1609459200 + 86400 * i for i in range(30)], list(range(30)),
                                   [1.5 + i for i in range(30)]])
def test_other_numbers_are_refused_not_read_as_nanoseconds(tmp_path, dates, capsys):
    path = write(tmp_path, dates)
    with pytest.raises(InputError, match="holds numbers such as .*, which are not years 1678-2261"):
        read_series_csv(path, None, None)
    assert main(["forecast", str(path), "--epochs", "1", "--no-plot"]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


def test_offsets_that_change_across_daylight_saving_are_read_as_utc_instants(tmp_path):
    local = pd.date_range("2021-03-27", periods=48, freq="h", tz="Europe/London")  # the clocks go forward
    y = read_series_csv(write(tmp_path, [t.isoformat() for t in local]), None, None)
    assert str(y.index.tz) == "UTC" and (y.index[1:] - y.index[:-1] == pd.Timedelta("1h")).all()


@pytest.mark.parametrize("text", [
    "date;value\n" + "".join(f"2020-{m:02d}-01;{m},5\n" for m in range(1, 13)),   # ';' and decimal commas
    "date\tvalue\n" + "".join(f"2020-{m:02d}-01\t{m}.5\n" for m in range(1, 13)),  # tabs
    "date;value\n" + "".join(f"2020-{m:02d}-01;{m}.5\n" for m in range(1, 13)),    # ';' and points
])
def test_separators_and_decimal_marks_are_detected(tmp_path, text):
    path = tmp_path / "d.csv"
    path.write_text(text)
    assert read_series_csv(path, None, None).iloc[:3].tolist() == [1.5, 2.5, 3.5]


def test_rows_longer_than_the_header_are_an_error_not_a_dropped_field(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("value\n" + "".join(f"{m},5\n" for m in range(1, 13)))
    with pytest.raises(InputError, match="has rows with more fields than its header"):
        read_series_csv(path, None, None)
