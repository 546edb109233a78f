"""The CLI on real users' files (issue 25): gaps filled by a rule (--fill), date columns found by
their content and said, --version, a start that imports nothing heavy, progress lines when
stderr is not a terminal, one summary under torchrun."""

import json
import logging
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from lstmkit.cli import main
from lstmkit.data.csv import read_series_csv
from lstmkit.data.dates import CsvFormat
from lstmkit.data.gaps import fill_gaps
from lstmkit.data.series import regular_dates
from lstmkit.errors import InputError

DAYS = pd.date_range("2022-01-01", periods=60, freq="D")


def daily_csv(tmp_path, drop=(), date_name="week", empty=(), name="d.csv"):
    values = 50 + 10 * np.sin(np.arange(60) / 3)
    frame = pd.DataFrame({date_name: DAYS.strftime("%Y-%m-%d"), "store": "A", "sales": values})
    frame.loc[list(empty), "sales"] = np.nan
    path = tmp_path / name
    frame.drop(list(drop)).to_csv(path, index=False)
    return path, values


@pytest.mark.parametrize("how", ["interpolate", "zero", "forward"])
def test_missing_days_are_refused_with_the_count_or_filled_by_the_rule_asked(tmp_path, how):
    path, values = daily_csv(tmp_path, drop=(5, 6, 30))
    with pytest.raises(InputError, match=r"3 date\(s\) are missing \(the first: 2022-01-06\).*--fill"):
        read_series_csv(path)
    y = read_series_csv(path, fmt=CsvFormat(fill=how))
    line = values[4] + (values[7] - values[4]) / 3  # (day 5 of the straight line from day 4 to day 7)
    expected = {"interpolate": line, "zero": 0.0, "forward": values[4]}[how]
    assert len(y) == 60 and y.index.equals(DAYS)
    assert y.iloc[5] == pytest.approx(expected) and y.iloc[4] == pytest.approx(values[4])
    assert y.drop(DAYS[[5, 6, 30]]).to_numpy() == pytest.approx(np.delete(values, [5, 6, 30]))


def test_empty_cells_are_filled_too_and_months_keep_their_calendar(tmp_path):
    path, values = daily_csv(tmp_path, empty=(10,))
    assert read_series_csv(path, fmt=CsvFormat(fill="zero")).iloc[10] == 0.0
    months = pd.date_range("2000-01-31", periods=30, freq="ME")
    y = pd.Series(np.arange(30.0), index=months).drop(months[[3, 20]])
    filled = fill_gaps(y, "interpolate")
    assert filled.index.equals(months) and filled.iloc[3] == 3.0 and filled.iloc[20] == 20.0


def test_dates_that_no_frequency_fits_stay_an_error():
    dates = pd.to_datetime(["2020-01-01", "2020-01-02", "2020-01-05", "2020-02-11", "2020-03-01"])
    assert regular_dates(dates) is None
    with pytest.raises(InputError, match="no frequency fits, even with up to half the series filled in"):
        fill_gaps(pd.Series(np.arange(5.0), index=dates), "zero")
    with pytest.raises(InputError, match="--fill must be one of interpolate, zero, forward"):
        CsvFormat(fill="mean")


def test_a_date_column_is_found_by_its_content_and_what_was_chosen_is_said(tmp_path, caplog):
    path, _ = daily_csv(tmp_path, date_name="when")
    with caplog.at_level(logging.INFO, logger="lstmkit"):
        y = read_series_csv(path)
    assert isinstance(y.index, pd.DatetimeIndex) and y.index.equals(DAYS)  # (was: no dates)
    said = caplog.text
    assert "the series from 'sales'" in said and "dates from 'when'" in said and "'store' not read" in said
    two = tmp_path / "two.csv"
    pd.read_csv(path).assign(shipped=DAYS.strftime("%d %b %Y")).to_csv(two, index=False)
    with pytest.raises(InputError, match=r"several columns of dates \('when', 'shipped'\)"):
        read_series_csv(two)
    assert read_series_csv(two, date_column="shipped").index.equals(DAYS)


def test_fill_through_the_cli_and_refused_without_dates(tmp_path, capsys):
    path, _ = daily_csv(tmp_path, drop=(5,))
    argv = ["forecast", str(path), "--epochs", "1", "--no-plot", "--json", "--test-size", "14"]
    assert main(argv) == 2 and "--fill" in capsys.readouterr().err
    assert main([*argv, "--fill", "interpolate"]) == 0
    out = capsys.readouterr()
    assert json.loads(out.out)["data"]["n_train"] == 46 and "filled 1 missing value(s)" in out.err
    plain = tmp_path / "plain.csv"
    plain.write_text("y\n" + "\n".join(map(str, range(30))) + "\n")
    assert main(["forecast", str(plain), "--fill", "zero", "--epochs", "1", "--no-plot"]) == 2
    assert "--fill reads a date column" in capsys.readouterr().err
    assert main(["forecast", "--fill", "zero"]) == 2
    assert "--fill reads a CSV file, and none was given" in capsys.readouterr().err


def test_version_and_a_start_that_imports_nothing_heavy(capsys):
    import lstmkit

    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0 and capsys.readouterr().out.strip() == f"lstmkit {lstmkit.__version__}"
    probe = ("import sys, lstmkit, lstmkit.cli; lstmkit.cli.build_parser(); "
             "print(sorted(m for m in ('torch', 'pandas', 'sklearn', 'numpy') if m in sys.modules))")
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert loaded.stdout.strip() == "[]"


def test_lazy_names_are_the_classes_and_unknown_names_fail():
    import lstmkit
    from lstmkit.tasks.forecaster import Forecaster

    assert lstmkit.Forecaster is Forecaster and "SequenceClassifier" in dir(lstmkit)
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        lstmkit.Nope  # noqa: B018


def test_architecture_names_for_the_parser_are_the_estimators():
    from lstmkit.archs import CLASSIFIER_ARCHS, FORECAST_ARCHS
    from lstmkit.tasks.classifier import ARCHS as classifier_archs
    from lstmkit.tasks.forecast_settings import ARCHS as forecast_archs

    assert CLASSIFIER_ARCHS is classifier_archs and FORECAST_ARCHS is forecast_archs


def test_progress_is_a_line_per_epoch_off_a_terminal_and_one_summary_under_torchrun(tmp_path, capsys,
                                                                                    monkeypatch):
    path, _ = daily_csv(tmp_path)
    argv = ["forecast", str(path), "--epochs", "3", "--no-plot", "--test-size", "14"]
    assert main(argv) == 0
    out = capsys.readouterr()
    assert "epoch 1/3, loss" in out.err and "epoch 3/3, loss" in out.err and "lstmkit" in out.out
    monkeypatch.setenv("RANK", "1")
    assert main(argv) == 0
    assert capsys.readouterr().out == ""


def test_predict_writes_the_bands_of_a_calibrated_model_and_refuses_fractions(tmp_path, capsys):
    model, out = tmp_path / "m", tmp_path / "f.csv"
    assert main(["forecast", "--epochs", "1", "--no-plot", "--level", "80", "--horizon", "6", "--save",
                 str(model), "--out", str(tmp_path / "first.csv")]) == 0
    assert list(pd.read_csv(tmp_path / "first.csv").columns) == ["ds", "forecast", "lo-80", "hi-80"]
    assert main(["predict", str(model), "--horizon", "3", "--level", "80", "--out", str(out)]) == 0
    frame = pd.read_csv(out)
    assert list(frame.columns) == ["ds", "forecast", "lo-80", "hi-80"] and len(frame) == 3
    assert (frame["lo-80"] < frame["forecast"]).all() and (frame["forecast"] < frame["hi-80"]).all()
    capsys.readouterr()
    assert main(["predict", str(model), "--level", "0.8"]) == 2
    assert "pass 80, not 0.8" in capsys.readouterr().err
