"""The ``lstmkit`` argument parser: every command and option, and the type helpers they use.

Imports nothing heavy at module level; ``build_parser`` reads the architecture and demo
names from the library when it is called.
"""

from __future__ import annotations

import argparse


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (no usage dump) and exit status 2."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be an integer >= 1; received {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be an integer >= 1; received {text!r}")
    return value


def _test_size(text: str):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"must be a count (e.g. 48) or a fraction in (0, 1) (e.g. 0.33); received {text!r}"
        ) from None
    if value.is_integer() and value >= 1:
        return int(value)
    if 0 < value < 1:
        return value
    raise argparse.ArgumentTypeError(
        f"must be a count >= 1 or a fraction in (0, 1); received {text!r}"
    )


def _columns(text: str) -> list[str]:
    names = [c.strip() for c in text.split(",")]
    if not all(names) or len(set(names)) != len(names):
        raise argparse.ArgumentTypeError(f"must be distinct column names separated by commas (e.g. "
                                         f"promo,price); received {text!r}")
    return names


def build_parser() -> argparse.ArgumentParser:
    from lstmkit import __version__
    from lstmkit.archs import CLASSIFIER_ARCHS
    from lstmkit.archs import FORECAST_ARCHS as ARCHS
    from lstmkit.demos import DEMOS

    parser = _Parser(prog="lstmkit", description="LSTM networks for sequence problems.")
    parser.add_argument("--version", action="version", version=f"lstmkit {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    fc = sub.add_parser("forecast", help="train and evaluate a forecaster next to baselines")
    fc.add_argument("data", nargs="?", help="CSV file (default: the bundled AirPassengers)")
    fc.add_argument("--column", help="the CSV column to forecast")
    fc.add_argument("--date-column", help="the CSV column holding dates")
    fc.add_argument("--horizon", type=_positive_int,
                    help="steps of the multi-step forecast (default: the whole test part)")
    fc.add_argument("--test-size", type=_test_size,
                    help="held-out final values: a count or a fraction (default: 48 for the "
                         "bundled data, else one third)")
    fc.add_argument("--arch", default="vanilla", choices=ARCHS)
    fc.add_argument("--lookback", type=_positive_int, help="input window (default: one season)")
    fc.add_argument("--transform", default="none", choices=("none", "log"))
    fc.add_argument("--epochs", type=_positive_int, default=300)
    fc.add_argument("--pretrained", choices=("ensemble", "true", "yearly", "quarterly", "monthly", "other"),
                    help="ensemble: the median of the own LSTM, the pretrained checkpoint of the series' "
                         "frequency and a damped trend; true or a name: the checkpoint alone, zero-shot")
    fc.add_argument("--plot", default="forecast.png", help="PNG to write (default: forecast.png)")
    fc.add_argument("--no-plot", action="store_true", help="write no plot")
    fc.add_argument("--out", help="also refit on the whole series and write the next "
                                  "--horizon forecasts to this CSV")
    fc.add_argument("--level", type=float, nargs="+", metavar="PCT",
                    help="prediction intervals at these levels (e.g. 80 95), conformal, calibrated on "
                         "the training part; shown in the plot and scored by coverage")
    fc.add_argument("--report", metavar="HTML", help="also write a one-page, self-contained HTML report")
    fc.add_argument("--save", metavar="DIR", help="save the fitted model to this folder "
                    "(the one refit on the whole series with --out)")
    fc.add_argument("--future", type=_columns, metavar="COLS",
                    help="covariate columns known over the horizon (comma-separated, e.g. promo,price); "
                         "their future values are the rows after the series' last value, or --future-file")
    fc.add_argument("--past", type=_columns, metavar="COLS",
                    help="covariate columns known only up to the forecast origin (e.g. a leading indicator)")
    fc.add_argument("--future-file", metavar="CSV",
                    help="the --future columns' values after the series' end (the same date column)")
    fc.add_argument("--calendar", action="store_true",
                    help="calendar covariates from the dates (hour, day of week, month: by frequency)")
    fc.add_argument("--holidays", metavar="COUNTRY",
                    help="public holidays of this country as a covariate (e.g. US, GB, DE-BY)")
    _csv_options(fc)
    _common(fc)

    cl = sub.add_parser("classify", help="train and evaluate a sequence classifier next to baselines")
    cl.add_argument("--dataset", help="a UCR/UEA set that aeon ships (default: GunPoint)")
    cl.add_argument("--train", help="training CSV: label column first, then the values of each "
                                    "sequence (trailing cells may be empty)")
    cl.add_argument("--test", help="test CSV in the same format")
    cl.add_argument("--arch", default="cnn-lstm", choices=(*CLASSIFIER_ARCHS, "lstm-fcn"))
    cl.add_argument("--epochs", type=_positive_int, help="training epochs (default: the classifier's)")
    cl.add_argument("--time-budget", type=float, metavar="SECONDS",
                    help="seconds the classifier's fit may take: its epochs are planned to fit them")
    cl.add_argument("--plot", default="confusion.png", help="confusion-matrix PNG (default: confusion.png)")
    cl.add_argument("--no-plot", action="store_true", help="write no plot")
    cl.add_argument("--save", metavar="DIR", help="save the fitted classifier to this folder")
    cl.add_argument("--report", metavar="HTML", help="also write a one-page, self-contained HTML report")
    _csv_options(cl, dates=False)
    _common(cl)

    ge = sub.add_parser("generate", help="sample text from a saved SequenceGenerator")
    ge.add_argument("--model", required=True, help="model folder (e.g. out/shakespeare-model, written by "
                    "benchmarks/generation.py)")
    ge.add_argument("--prompt", default="", help="text to continue")
    ge.add_argument("--length", type=_positive_int, default=400, help="characters to sample (default: 400)")
    ge.add_argument("--temperature", type=float, default=0.8)
    ge.add_argument("--top-k", type=_positive_int, default=None)
    _common(ge)

    ss = sub.add_parser("seq2seq", help="train and evaluate Seq2Seq on addition or date normalisation")
    ss.add_argument("--task", choices=("addition", "dates"), default="addition")
    ss.add_argument("--epochs", type=_positive_int, help="maximum training epochs")
    ss.add_argument("--n-train", type=_positive_int, help="training pairs")
    _common(ss)

    tu = sub.add_parser("tune", help="search a forecaster's settings with Optuna, then test the choice")
    tu.add_argument("data", nargs="?", help="CSV file (default: the bundled AirPassengers)")
    tu.add_argument("--column", help="the CSV column to forecast")
    tu.add_argument("--date-column", help="the CSV column holding dates")
    tu.add_argument("--test-size", type=_test_size, help="held-out final values, never seen while "
                    "tuning (default: 48 for the bundled data, else one third)")
    tu.add_argument("--n-trials", type=_positive_int, default=40)
    tu.add_argument("--timeout", type=float, default=120.0, help="seconds of searching (default: 120)")
    tu.add_argument("--epochs", type=_positive_int, default=300)
    tu.add_argument("--plot", default="tuning.png", help="optimisation-history PNG (default: tuning.png)")
    tu.add_argument("--no-plot", action="store_true", help="write no plot")
    _csv_options(tu)
    _common(tu)

    dg = sub.add_parser("diagnose", help="underfit, good fit, overfit or unstable? (a saved model)")
    dg.add_argument("model", help="model folder written by --save or estimator.save()")
    dg.add_argument("--plot", help="also write the learning curves to this PNG")
    dg.add_argument("--json", action="store_true", help="print one JSON object")

    pr = sub.add_parser("predict", help="run a saved model (lstmkit forecast/classify --save) on new data")
    pr.add_argument("model", help="model folder written by --save or estimator.save()")
    pr.add_argument("data", nargs="?", help="CSV: a series to forecast after (forecasters; default: "
                    "the training series), sequences one per row (classifiers; a first column headed "
                    "'label' is taken as labels and scored), or a 'text' column (text classifiers)")
    pr.add_argument("--column", help="the CSV column to forecast after")
    pr.add_argument("--date-column", help="the CSV column holding dates")
    pr.add_argument("--horizon", type=_positive_int, default=12, help="forecast steps (default: 12)")
    pr.add_argument("--level", type=float, nargs="+", metavar="PCT",
                    help="prediction intervals at these levels (e.g. 80 95; a model saved with conformal "
                         "calibration, e.g. lstmkit forecast --level)")
    pr.add_argument("--out", help="write the predictions to this CSV (or .parquet: Parquet; a global "
                    "model reading Parquet then streams in chunks, in bounded memory)")
    pr.add_argument("--json", action="store_true", help="print one JSON object")
    _csv_options(pr)

    tr = sub.add_parser("train", help="train as a YAML config says (data-parallel under torchrun)")
    tr.add_argument("config", help="YAML file: task, data, output, params, columns, checkpoint_dir, resume")
    tr.add_argument("--json", action="store_true", help="print one JSON object")

    _serve_parser(sub)

    demo = sub.add_parser("demo", help="classic problems: " + ", ".join(DEMOS))
    demo.add_argument("name", choices=list(DEMOS))
    demo.add_argument("--seed-config", action="store_true",
                      help="airline: add the original tutorial's model (LSTM(4), look_back 3, "
                           "100 epochs, batch size 1)")
    # Problem options; each demo takes the ones that apply to it (others are an error).
    for flag, kind, text in [
        ("--length", _positive_int, "sequence length (echo, cumsum, damped-sine)"),
        ("--n-features", _positive_int, "number of distinct values (echo)"),
        ("--out-index", int, "position to recall (echo)"),
        ("--n-terms", _positive_int, "terms to add (addition)"),
        ("--digits", _positive_int, "digits per term (addition)"),
        ("--limit", float, "running-sum threshold (cumsum)"),
        ("--n-frames", _positive_int, "frames per video (moving-line)"),
        ("--size", _positive_int, "frame height and width in pixels (moving-line)"),
        ("--epochs", _positive_int, "maximum training epochs"),
        ("--hidden-size", _positive_int, "LSTM memory cells"),
    ]:
        demo.add_argument(flag, type=kind, help=text)
    demo.add_argument("--decoder", choices=("attention", "repeat"),
                      help="addition: autoregressive decoder with attention, or the classic "
                           "fixed-length form that repeats the encoding")
    demo.add_argument("--plot", help="PNG to write, where the demo draws one")
    _common(demo)
    return parser


def _csv_options(parser: argparse.ArgumentParser, dates: bool = True) -> None:
    """How to read a CSV where detection cannot know (see ``data.csv.CsvFormat``)."""
    parser.add_argument("--sep", help="field separator (default: detected among , ; tab |); \\t for a tab")
    parser.add_argument("--decimal", choices=(".", ","), help="decimal mark (default: ',' in a ';'-separated "
                        "file whose numbers hold commas, else '.')")
    if not dates:
        return
    parser.add_argument("--date-unit", choices=("s", "ms", "us", "ns"),
                        help="integer dates are time since 1970-01-01 in this unit (default: integers are "
                             "years; other numbers are refused)")
    parser.add_argument("--date-format", metavar="FORMAT",
                        help="strftime format of the dates, e.g. %%d/%%m/%%Y")
    parser.add_argument("--dayfirst", action="store_true", help="dates such as 01/02/2022 are day first")
    parser.add_argument("--fill", choices=("interpolate", "zero", "forward"),
                        help="add missing dates and fill their values (and empty cells): a straight line "
                             "between the values around each gap, zero, or the last value carried on "
                             "(default: gaps are an error)")
    parser.add_argument("--tz", metavar="ZONE", help="convert dates with a zone to this one (e.g. UTC, "
                        "Europe/Paris); dates without one are read as its local times (default: zones kept; "
                        "offsets that change read as UTC)")


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--seed", type=int, default=0, help="random state (default: 0)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")


def _port(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"must be a TCP port, an integer in [1, 65535]; received {text!r}")
    return int(text)


def _serve_parser(sub) -> argparse.ArgumentParser:
    sv = sub.add_parser("serve", help="serve a saved model over HTTP: POST /predict (JSON), GET /health")
    sv.add_argument("model", help="model folder written by --save or estimator.save()")
    sv.add_argument("--port", type=_port, default=8000, help="TCP port (default: 8000)")
    sv.add_argument("--host", default="127.0.0.1",
                    help="address to listen on (default: 127.0.0.1, this machine only; 0.0.0.0: every "
                         "network interface)")
    sv.add_argument("--threads", type=_positive_int, default=1,
                    help="torch CPU threads for predictions (default: 1; requests are answered one at a "
                         "time, and small models gain nothing from more)")
    sv.add_argument("--access-log", action="store_true", help="log every request on stderr")
    sv.add_argument("--json", action="store_true", help="print one JSON object when the server stops")
    return sv
