import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lstmkit import InputError
from lstmkit.cli import main


@pytest.fixture
def csv(tmp_path, seasonal_series):
    path = tmp_path / "sales.csv"
    frame = pd.DataFrame({"month": seasonal_series.index.strftime("%Y-%m-%d"),
                          "sales": seasonal_series.to_numpy().round(2),
                          "other": np.arange(120)})
    frame.to_csv(path, index=False)
    return path


def run_json(capsys, *args):
    assert main([*args, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_forecast_csv_end_to_end(capsys, csv, tmp_path):
    plot, out = tmp_path / "plot.png", tmp_path / "future.csv"
    result = run_json(capsys, "forecast", str(csv), "--column", "sales", "--horizon", "12",
                      "--epochs", "20", "--plot", str(plot), "--out", str(out))
    assert list(result)[:4] == ["task", "data", "metrics", "timings"]
    assert result["task"] == "forecast" and result["data"]["n_test"] == 40
    assert set(result["metrics"]) == {"lstmkit", "naive", "seasonal naive"}
    assert set(result["metrics"]["lstmkit"]["multi_step"]) == {"rmse", "mae", "smape", "mase"}
    assert plot.read_bytes()[:4] == b"\x89PNG"
    future = pd.read_csv(out, parse_dates=["ds"])
    assert len(future) == 12 and future["ds"].iloc[0] == pd.Timestamp("2010-01-01")


def test_forecast_bundled_airline_prints_a_table(capsys, tmp_path):
    assert main(["forecast", "--plot", str(tmp_path / "a.png")]) == 0
    out = capsys.readouterr().out
    assert "rolling one-step" in out and "48-step forecast" in out and "seasonal naive" in out


def test_demo_airline_seed_config_writes_a_plot(capsys, tmp_path, monkeypatch):
    import lstmkit.demos.airline as airline

    class ShortTutorial(airline.TutorialForecaster):  # 2 epochs instead of 100, for speed
        def __init__(self, look_back=3, hidden_size=4, epochs=2, batch_size=8, random_state=None):
            super().__init__(look_back, hidden_size, epochs, batch_size, random_state)

    monkeypatch.setattr(airline, "TutorialForecaster", ShortTutorial)
    plot = tmp_path / "air.png"
    result = run_json(capsys, "demo", "airline", "--seed-config", "--plot", str(plot))
    assert set(result["metrics"]) == {"lstmkit", "tutorial LSTM", "naive", "seasonal naive"}
    assert plot.read_bytes()[:4] == b"\x89PNG"


def test_demo_echo_json(capsys):
    result = run_json(capsys, "demo", "echo")
    assert result["task"] == "echo" and result["metrics"]["lstm"]["accuracy"] == 1.0


def write(tmp_path, name, text, encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return str(path)


BAD = [
    (lambda d: ["forecast", str(d / "missing.csv")], "does not exist"),
    (lambda d: ["forecast", write(d, "a.csv", "month,sales\n2000-01-01,1\n"), "--column", "x"],
     "--column 'x' is not in"),
    (lambda d: ["forecast", write(d, "a.csv", "a,b\n1,2\n3,4\n")], "choose the series with --column"),
    (lambda d: ["forecast", write(d, "a.csv", "v\n" + "1\nabc\n" * 30)],
     "must hold numbers only; received the value 'abc'"),
    (lambda d: ["forecast", write(d, "a.csv", "v,note\n" + "1,a\n,b\n" * 30), "--column", "v"],
     "column 'v' must hold finite numbers; received nan at position 1"),
    (lambda d: ["forecast", write(d, "a.csv", "v\n" + "1\ninf\n" * 30)], "received inf"),
    (lambda d: ["forecast", write(d, "a.csv", "v\n" + "1\n" * 6)], "too short"),
    (lambda d: ["forecast", "--horizon", "0"], "argument --horizon: must be an integer >= 1"),
    (lambda d: ["forecast", "--horizon", "-2"], "argument --horizon"),
    (lambda d: ["forecast", "--horizon", "100"], "horizon must be at most the 48 test values"),
    (lambda d: ["forecast", "--arch", "gru"], "invalid choice: 'gru'"),
    (lambda d: ["forecast", "--test-size", "2.5"], "argument --test-size"),
    (lambda d: ["forecast", write(d, "a.csv", "date,v\n2000-02-01,1\n2000-01-01,2\n2000-03-01,3\n")],
     "unsorted dates"),
    (lambda d: ["forecast", write(d, "a.csv", "date,v\n2000-01-01,1\n2000-01-01,2\n2000-02-01,3\n")],
     "duplicated date"),
    (lambda d: ["forecast", write(d, "a.csv", "v\n1\n\xe9\n", encoding="latin-1")], "not UTF-8"),
    (lambda d: ["forecast", write(d, "a.csv", "")], "is empty"),
    (lambda d: ["demo", "sine"], "invalid choice: 'sine'"),
    (lambda d: ["demo", "echo", "--length", "0"], "argument --length: must be an integer >= 1"),
    (lambda d: ["demo", "echo", "--out-index", "9"], "out_index must be in [0, 4]"),
    (lambda d: ["demo", "echo", "--digits", "3"], "demo 'echo' has no option --digits; its options are "
     "--length, --n-features, --out-index, --hidden-size, --epochs\n"),
    (lambda d: ["demo", "addition", "--length", "3"], "demo 'addition' has no option --length; its options "
     "are --n-terms, --digits, --hidden-size, --epochs, --decoder\n"),
    (lambda d: ["demo", "echo", "--out-index", "-1"],
     "out_index must be in [0, 4] for length 5; received -1"),
    (lambda d: ["demo", "echo", "--length", "8", "--out-index", "-8"],
     "out_index must be in [0, 7] for length 8; received -8"),
    (lambda d: ["demo", "echo", "--plot", "x.png"], "demo 'echo' draws no plot"),
]


@pytest.mark.parametrize("make_args, message", BAD)
def test_bad_input_is_one_line_exit_2_and_no_files(make_args, message, tmp_path, capsys):
    plot = tmp_path / "plot.png"
    args = make_args(tmp_path)
    with pytest.raises(SystemExit) as exit_info:
        raise SystemExit(main([*args, "--plot", str(plot)] if args[0] == "forecast" else args))
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and "Traceback" not in err
    assert not plot.exists() and not list(tmp_path.glob(".plot*"))


def test_console_script_exits_2_without_traceback(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "lstmkit.cli", "forecast", "nope.csv"],
                          capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.strip() == "lstmkit forecast: error: data file 'nope.csv' does not exist"


def ucr_style_csv(path, n, rng, lengths=(30, 30)):
    rows = []
    for i in range(n):
        t = np.arange(rng.integers(lengths[0], lengths[1] + 1))
        base = np.sin(t / 3 + rng.uniform(0, 6))
        label = "sine" if i % 2 == 0 else "square"
        rows.append([label, *(base if label == "sine" else np.sign(base)).round(3)])
    width = max(len(r) for r in rows)
    frame = pd.DataFrame([r + [None] * (width - len(r)) for r in rows],
                         columns=["label", *(f"t{i}" for i in range(width - 1))])
    frame.to_csv(path, index=False)
    return path


def test_classify_csv_end_to_end_with_variable_lengths(capsys, tmp_path):
    rng = np.random.default_rng(0)
    train = ucr_style_csv(tmp_path / "train.csv", 60, rng, lengths=(20, 40))
    test = ucr_style_csv(tmp_path / "test.csv", 30, rng, lengths=(20, 40))
    plot = tmp_path / "cm.png"
    result = run_json(capsys, "classify", "--train", str(train), "--test", str(test), "--arch",
                      "vanilla", "--epochs", "30", "--plot", str(plot))
    assert result["task"] == "classify" and result["data"]["classes"] == ["sine", "square"]
    assert set(result["metrics"]) == {"lstmkit", "majority class"}  # no 1-NN on ragged data
    assert result["metrics"]["lstmkit"]["accuracy"] > result["metrics"]["majority class"]["accuracy"]
    assert plot.read_bytes()[:4] == b"\x89PNG"


def test_classify_bundled_dataset_table(capsys, tmp_path):
    assert main(["classify", "--dataset", "ItalyPowerDemand", "--epochs", "3", "--plot",
                 str(tmp_path / "cm.png")]) == 0
    out = capsys.readouterr().out
    assert "ItalyPowerDemand" in out and "1-NN euclidean" in out and "majority class" in out


@pytest.mark.parametrize("make_args, message", [
    (lambda d: ["classify", "--dataset", "Nope"], "unknown UCR/UEA dataset 'Nope'; the installed aeon ships"),
    (lambda d: ["classify", "--train", "a.csv"], "give --train and --test together"),
    (lambda d: ["classify", "--train", write(d, "a.csv", "label,t0,t1\nx,1,abc\n"), "--test",
                write(d, "b.csv", "label,t0\nx,1\n")], "row 2, column 't1' holds 'abc'"),
    (lambda d: ["classify", "--train", write(d, "a.csv", "label,t0,t1,t2\nx,1,,3\n"), "--test",
                write(d, "b.csv", "label,t0\nx,1\n")], "empty cell inside the sequence"),
    (lambda d: ["classify", "--train", write(d, "a.csv", "label,t0\nx,1\nx,2\n"), "--test",
                write(d, "b.csv", "label,t0\nx,1\n")], "y must hold at least 2 classes"),
    (lambda d: ["classify", "--arch", "generative"], "invalid choice: 'generative'"),
])
def test_classify_bad_input_is_one_line_exit_2(make_args, message, tmp_path, capsys):
    plot = tmp_path / "cm.png"
    with pytest.raises(SystemExit) as exit_info:
        raise SystemExit(main([*make_args(tmp_path), "--plot", str(plot)]))
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and not plot.exists()


def test_output_files_get_ordinary_permissions(tmp_path, capsys):
    import os

    plot = tmp_path / "p.png"
    assert main(["forecast", "--epochs", "5", "--plot", str(plot)]) == 0
    umask = os.umask(0)
    os.umask(umask)
    assert plot.stat().st_mode & 0o777 == 0o666 & ~umask
    assert [p.name for p in tmp_path.iterdir()] == ["p.png"]  # no temporary file left


def test_demo_errors_list_only_options_the_parser_accepts(capsys):
    """The options an error lists for a demo are command-line options of `lstmkit demo`."""
    from lstmkit.cli import build_parser
    from lstmkit.demos import DEMOS

    demo_parser = build_parser()._subparsers._group_actions[0].choices["demo"]
    known = {s for action in demo_parser._actions for s in action.option_strings}
    for name in DEMOS:
        wrong = "--length" if name == "addition" else "--digits"
        assert main(["demo", name, wrong, "3"]) == 2
        err = capsys.readouterr().err
        listed = err.split("its options are ")[1].strip().split(", ")
        assert listed and set(listed) <= known, (name, listed)


@pytest.fixture
def fail_if_trained(monkeypatch):
    """Training (the comparison) raises: a check that must come first fails the test otherwise."""
    import lstmkit.evaluation

    def trained(*args, **kwargs):
        raise AssertionError("trained before checking the outputs")

    monkeypatch.setattr(lstmkit.evaluation, "evaluate_forecasters", trained)
    monkeypatch.setattr(lstmkit.evaluation, "evaluate_classifiers", trained)


def _setup_targets(d):
    (d / "full").mkdir()
    (d / "full" / "x").write_text("mine")
    (d / "folder").mkdir()
    (d / "afile").write_text("mine")


@pytest.mark.parametrize("argv, message", [
    (["classify", "--dataset", "GunPoint", "--epochs", "1", "--save", "full", "--report", "r.html"],
     "--save 'full' is a non-empty folder that holds no lstmkit model"),
    (["classify", "--save", "afile", "--report", "r.html"], "--save 'afile' is a file"),
    (["classify", "--report", "r.html", "--plot", "folder"], "--plot 'folder' is a folder; give a file name"),
    (["forecast", "--report", "r.html", "--out", "folder"], "--out 'folder' is a folder; give a file name"),
    (["forecast", "--report", "r.html", "--out", "afile/next.csv"],
     "--out 'afile/next.csv' cannot be written: 'afile' is a file, not a folder"),
    (["forecast", "--report", "r.html", "--save", "afile/model"],
     "--save 'afile/model' cannot be written: 'afile' is a file, not a folder"),
    (["forecast", "--report", "same", "--out", "same"], "--report and --out both name 'same'"),
    (["forecast", "--report", "r.html", "--out", "next.xlsx"], "--out 'next.xlsx' must end in .csv, "),
    (["forecast", "--save", "m", "--out", "m/next.csv"],
     "--out 'm/next.csv' is inside the --save folder 'm'"),
    (["tune", "--plot", "folder"], "--plot 'folder' is a folder"),
])
def test_every_output_is_checked_before_training(argv, message, tmp_path, monkeypatch, capsys,
                                                 fail_if_trained):
    import lstmkit.tuning

    monkeypatch.setattr(lstmkit.tuning, "tune", lambda *a, **k: pytest.fail("tuned before the check"))
    monkeypatch.chdir(tmp_path)
    _setup_targets(tmp_path)
    before = sorted(str(p) for p in tmp_path.rglob("*"))
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
    assert sorted(str(p) for p in tmp_path.rglob("*")) == before  # no file written, none removed


def _labelled_csv(path, labels, rng):
    rows = [[lab, *(rng.normal(size=8) + (2 if str(lab).startswith("1") else -2)).round(3)] for lab in labels]
    pd.DataFrame(rows, columns=["label", *(f"t{i}" for i in range(8))]).to_csv(path, index=False)
    return str(path)


@pytest.mark.parametrize("command", ["classify", "forecast"])
def test_a_failing_write_leaves_none_of_the_outputs(command, tmp_path, monkeypatch, capsys):
    """The last output fails: the ones finished before it are not left behind, and a file that an
    output would have replaced keeps its old content."""
    import lstmkit.plots

    def broken(*args, **kwargs):
        raise InputError("the disk is full")

    monkeypatch.chdir(tmp_path)
    (tmp_path / "r.html").write_text("an earlier report")
    if command == "classify":  # the model is written last
        monkeypatch.setattr("lstmkit.persistence._write_json", broken)
        train = _labelled_csv(tmp_path / "train.csv", ["1", "2"] * 6, np.random.default_rng(0))
        argv = ["classify", "--train", train, "--test", train, "--arch", "vanilla", "--epochs", "1",
                "--report", "r.html", "--plot", "cm.png", "--save", "model"]
    else:  # the plot is written last (the report draws its own copy in a temporary folder first)
        draw = lstmkit.plots.plot_forecasts

        def plot_forecasts(*args, **kwargs):
            if Path(args[3]).resolve().parent == tmp_path.resolve():
                raise InputError("the disk is full")
            return draw(*args, **kwargs)

        monkeypatch.setattr(lstmkit.plots, "plot_forecasts", plot_forecasts)
        argv = ["forecast", "--epochs", "1", "--report", "r.html", "--out", "new/next.csv", "--save",
                "model", "--plot", "f.png"]
    assert main(argv) == 2
    assert "the disk is full" in capsys.readouterr().err
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left == (["r.html", "train.csv"] if command == "classify" else ["r.html"])
    assert (tmp_path / "r.html").read_text() == "an earlier report"


def test_forecast_writes_every_output_and_lists_them(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "r.html").write_text("an earlier report")
    result = run_json(capsys, "forecast", "--epochs", "1", "--report", "r.html", "--out", "new/next.csv",
                      "--save", "model", "--plot", "f.png")
    assert result["files"] == {"report": "r.html", "forecast": "new/next.csv", "model": "model",
                               "plot": "f.png"}
    assert "<html" in (tmp_path / "r.html").read_text() and len(pd.read_csv("new/next.csv")) == 48
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f.png", "model", "new", "r.html"]


def test_classify_csv_labels_are_text_and_checked(tmp_path, capsys):
    from lstmkit.data.csv import read_sequences_csv

    rng = np.random.default_rng(0)
    train = _labelled_csv(tmp_path / "train.csv", ["1", "2"] * 6, rng)
    blank = tmp_path / "blank.csv"
    _labelled_csv(blank, ["1", "2", "1", "2", "", "1"], rng)
    floats = _labelled_csv(tmp_path / "floats.csv", ["1.0", "2.0"] * 3, rng)
    _, labels = read_sequences_csv(train)
    assert labels.tolist() == ["1", "2"] * 6
    assert main(["classify", "--train", train, "--test", str(blank), "--no-plot"]) == 2
    assert capsys.readouterr().err == (f"lstmkit classify: error: {blank} row 6 has an empty label (column "
                                       "'label'); every sequence needs one\n")
    assert main(["classify", "--train", train, "--test", floats, "--no-plot"]) == 2
    assert capsys.readouterr().err == (f"lstmkit classify: error: --test {floats!r} has labels '1.0', '2.0', "
                                       f"none of them a class of --train {train!r} ('1', '2'); both files "
                                       "must name the classes the same way\n")
    na = tmp_path / "na.csv"
    na.write_text("label,t0\nNA,1\n 01 ,2\n")
    assert read_sequences_csv(na)[1].tolist() == ["NA", "01"]  # as written: not missing, not a number


def test_a_plot_path_without_a_suffix_gets_a_png_and_nothing_else(tmp_path):
    from lstmkit.cli import main

    assert main(["forecast", "--epochs", "1", "--plot", str(tmp_path / "noext"), "--json"]) == 0
    assert [p.name for p in tmp_path.iterdir()] == ["noext"]
    assert (tmp_path / "noext").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_an_output_never_replaces_the_input_data(tmp_path, capsys):
    data = tmp_path / "series.csv"
    pd.DataFrame({"month": pd.date_range("2000-01-01", periods=60, freq="MS").strftime("%Y-%m-%d"),
                  "price $": np.arange(60.0) + 100}).to_csv(data, index=False)
    before = data.read_text()
    argv = ["forecast", str(data), "--column", "price $", "--date-column", "month", "--epochs", "1",
            "--no-plot"]
    assert main([*argv, "--out", str(data)]) == 2
    assert "--out " in capsys.readouterr().err and data.read_text() == before


def test_a_dollar_in_a_series_name_is_text_in_plots_and_reports(tmp_path):
    data = tmp_path / "math.csv"
    pd.DataFrame({"month": pd.date_range("2000-01-01", periods=60, freq="MS").strftime("%Y-%m-%d"),
                  "cost $\\foo$ usd": np.arange(60.0) + 100}).to_csv(data, index=False)
    assert main(["forecast", str(data), "--column", "cost $\\foo$ usd", "--date-column", "month", "--epochs",
                 "1", "--plot", str(tmp_path / "p.png"), "--report", str(tmp_path / "r.html")]) == 0
    assert (tmp_path / "p.png").exists() and (tmp_path / "r.html").exists()


def test_forecast_pretrained_ensemble_is_what_the_saved_model_holds(capsys, csv, tmp_path):
    import lstmkit

    result = run_json(capsys, "forecast", str(csv), "--column", "sales", "--horizon", "12", "--epochs", "5",
                      "--pretrained", "ensemble", "--no-plot", "--save", str(tmp_path / "m"))
    assert np.isfinite(result["metrics"]["lstmkit"]["multi_step"]["mase"])
    saved = lstmkit.load(tmp_path / "m")
    assert saved.pretrained == "ensemble" and saved.ensemble_members_[0] == "own LSTM"
    assert "damped trend" in saved.ensemble_members_


def test_forecast_of_an_exactly_periodic_series_shows_mase_as_na(tmp_path, capsys):
    path = tmp_path / "periodic.csv"
    pd.DataFrame({"month": pd.date_range("1900-01-01", periods=120, freq="MS").strftime("%Y-%m-%d"),
                  "y": np.tile([5, 7, 9, 4, 6, 8, 10, 12, 11, 9, 7, 6], 10)}).to_csv(path, index=False)
    result = run_json(capsys, "forecast", str(path), "--epochs", "1", "--no-plot")
    for values in result["metrics"].values():
        for kind in ("one_step", "multi_step"):
            assert values[kind]["mase"] is None and values[kind]["smape"] >= 0  # JSON null, not NaN
    assert result["metrics"]["seasonal naive"]["multi_step"]["rmse"] == 0
    assert result["comparison"][1].startswith("seasonal naive beats lstmkit on the multi-step forecast: "
                                              "sMAPE 0.000 vs ")
    assert result["comparison"][1].endswith("(seasonal naive forecasts them exactly); use seasonal naive "
                                            "here")
    assert main(["forecast", str(path), "--epochs", "1", "--no-plot"]) == 0
    table = capsys.readouterr().out
    assert "n/a" in table and "nan" not in table.lower() and "inf%" not in table
