import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

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
    (lambda d: ["forecast", write(d, "a.csv", "v\n" + "1\n" * 12)], "too short"),
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
    (lambda d: ["demo", "echo", "--digits", "3"], "demo 'echo' has no option --digits; its options"),
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
