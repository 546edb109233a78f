"""CSV files that pandas reads silently wrong or slowly (issue 28's second hunt): each is now a
one-line error before training, or read right when the flags say how."""

import numpy as np
import pandas as pd
import pytest

from lstmkit.data.csv import read_series_csv
from lstmkit.data.dates import CsvFormat
from lstmkit.data.series import as_series, regular_dates
from lstmkit.errors import LIMITS, InputError, InputTypeError

MONTHS = [f"{1949 + i // 12}-{i % 12 + 1:02d}-01" for i in range(36)]


def write(tmp_path, text: str | bytes, name: str = "d.csv"):
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return path


def rows(values, header="month,y", sep=",") -> str:
    return header + "\n" + "".join(f"{m}{sep}{v}\n" for m, v in zip(MONTHS, values))


def test_a_nul_byte_and_a_huge_line_are_refused_before_pandas(tmp_path, monkeypatch):
    text = rows(range(36)).replace("\n1949-03-01,2\n", "\n1949-03-01,2\0" + "1\n")
    with pytest.raises(InputError, match=r"holds a NUL byte \(line 4\)"):
        read_series_csv(write(tmp_path, text))
    monkeypatch.setitem(LIMITS, "csv_line_bytes", 1000)
    with pytest.raises(InputError, match=r"has a line of over 1,000 bytes \(line 3\)"):
        read_series_csv(write(tmp_path, rows(range(36)).replace(",1\n", "," + "1" * 5000 + "\n")))
    with pytest.raises(InputError, match="is UTF-16 text, not UTF-8"):
        read_series_csv(write(tmp_path, rows(range(36)).encode("utf-16")))


def test_a_column_named_twice_is_refused_not_silently_the_first(tmp_path):
    path = write(tmp_path, "month,y,y\n" + "".join(f"{m},{i},{-i}\n" for i, m in enumerate(MONTHS)))
    with pytest.raises(InputError, match=r"names the column 'y' twice in its header \(columns 2 and 3\)"):
        read_series_csv(path, column="y")


def test_thousands_dots_in_a_decimal_comma_file_are_refused(tmp_path):
    dotted = write(tmp_path, rows([f"1.{100 + i}" for i in range(36)], "month;y;z", ";").replace(
        "\n", ";2,5\n").replace("month;y;z;2,5", "month;y;z"))
    with pytest.raises(InputError, match=r"holds '1.100' in a file whose decimal mark is ','"):
        read_series_csv(dotted, column="y")
    commas = write(tmp_path, rows([f"{i},5" for i in range(36)], "month;y", ";"), "c.csv")
    assert read_series_csv(commas).iloc[:2].tolist() == [0.5, 1.5]  # (decimal commas: read right)
    dates = write(tmp_path, "date;y\n" + "".join(f"01.{m:02d}.2020;{m},5\n" for m in range(1, 13)), "e.csv")
    assert len(read_series_csv(dates, fmt=CsvFormat(dayfirst=True))) == 12  # (dotted dates are not numbers)


def test_two_digit_years_and_digit_dates(tmp_path):
    short = write(tmp_path, "month,y\n" + "".join(f"{m}-{49 + k},{k * 12 + i}\n" for k in range(3)
                                                  for i, m in enumerate(["Jan", "Feb", "Mar", "Apr", "May",
                                                                         "Jun", "Jul", "Aug", "Sep", "Oct",
                                                                         "Nov", "Dec"])))
    with pytest.raises(InputError, match=r"holds 'Jan-49' \(row 2\), read as the year 2049.*four-digit"):
        read_series_csv(short)
    assert read_series_csv(short, fmt=CsvFormat(date_format="%b-%y")).index[0].year == 2049  # (asked for)
    digits = write(tmp_path, "month,y\n" + "".join(f"{m.replace('-', '')},{i}\n"
                                                  for i, m in enumerate(MONTHS)), "g.csv")
    with pytest.raises(InputError, match=r"--date-format for digits such as 20210131"):
        read_series_csv(digits)
    y = read_series_csv(digits, fmt=CsvFormat(date_format="%Y%m%d"))
    assert y.index[0] == pd.Timestamp("1949-01-01") and y.index[-1] == pd.Timestamp("1951-12-01")
    with pytest.raises(InputError, match="give one of them"):
        CsvFormat(date_unit="s", date_format="%Y")


def test_booleans_and_complex_numbers_are_not_a_series(tmp_path):
    with pytest.raises(InputTypeError, match="holds true/false values, not numbers"):
        read_series_csv(write(tmp_path, rows(["True", "False"] * 18)))
    for y in (np.array([True, False] * 10), [1.0, True, 2.0]):
        with pytest.raises(InputTypeError, match="true/false"):
            as_series(y)
    with pytest.raises(InputTypeError, match="complex numbers"):
        as_series(pd.Series(np.arange(20) + 1j))


def test_a_date_far_away_is_judged_without_building_its_range():
    seconds = pd.date_range("2021-01-01", periods=100, freq="s").append(pd.DatetimeIndex(["2261-01-01"]))
    assert regular_dates(seconds) is None  # (7.6 billion seconds: refused by the bound, not built)
    with pytest.raises(InputError, match="irregular dates"):
        as_series(pd.Series(np.arange(101.0), index=seconds))


def test_of_two_columns_named_like_dates_the_one_holding_dates_is_read(tmp_path):
    text = "week,month,y\n" + "".join(f"{i + 1},{m},{i}\n" for i, m in enumerate(MONTHS))
    y = read_series_csv(write(tmp_path, text), column="y")
    assert y.index[0] == pd.Timestamp("1949-01-01") and len(y) == 36
