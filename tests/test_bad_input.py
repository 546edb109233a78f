"""The bad-input catalogue: every malformed input below gets exactly the error listed.

The same catalogue is the table in docs/bad-input.md; regenerate it after changing a
message with ``python tests/test_bad_input.py --write`` (a test checks they agree).
Python API errors are exceptions with one line; CLI errors are one line on stderr, exit
status 2, no traceback and no output file.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "bad-input.md"


def _air(n=96):
    from lstmkit.datasets import load_airpassengers

    return load_airpassengers()[:n]


def _fitted_classifier():
    from lstmkit import SequenceClassifier

    X = np.random.default_rng(0).normal(size=(8, 5, 2))
    return SequenceClassifier(arch="vanilla", hidden_size=2, epochs=1, n_folds=1, random_state=0).fit(
        X, ["a", "b"] * 4)


def _fitted_forecaster():
    from lstmkit import Forecaster

    return Forecaster(hidden_size=2, epochs=1, random_state=0).fit(_air())


def api_cases():
    """(what, call) pairs for the Python API; each call must raise."""
    from lstmkit import Forecaster, Seq2Seq, SequenceClassifier, TextClassifier, load
    from lstmkit.datasets import load_ucr

    dates = pd.date_range("2000-01-01", periods=40, freq="MS")
    values = np.arange(40.0) + 1
    return [
        ("2-D array as one series", lambda: Forecaster().fit(np.ones((30, 3)))),
        ("text inside a series", lambda: Forecaster().fit([1.0, 2.0, "three"] * 20)),
        ("NaN inside a series", lambda: Forecaster().fit([1.0, np.nan] * 30)),
        ("inf inside a series", lambda: Forecaster().fit([1.0, np.inf] * 30)),
        ("absurd magnitude (1e30)", lambda: Forecaster().fit([1e30, 1.0] * 30)),
        ("empty series", lambda: Forecaster().fit([])),
        ("series too short for the lookback", lambda: Forecaster().fit(np.arange(4.0))),
        ("unsorted dates", lambda: Forecaster().fit(pd.Series(values, index=dates[::-1]))),
        ("duplicate dates", lambda: Forecaster().fit(pd.Series(values, index=dates.where(
            np.arange(40) != 5, dates[4])))),
        ("a DataFrame of several columns",
         lambda: Forecaster().fit(pd.DataFrame({"a": values, "b": values}))),
        ("unknown architecture", lambda: Forecaster(arch="transformer").fit(_air())),
        ("architecture that cannot forecast", lambda: Forecaster(arch="encoder-decoder").fit(_air())),
        ("unknown architecture option", lambda: Forecaster(arch_options={"layers": 3}).fit(_air())),
        ("negative size", lambda: Forecaster(hidden_size=-3).fit(_air())),
        ("float where an int belongs", lambda: Forecaster(epochs=2.5).fit(_air())),
        ("non-positive learning rate", lambda: Forecaster(lr=0).fit(_air())),
        ("unknown transform", lambda: Forecaster(transform="sqrt").fit(_air())),
        ("log of non-positive values", lambda: Forecaster(transform="log").fit(np.arange(-10.0, 50.0))),
        ("predict before fit", lambda: Forecaster().predict(12)),
        ("zero horizon", lambda: _fitted_forecaster().predict(0)),
        ("huge horizon", lambda: _fitted_forecaster().predict(10**9)),
        ("classifier: X and y lengths differ",
         lambda: SequenceClassifier().fit(np.ones((4, 5, 1)), [0, 1, 0])),
        ("classifier: a single class", lambda: SequenceClassifier().fit(np.ones((4, 5, 1)), [1, 1, 1, 1])),
        ("classifier: an empty sequence", lambda: SequenceClassifier().fit(
            [np.ones((3, 1)), np.ones((0, 1))], [0, 1])),
        ("classifier: NaN inside a sequence", lambda: SequenceClassifier().fit(
            [np.ones((3, 1)), np.array([[1.0], [np.nan]])], [0, 1])),
        ("classifier: aeon's (n, channels, time) without channels_first",
         lambda: SequenceClassifier().fit(np.ones((4, 1, 5)), [0, 1, 0, 1])),
        ("classifier: wrong channel count at predict",
         lambda: _fitted_classifier().predict(np.ones((2, 5, 3)))),
        ("classifier: unknown class_weight", lambda: SequenceClassifier(class_weight="auto").fit(
            np.ones((4, 5, 1)), [0, 1, 0, 1])),
        ("classifier: unknown lr_schedule", lambda: SequenceClassifier(lr_schedule="step").fit(
            np.ones((4, 5, 1)), [0, 1, 0, 1])),
        ("unknown UCR/UEA dataset", lambda: load_ucr("GunPont")),
        ("text classifier: a number among texts", lambda: TextClassifier().fit(["good", 3], ["p", "n"])),
        ("load a folder that holds no model", lambda: load("no-such-model")),
        ("many series: duplicate (unique_id, ds) pairs", lambda: Forecaster(strategy="direct", horizon=2).fit(
            pd.DataFrame({"unique_id": ["a", "a", "b"], "ds": [1, 1, 1], "y": [1.0, 2.0, 3.0]}))),
        ("many series: a missing column", lambda: Forecaster().fit(
            pd.DataFrame({"series": ["a", "b"], "ds": [1, 1], "y": [1.0, 2.0]}))),
        ("many series: mixed frequencies", lambda: Forecaster().fit(pd.concat(
            [pd.DataFrame({"unique_id": u, "ds": pd.date_range("2000", periods=6, freq=f), "y": 1.0})
             for u, f in (("m", "MS"), ("q", "QS"))]))),
        ("many series: NaN in one series", lambda: Forecaster().fit([np.ones(20), [1.0, np.nan] * 10])),
        ("many series: none long enough", lambda: Forecaster(strategy="direct", horizon=12).fit(
            [np.ones(5), np.ones(9)])),
        ("many series: direct strategy without horizon", lambda: Forecaster(strategy="direct").fit(
            [np.ones(20), np.ones(20)])),
        ("many series: h past the direct horizon",
         lambda: Forecaster(strategy="direct", horizon=3, epochs=1, hidden_size=2).fit(
             [np.arange(1.0, 21.0), np.arange(2.0, 22.0)]).predict(5)),
        ("many series: forecast after dates of another frequency",
         lambda: Forecaster(strategy="direct", horizon=2, epochs=1, hidden_size=2).fit(pd.DataFrame(
             {"unique_id": "a", "ds": dates, "y": values})).predict(2, y=pd.DataFrame(
                 {"unique_id": "a", "ds": pd.date_range("2000", periods=40, freq="D"), "y": values}))),
        ("a hidden size that would exhaust memory", lambda: Forecaster(hidden_size=10**9).fit(values)),
        ("a million stacked layers", lambda: Forecaster(arch="stacked", arch_options={"n_layers": 10**6}).fit(
            values)),
        ("labels that mix text and numbers", lambda: SequenceClassifier(epochs=1).fit(
            np.zeros((4, 5, 1)), [1, "a", 1, "a"])),
        ("several targets with a recursive strategy", lambda: Forecaster().fit(
            pd.DataFrame({"a": values, "b": values}))),
        ("pretrained checkpoint of another frequency", lambda: Forecaster(pretrained="monthly").fit(
            pd.Series(values, index=pd.date_range("2000-01-01", periods=40, freq="QS")))),
        ("holidays of an unknown country", lambda: Forecaster(strategy="direct", horizon=3).fit(
            pd.Series(values, index=dates), holidays="XX")),
        ("a char-level text classifier on one 2 MB text (16 GB free)", lambda: _with_free_memory(
            2**34, lambda: TextClassifier(level="char", epochs=1).fit(["ab " * 700_000] + ["short"] * 9,
                                                                      [0, 1] * 5))),
        ("a lookback of 50,000 on 200,000 values (16 GB free)", lambda: _with_free_memory(
            2**34, lambda: Forecaster(lookback=50_000, epochs=1).fit(np.zeros(200_000)))),
        ("interval level as a fraction", lambda: Forecaster(conformal_windows=2, epochs=1).fit(
            values).predict(3, level=0.8)),
        ("a daily series with missing days", lambda: Forecaster(epochs=1).fit(pd.Series(
            values, index=pd.date_range("2020-01-01", periods=40, freq="D")).drop(
            pd.to_datetime(["2020-01-05", "2020-01-06"])))),
        ("classifier: continuous labels", lambda: SequenceClassifier(epochs=1).fit(
            np.ones((6, 5, 1)), np.linspace(0, 1, 6))),
        ("a weight_decay that outweighs any fit", lambda: Forecaster(weight_decay=1e300).fit(values)),
        ("load a path that is not a folder path", lambda: load(None)),
        ("classifier: a time_budget too small for one epoch (steps of 0.5 s)", lambda: _with_step_seconds(
            0.5, lambda: SequenceClassifier(time_budget=1).fit(np.random.default_rng(0).normal(
                size=(8, 30, 1)), [0, 1] * 4))),
        ("a stacked network too big for memory (16 GB free)", lambda: _with_free_memory(
            2**34, lambda: Forecaster(arch="stacked", hidden_size=8192, arch_options={"n_layers": 64},
                                      epochs=1).fit(values))),
        ("a thousand wide ensemble members (16 GB free)", lambda: _with_free_memory(2**34, lambda: Forecaster(
            hidden_size=8192, n_models=1000, epochs=1).fit(values))),
        ("classifier: predicting one sequence of 5,000,000 steps (16 GB free)", lambda: _with_free_memory(
            2**34, lambda: SequenceClassifier(epochs=1, hidden_size=8, n_folds=1, random_state=0).fit(
                np.random.default_rng(0).normal(size=(4, 5, 1)), [0, 1, 0, 1]).predict(
                np.zeros((1, 5_000_000, 1), np.float32)))),
        ("seq2seq: a source of 5 million characters", lambda: Seq2Seq(
            epochs=1, hidden_size=4, embedding_dim=2, random_state=0).fit(
            ["1+2", "3+4"] * 5, ["3", "7"] * 5).predict(["1+" * 2_500_000])),
    ]


def _with_free_memory(n: int, call):
    """``call()`` as if ``n`` bytes of memory were available (the message names the amount)."""
    from unittest import mock

    with mock.patch("lstmkit.memory.available_bytes", lambda device="cpu": n):
        return call()


def _with_step_seconds(seconds: float, call):
    """``call()`` as if a gradient step took ``seconds`` (time_budget's probe; the message names it)."""
    from unittest import mock

    with mock.patch("lstmkit.tasks.time_budget.step_seconds", lambda *args: seconds):
        return call()


def _write(folder: Path, name: str, content: bytes) -> str:
    path = folder / name
    path.write_bytes(content)
    return str(path)


def _train_config(folder: Path, frame: pd.DataFrame, **extra) -> str:
    """A config for `lstmkit train` over ``frame`` written as Parquet (output: model/)."""
    import yaml

    frame.to_parquet(folder / "data.parquet", index=False)
    config = {"task": "forecast", "data": str(folder / "data.parquet"), "output": str(folder / "model"),
              "params": {"strategy": "direct", "horizon": 2}, **extra}
    (folder / "train.yaml").write_text(yaml.safe_dump(config))
    return str(folder / "train.yaml")


def _long(ids) -> pd.DataFrame:
    """Rows of series ``ids`` (one id per row, in file order), times counting per series."""
    ids = pd.Series(ids)
    return pd.DataFrame({"unique_id": ids, "ds": ids.groupby(ids).cumcount(), "y": 1.0})


def cli_cases():
    """(what, argv maker) pairs for the command line; each must exit 2 with one line."""
    return [
        ("CSV that is not UTF-8", lambda d: ["forecast", _write(d, "latin.csv", "y\n1\n2\ncaf\xe9\n".encode(
            "latin-1"))]),
        ("CSV file that does not exist", lambda d: ["forecast", str(d / "missing.csv")]),
        ("CSV column that does not exist", lambda d: ["forecast", _write(d, "s.csv", b"a,b\n1,2\n3,4\n"),
                                                      "--column", "c"]),
        ("CSV with text in the values", lambda d: ["forecast", _write(d, "t.csv", b"y\n1\n2\nabc\n" * 20)]),
        ("horizon longer than the test part", lambda d: ["forecast", "--horizon", "60"]),
        ("negative epochs", lambda d: ["forecast", "--epochs", "-5"]),
        ("unknown command option", lambda d: ["forecast", "--colour", "red"]),
        ("classify: unknown dataset", lambda d: ["classify", "--dataset", "Nope"]),
        ("classify: only --train", lambda d: ["classify", "--train", "a.csv"]),
        ("demo: unknown name", lambda d: ["demo", "pong"]),
        ("demo: an option that demo does not take", lambda d: ["demo", "echo", "--digits", "3"]),
        ("predict: no model there", lambda d: ["predict", str(d / "nothing")]),
        ("train: an unknown config key", lambda d: ["train", _train_config(d, _long(["a"] * 9), epoch=3)]),
        ("train: Parquet data without the required columns",
         lambda d: ["train", _train_config(d, _long(["a"] * 9).rename(columns={"y": "sales"}))]),
        ("train: Parquet data with a series in two places",
         lambda d: ["train", _train_config(d, _long(["a"] * 9 + ["b"] * 9 + ["a"] * 9))]),
        ("--out a device file", lambda d: ["forecast", "--out", "/dev/null"]),
        ("--out a symbolic link", lambda d: ["forecast", "--out", _link(d)]),
        ("CSV dates as unix seconds", lambda d: ["forecast", _write(d, "u.csv", (
            "date,y\n" + "".join(f"{1609459200 + 86400 * i},{i}\n" for i in range(40))).encode())]),
        ("CSV rows longer than the header (decimal commas)", lambda d: ["forecast", _write(d, "c.csv", (
            "y\n" + "".join(f"{i},5\n" for i in range(40))).encode())]),
        ("CSV with 200,000 columns", lambda d: ["forecast", _write(d, "w.csv", (
            ",".join(f"c{i}" for i in range(200_000)) + "\n" + ",".join("1" * 200_000) + "\n").encode())]),
        ("CSV dates that read day first and month first", lambda d: ["forecast", _write(d, "d.csv", (
            "date,y\n" + "".join(f"01/{m:02d}/{2000 + y},{y * 12 + m}\n" for y in range(4)
                                 for m in range(1, 13))).encode())]),
        ("--date-unit on text dates", lambda d: ["forecast", _write(d, "e.csv", (
            "date,y\n" + "".join(f"2000-{m:02d}-01,{m}\n" for m in range(1, 13))).encode()),
            "--date-unit", "s"]),
        ("--date-unit s on milliseconds far past 2261", lambda d: ["forecast", _write(d, "m.csv", (
            "date,y\n" + "".join(f"{1609459200000 * 100 + i},{i}\n" for i in range(40))).encode()),
            "--date-unit", "s"]),
        ("--tz that is not a zone", lambda d: ["forecast", _write(d, "z.csv", (
            "date,y\n" + "".join(f"2000-{m:02d}-01,{m}\n" for m in range(1, 13))).encode()),
            "--tz", "Mars/Base"]),
        ("--sep and --decimal the same", lambda d: ["forecast", _write(d, "s2.csv", b"y\n1\n2\n"),
                                                     "--sep", ",", "--decimal", ","]),
        ("--sep without a CSV file", lambda d: ["forecast", "--sep", ";"]),
        ("--date-format with a directive that does not exist", lambda d: ["forecast", _write(d, "f.csv", (
            "date,y\n" + "".join(f"2000-{m:02d}-01,{m}\n" for m in range(1, 13))).encode()),
            "--date-format", "%Y-%Q"]),
        ("--fill on a file without dates", lambda d: ["forecast", _write(d, "n.csv", (
            "y\n" + "".join(f"{i}\n" for i in range(40))).encode()), "--fill", "zero"]),
        ("dates no frequency fits, with --fill", lambda d: ["forecast", _write(d, "i.csv", (
            "date,y\n" + "".join(f"2000-01-{day:02d},{day}\n" for day in (1, 2, 4, 8, 16, 17, 30))).encode()),
            "--fill", "interpolate"]),
        ("two columns of dates", lambda d: ["forecast", _write(d, "two.csv", (
            "when,shipped,y\n" + "".join(f"2000-01-{k:02d},2000-02-{k:02d},{k}\n" for k in range(1, 28))
        ).encode())]),
        ("--out with an extension it cannot be written as", lambda d: ["forecast", "--out",
                                                                        str(d / "next.xlsx")]),
        ("--report that is not HTML", lambda d: ["forecast", "--report", str(d / "r.png")]),
        ("--plot in a format matplotlib cannot write", lambda d: ["tune", "--plot", str(d / "history.csv")]),
        ("predict: a config.json that is a JSON array",
         lambda d: ["predict", _tampered(d, "config.json", "[]")]),
        ("predict: NaN stored in preprocessing.json",
         lambda d: ["predict", _tampered(d, "preprocessing.json", _edit(mean=[float("nan")]))]),
        ("predict: an integer stored as text",
         lambda d: ["predict", _tampered(d, "preprocessing.json", _edit(n_channels="1"))]),
        ("predict: a weights file longer than its header says",
         lambda d: ["predict", _tampered(d, "weights.safetensors", lambda f: os.truncate(f, 30 << 30))]),
        ("predict: a config.json over its size limit",
         lambda d: ["predict", _tampered(d, "config.json", " " * (2 << 20))]),
        ("predict --level on a classifier", lambda d: ["predict", _classifier(d), "--level", "80"]),
        ("a test part longer than the longest forecast (1,000,000 values)", lambda d: ["forecast", _write(
            d, "long.csv", ("y\n" + "1\n2\n" * 500_000).encode())]),
    ]


def _classifier(folder) -> str:
    from lstmkit import SequenceClassifier

    path = folder / "clf"
    if not path.exists():
        SequenceClassifier(epochs=1, arch="vanilla", hidden_size=4, n_folds=1, random_state=0).fit(
            np.random.default_rng(0).normal(size=(8, 5, 1)), [0, 1] * 4).save(path)
    return str(path)


def _tampered(folder, name, change) -> str:
    """A copy of the saved classifier with file ``name`` rewritten (text) or changed (a function)."""
    import shutil

    path = folder / "tampered"
    shutil.rmtree(path, ignore_errors=True)
    shutil.copytree(_classifier(folder), path)
    (change if callable(change) else lambda f: f.write_text(change))(path / name)
    return str(path)


def _edit(**fields):
    import json

    return lambda file: file.write_text(json.dumps({**json.loads(file.read_text()), **fields}))


def _link(folder) -> str:
    (folder / "target.csv").write_text("keep\n")
    link = folder / "link.csv"
    if not link.is_symlink():
        link.symlink_to(folder / "target.csv")
    return str(link)


def run_api(call) -> tuple[str, str]:
    """(exception type name, message) of a call that must raise."""
    try:
        call()
    except Exception as error:  # noqa: BLE001 - the catalogue records whatever is raised
        return type(error).__name__, str(error)
    raise AssertionError("no error raised")


def run_cli(make, folder: Path) -> tuple[int, str, list[str]]:
    """(exit status, stderr, files left in folder) of a CLI call."""
    import contextlib
    import io

    from lstmkit.cli import main

    argv = make(folder)
    plot = folder / "out.png"
    if argv[0] in ("forecast", "classify"):
        argv = [*argv, "--plot", str(plot)]
    before = {p.name for p in folder.iterdir()}
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        try:
            status = main(argv)
        except SystemExit as exit_info:
            status = exit_info.code
    after = sorted({p.name for p in folder.iterdir()} - before)
    return status, err.getvalue(), after


@pytest.mark.parametrize("what, call", api_cases(), ids=[w for w, _ in api_cases()])
def test_api_bad_input_gets_one_line_error(what, call):
    from lstmkit.errors import InputError, NotFittedError

    kind, message = run_api(call)
    assert kind in {"InputError", "InputTypeError", "NotFittedError"}, (kind, message)
    assert issubclass(getattr(sys.modules["lstmkit.errors"], kind), (InputError, NotFittedError))
    assert "\n" not in message and message


@pytest.mark.parametrize("what, make", cli_cases(), ids=[w for w, _ in cli_cases()])
def test_cli_bad_input_exits_2_with_one_line_and_no_files(what, make, tmp_path):
    status, err, new_files = run_cli(make, tmp_path)
    assert status == 2, err
    assert err.count("\n") == 1 and "Traceback" not in err and err.startswith("lstmkit")
    assert new_files == []


def render(folder: Path) -> str:
    rows = ["| # | input | where | error |", "|---|---|---|---|"]
    for i, (what, call) in enumerate(api_cases(), 1):
        kind, message = run_api(call)
        rows.append(f"| {i} | {what} | Python API | `{kind}: {_cell(message)}` |")
    offset = len(rows) - 2
    for i, (what, make) in enumerate(cli_cases(), offset + 1):
        argv = make(folder)
        _, err, _ = run_cli(make, folder)
        shown = " ".join(a if not a.startswith(str(folder)) else Path(a).name for a in argv)
        err = err.strip().replace(str(folder) + "/", "")
        rows.append(f"| {i} | {what}: `lstmkit {shown}` | CLI, exit 2 | `{_cell(err)}` |")
    header = (
        "# Bad input: what lstmkit says\n\n"
        "Every row is exercised by `tests/test_bad_input.py`, which also checks that this table\n"
        "matches what the code says (regenerate: `python tests/test_bad_input.py --write`).\n"
        "Errors are raised before any training starts; the CLI prints one line, exits with\n"
        "status 2 and leaves no output file.\n\n"
    )
    return header + "\n".join(rows) + "\n"


def _cell(text: str) -> str:
    text = text if len(text) < 240 else text[:237] + "..."
    return text.replace("|", "\\|").replace("`", "'")


def test_docs_table_matches_the_catalogue(tmp_path):
    assert len(api_cases()) + len(cli_cases()) >= 25
    assert DOC.read_text() == render(tmp_path), "run: python tests/test_bad_input.py --write"


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        text = render(Path(folder))
    if "--write" in sys.argv:
        DOC.write_text(text)
        print(f"wrote {DOC}")
    else:
        print(text)
