"""CSV reading where detection cannot know (issue 28): --sep, --decimal, --date-unit, --date-format,
--dayfirst, --tz, and the limits on a CSV's width and size."""

import numpy as np
import pandas as pd
import pytest

from lstmkit import InputError
from lstmkit.cli import main
from lstmkit.data.csv import read_sequences_csv, read_series_csv
from lstmkit.data.dates import CsvFormat
from lstmkit.errors import LIMITS
from lstmkit.train_config import read_long

MONTHS = pd.date_range("2018-01-01", periods=36, freq="MS")


def write(tmp_path, text: str, name: str = "data.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


def frame_csv(tmp_path, dates, values=None):
    values = np.arange(len(dates)) + 1.0 if values is None else values
    path = tmp_path / "data.csv"
    pd.DataFrame({"date": dates, "value": values}).to_csv(path, index=False)
    return path


@pytest.mark.parametrize("unit, scale", [("s", 10**9), ("ms", 10**6), ("us", 10**3), ("ns", 1)])
def test_integer_dates_read_in_the_unit_asked_for(tmp_path, unit, scale):
    nanoseconds = MONTHS.as_unit("ns").asi8
    y = read_series_csv(frame_csv(tmp_path, nanoseconds // scale), None, None, CsvFormat(date_unit=unit))
    assert (y.index == MONTHS).all() and y.index.freqstr is None or y.index[0] == MONTHS[0]
    assert list(y) == list(np.arange(36) + 1.0)


def test_a_wrong_unit_gives_dates_that_are_refused_not_forecast(tmp_path):
    path = frame_csv(tmp_path, MONTHS.as_unit("ns").asi8 // 10**9)
    with pytest.raises(InputError, match="irregular dates"):  # read as ms: 36 instants within a day
        read_series_csv(path, None, None, CsvFormat(date_unit="ms"))
    huge = frame_csv(tmp_path, [10**20 + i for i in range(36)])
    with pytest.raises(InputError, match="holds 100000000000000000000, outside the dates s since 1970"):
        read_series_csv(huge, None, None, CsvFormat(date_unit="s"))


def test_day_first_dates_need_saying_and_are_then_read(tmp_path):
    path = frame_csv(tmp_path, MONTHS.strftime("%d/%m/%Y"))
    with pytest.raises(InputError, match="read both day first and month first; pass --dayfirst"):
        read_series_csv(path, None, None)
    for fmt in (CsvFormat(dayfirst=True), CsvFormat(date_format="%d/%m/%Y")):
        assert (read_series_csv(path, None, None, fmt).index == MONTHS).all()
    days = pd.date_range("2022-01-01", periods=40, freq="D")  # days past 12: unambiguous, read day first
    y = read_series_csv(frame_csv(tmp_path, days.strftime("%d/%m/%Y")), None, None, CsvFormat(dayfirst=True))
    assert (y.index == days).all()
    with pytest.raises(InputError, match=r"holds '13/01/2022' \(row 14\), which is not a date .*--dayfirst"):
        read_series_csv(frame_csv(tmp_path, days.strftime("%d/%m/%Y")), None, None)  # read month first
    month_first = frame_csv(tmp_path, days.strftime("%m/%d/%Y"))
    with pytest.raises(InputError, match=r"holds '01/13/2022' \(row 14\), which does not match --date"):
        read_series_csv(month_first, None, None, CsvFormat(date_format="%d/%m/%Y"))


def test_time_zones_are_converted_or_attached_and_dst_gaps_refused(tmp_path):
    hours = pd.date_range("2021-06-01", periods=48, freq="h", tz="UTC")
    y = read_series_csv(frame_csv(tmp_path, [t.isoformat() for t in hours]), None, None,
                        CsvFormat(tz="Asia/Tokyo"))
    assert str(y.index.tz) == "Asia/Tokyo" and y.index[0] == hours[0]  # the same instants
    naive = read_series_csv(frame_csv(tmp_path, hours.tz_localize(None).astype(str)), None, None,
                            CsvFormat(tz="Europe/Paris"))
    assert str(naive.index.tz) == "Europe/Paris" and naive.index[0].hour == 0
    gap = pd.date_range("2021-03-28 00:00", periods=6, freq="h").astype(str)  # 02:00 does not exist in Paris
    with pytest.raises(InputError, match="skipped or repeated in Europe/Paris"):
        read_series_csv(frame_csv(tmp_path, gap), None, None, CsvFormat(tz="Europe/Paris"))


def test_separator_and_decimal_mark_given_explicitly(tmp_path):
    rows = "".join(f"{d:%Y-%m-%d}|{i},5\n" for i, d in enumerate(MONTHS))
    path = write(tmp_path, "date|value\n" + rows)
    y = read_series_csv(path, None, None, CsvFormat(sep="|", decimal=","))
    assert y.iloc[3] == 3.5 and len(y) == 36
    with pytest.raises(InputError, match="must hold numbers only; received the value '0,5'"):
        read_series_csv(path, None, None, CsvFormat(sep="|"))  # a decimal comma is never dropped silently
    X, labels = read_sequences_csv(write(tmp_path, "label;a;b\nx;1,5;2\ny;3;4,25\n", "seq.csv"),
                                   fmt=CsvFormat(sep=";", decimal=","))
    assert X[:, :, 0].tolist() == [[1.5, 2.0], [3.0, 4.25]] and list(labels) == ["x", "y"]


@pytest.mark.parametrize("options, message", [
    ({"sep": "ab"}, "--sep must be one character"), ({"decimal": ";"}, "--decimal must be '.' or ','"),
    ({"sep": ",", "decimal": ","}, "cannot be the decimal mark"),
    ({"date_unit": "h"}, "--date-unit must be one of"),
    ({"date_format": "dd/mm"}, "no % directive"), ({"date_format": "%Y-%Q"}, "bad directive"),
    ({"date_format": "%d/%m/%"}, "stray %"), ({"tz": "Mars/Base"}, "time-zone name")])
def test_bad_options_are_one_line_errors(options, message):
    with pytest.raises(InputError, match=message):
        CsvFormat(**options)


def test_pandas_named_formats_are_accepted(tmp_path):
    path = tmp_path / "iso.csv"
    path.write_text("date,value\n2020-01-01,1\n2020-01-01T06:00,2\n2020-01-01 12:00:00,3\n")
    assert list(read_series_csv(path, None, None, CsvFormat(date_format="ISO8601")).index.hour) == [0, 6, 12]


def test_cli_flags_reach_the_reader_and_are_refused_where_nothing_reads_them(tmp_path, capsys):
    path = frame_csv(tmp_path, MONTHS.as_unit("ns").asi8 // 10**9)
    assert main(["forecast", str(path), "--epochs", "1", "--no-plot", "--json"]) == 2
    assert "--date-unit s" in capsys.readouterr().err
    assert main(["forecast", str(path), "--date-unit", "s", "--epochs", "1", "--no-plot", "--json"]) == 0
    assert '"n_train": 24' in capsys.readouterr().out
    for argv in (["forecast", "--tz", "UTC"], ["forecast", str(write(tmp_path, "y\n" + "1\n" * 30, "n.csv")),
                                              "--dayfirst"]):
        assert main([*argv, "--no-plot"]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and ("none was given" in err or "has none" in err)


def test_read_long_takes_the_format_too(tmp_path):
    rows = "".join(f"a;{d:%d/%m/%Y};{i},5\n" for i, d in enumerate(MONTHS))
    path = write(tmp_path, "unique_id;ds;y\n" + rows)
    frame = read_long(path, ("unique_id", "ds", "y"), fmt=CsvFormat(sep=";", decimal=",", dayfirst=True))
    assert (pd.DatetimeIndex(frame["ds"]) == MONTHS).all() and frame["y"].iloc[1] == 1.5


def test_a_csv_too_wide_or_too_big_is_refused_before_pandas_reads_it(tmp_path, monkeypatch):
    monkeypatch.setitem(LIMITS, "csv_columns", 50)
    wide = write(tmp_path, ",".join(f"c{i}" for i in range(60)) + "\n" + ",".join("1" * 60) + "\n")
    with pytest.raises(InputError, match="over 50 columns in its header"):
        read_series_csv(wide)
    monkeypatch.setitem(LIMITS, "csv_columns", 100)
    with pytest.raises(InputError, match=r"'c0', 'c1', .*'c11' and 48 more; choose the series"):
        read_series_csv(wide)  # a message names a few columns, not all of them
    monkeypatch.setitem(LIMITS, "csv_bytes", 100)
    with pytest.raises(InputError, match="holds 350 bytes, above the 100 a CSV may hold"):
        read_series_csv(wide)
