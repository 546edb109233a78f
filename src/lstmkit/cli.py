"""Command line: ``lstmkit forecast | classify | predict | demo``. Thin: parse, call the library, print.

Every command prints a table by default or, with ``--json``, one JSON object with the
keys ``task``, ``metrics`` (model -> metric -> value; forecasts nest ``one_step`` /
``multi_step``) and ``timings`` (name -> seconds). User errors print one line on stderr
and exit with status 2; no output file is written unless the whole command succeeded.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

from lstmkit.cli_output import report
from lstmkit.cli_predict import predict_command
from lstmkit.errors import InputError, TrainingError
from lstmkit.files import Outputs


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


def build_parser() -> argparse.ArgumentParser:
    from lstmkit.demos import DEMOS
    from lstmkit.tasks.classifier import ARCHS as CLASSIFIER_ARCHS
    from lstmkit.tasks.forecaster import ARCHS

    parser = _Parser(prog="lstmkit", description="LSTM networks for sequence problems.")
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
    _common(fc)

    cl = sub.add_parser("classify", help="train and evaluate a sequence classifier next to baselines")
    cl.add_argument("--dataset", help="a UCR/UEA set that aeon ships (default: GunPoint)")
    cl.add_argument("--train", help="training CSV: label column first, then the values of each "
                                    "sequence (trailing cells may be empty)")
    cl.add_argument("--test", help="test CSV in the same format")
    cl.add_argument("--arch", default="cnn-lstm", choices=(*CLASSIFIER_ARCHS, "lstm-fcn"))
    cl.add_argument("--epochs", type=_positive_int, help="training epochs (default: the classifier's)")
    cl.add_argument("--plot", default="confusion.png", help="confusion-matrix PNG (default: confusion.png)")
    cl.add_argument("--no-plot", action="store_true", help="write no plot")
    cl.add_argument("--save", metavar="DIR", help="save the fitted classifier to this folder")
    cl.add_argument("--report", metavar="HTML", help="also write a one-page, self-contained HTML report")
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
    pr.add_argument("--out", help="write the predictions to this CSV (or .parquet: Parquet; a global "
                    "model reading Parquet then streams in chunks, in bounded memory)")
    pr.add_argument("--json", action="store_true", help="print one JSON object")

    tr = sub.add_parser("train", help="train as a YAML config says (data-parallel under torchrun)")
    tr.add_argument("config", help="YAML file: task, data, output, params, columns, checkpoint_dir, resume")
    tr.add_argument("--json", action="store_true", help="print one JSON object")

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


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--seed", type=int, default=0, help="random state (default: 0)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    commands = {"forecast": _forecast, "classify": _classify, "predict": predict_command,
                "diagnose": _diagnose, "tune": _tune, "generate": _generate, "seq2seq": _seq2seq,
                "demo": _demo, "train": _train}
    try:
        result = commands[args.command](args)
    except InputError as e:
        print(f"lstmkit {args.command}: error: {e}", file=sys.stderr)
        return 2
    except TrainingError as e:
        print(f"lstmkit {args.command}: training failed: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"lstmkit {args.command}: interrupted", file=sys.stderr)
        return 130
    report(result, args.json)
    return 0


def _forecast(args) -> dict:
    from lstmkit.baselines import Naive, SeasonalNaive
    from lstmkit.data.datasets import load_airpassengers
    from lstmkit.data.framing import split_train_test
    from lstmkit.evaluation import evaluate_forecasters
    from lstmkit.tasks.forecaster import Forecaster

    start = time.perf_counter()
    _check_outputs({"--report": args.report, "--out": args.out,
                    "--plot": None if args.no_plot else args.plot}, args.save, inputs=[args.data])
    if args.data is None:
        y, name = load_airpassengers(), "AirPassengers (bundled)"
        test_size = args.test_size or 48
    else:
        from lstmkit.data.csv import read_series_csv

        y = read_series_csv(args.data, args.column, args.date_column)
        name, test_size = f"{args.data}:{y.name}", args.test_size or 1 / 3
    n_train = split_train_test(len(y), test_size)
    if args.level and not all(0 < lv < 100 for lv in args.level):
        raise InputError(f"--level must be percentages in (0, 100), e.g. 80 95; received {args.level}")
    intervals = {"conformal_windows": 3, "conformal_horizon": args.horizon or len(y) - n_train} \
        if args.level else {}
    model = Forecaster(arch=args.arch, lookback=args.lookback, transform=args.transform,
                       epochs=args.epochs, random_state=args.seed,
                       verbose=sys.stderr.isatty() and not args.json, **intervals)
    models = {"lstmkit": model, "naive": Naive(), "seasonal naive": SeasonalNaive()}
    result = evaluate_forecasters(models, y, n_train, horizon=args.horizon)
    result.update(task="forecast", data={"name": name, "n_train": n_train,
                                          "n_test": len(y) - n_train})
    model = result["fitted"]["lstmkit"]
    result["diagnosis"] = _diagnosis(model)
    if args.level:
        horizon = len(result["forecasts"]["lstmkit"]["multi_step"])
        bands = model.predict(horizon, level=args.level)
        result["forecasts"]["lstmkit"]["intervals"] = bands
        actual = y.iloc[n_train : n_train + horizon].to_numpy()
        for lv in args.level:
            inside = (actual >= bands[f"lo-{lv:g}"].to_numpy()) & (actual <= bands[f"hi-{lv:g}"].to_numpy())
            result["metrics"]["lstmkit"]["multi_step"][f"coverage_{lv:g}"] = float(inside.mean())
    saved = model
    if args.out:  # refit on the whole series (the model --save keeps), before any file is written
        from lstmkit.training import interrupts

        before = interrupts()
        saved = Forecaster(**model.get_params()).fit(y)
        if interrupts() != before:  # Ctrl-C cut the refit: no forecast from a half-trained model
            raise KeyboardInterrupt
        future = saved.predict(args.horizon or len(y) - n_train).rename("forecast")
    files = {}
    with Outputs() as outputs:  # every file is finished first, then all move into place (or none)
        if args.report:
            from lstmkit.report import forecast_report

            files["report"] = outputs.file(args.report, lambda tmp: forecast_report(tmp, result, model),
                                           "--report")
        if args.out:
            files["forecast"] = outputs.file(args.out, lambda tmp: future.to_csv(tmp, index_label="ds"),
                                             "--out")
        if args.save:
            from lstmkit.persistence import write_model

            files["model"] = outputs.folder(args.save, lambda folder: write_model(saved, folder), "--save")
        if not args.no_plot:
            from lstmkit.plots import plot_forecasts

            split = result["split"]
            shown = {k: result["forecasts"][k] for k in ("lstmkit", "seasonal naive")}
            files["plot"] = outputs.file(args.plot, lambda tmp: plot_forecasts(
                split["train"], split["test"], shown, tmp, title=name), "--plot")
        outputs.commit()
    if files:
        result["files"] = {kind: str(path) for kind, path in files.items()}
    result["timings"]["total"] = time.perf_counter() - start
    return result


def _check_outputs(files: dict[str, str | None], save: str | None = None, inputs=()) -> None:
    """Before any training: every output file (flag -> path, None: not written) and the --save
    folder can be written, none replaces an input file, and no two outputs land on the same
    path (or inside the folder)."""
    import os

    from lstmkit.files import check_file_target, check_not_input
    from lstmkit.persistence import check_save_path

    for flag, path in {**files, "--save": save}.items():
        if path is not None:
            check_not_input(path, flag, inputs)

    seen: dict[str, str] = {}
    for flag, path in files.items():
        if path is None:
            continue
        check_file_target(path, flag)
        key = os.path.realpath(path)
        if key in seen:
            raise InputError(f"{seen[key]} and {flag} both name {str(path)!r}; give each output its own file")
        seen[key] = flag
    if save is None:
        return
    check_save_path(save, "--save")
    folder = Path(os.path.realpath(save))
    for key, flag in seen.items():
        if Path(key) == folder or folder in Path(key).parents:
            raise InputError(f"{flag} {str(files[flag])!r} is inside the --save folder {str(save)!r}; "
                             "write it elsewhere")


def _classify(args) -> dict:
    from lstmkit.baselines import MajorityClass, NearestNeighbour
    from lstmkit.evaluation import evaluate_classifiers
    from lstmkit.tasks.classifier import SequenceClassifier

    start = time.perf_counter()
    _check_outputs({"--report": args.report, "--plot": None if args.no_plot else args.plot}, args.save,
                   inputs=[args.train, args.test])
    if args.train or args.test:
        if not (args.train and args.test) or args.dataset:
            raise InputError("give --train and --test together (CSV files), or --dataset NAME alone")
        from lstmkit.data.csv import check_test_labels, read_sequences_csv

        (X, y), (X_test, y_test) = read_sequences_csv(args.train), read_sequences_csv(args.test)
        check_test_labels(y, y_test, args.train, args.test)
        name = f"{args.train} / {args.test}"
    else:
        from lstmkit.data.datasets import load_ucr

        name = args.dataset or "GunPoint"
        (X, y), (X_test, y_test) = load_ucr(name, "train"), load_ucr(name, "test")
    epochs = {} if args.epochs is None else {"epochs": args.epochs}
    models = {"lstmkit": SequenceClassifier(arch=args.arch, random_state=args.seed, **epochs,
                                            verbose=sys.stderr.isatty() and not args.json),
              "majority class": MajorityClass()}
    if not isinstance(X, list) and not isinstance(X_test, list) and X.shape[1:] == X_test.shape[1:]:
        models["1-NN euclidean"] = NearestNeighbour()
    result = evaluate_classifiers(models, X, y, X_test, y_test)
    result.update(task="classify", data={"name": name, "n_train": len(X), "n_test": len(X_test),
                                          "classes": sorted({str(c) for c in y})})
    model = result["fitted"]["lstmkit"]
    result["diagnosis"] = _diagnosis(model)
    predictions = result.pop("predictions")["lstmkit"]
    labels = sorted(set(np.asarray(y).tolist()) | set(np.asarray(y_test).tolist()))

    def confusion(path):
        from lstmkit.plots import plot_confusion

        return plot_confusion(y_test, predictions, labels, path, title=f"{name}: lstmkit on the test split")

    files = {}
    with Outputs() as outputs:  # every file is finished first, then all move into place (or none)
        if not args.no_plot:
            files["plot"] = outputs.file(args.plot, confusion, "--plot")
        if args.report:
            from lstmkit.report import classify_report, figure_png

            png = figure_png(confusion)
            files["report"] = outputs.file(args.report, lambda tmp: classify_report(tmp, result, model, png),
                                           "--report")
        if args.save:
            from lstmkit.persistence import write_model

            files["model"] = outputs.folder(args.save, lambda folder: write_model(model, folder), "--save")
        outputs.commit()
    if files:
        result["files"] = {kind: str(path) for kind, path in files.items()}
    result["timings"]["total"] = time.perf_counter() - start
    return result


def _generate(args) -> dict:
    from lstmkit.persistence import load

    start = time.perf_counter()
    model = load(args.model)
    if type(model).__name__ != "SequenceGenerator":
        raise InputError(f"--model {args.model!r} holds a {type(model).__name__}, not a SequenceGenerator")
    text = model.sample(args.length, prompt=args.prompt, temperature=args.temperature, top_k=args.top_k,
                        random_state=args.seed)
    return {"task": "generate", "data": {"model": args.model, "prompt": args.prompt}, "metrics": {},
            "config": {"length": args.length, "temperature": args.temperature, "top_k": args.top_k},
            "text": args.prompt + text, "timings": {"total": time.perf_counter() - start}}


def _seq2seq(args) -> dict:
    options = {k: v for k, v in (("epochs", args.epochs), ("n_train", args.n_train)) if v is not None}
    progress = sys.stderr.isatty() and not args.json
    start = time.perf_counter()
    if args.task == "addition":
        from lstmkit.demos.addition import run_addition

        result = run_addition(seed=args.seed, progress=progress, **options)
    else:
        from lstmkit.demos.dates import run_dates

        result = run_dates(seed=args.seed, progress=progress, **options)
    result["timings"]["total"] = time.perf_counter() - start
    return result


def _load_series(args):
    from lstmkit.data.datasets import load_airpassengers

    if args.data is None:
        return load_airpassengers(), "AirPassengers (bundled)", args.test_size or 48
    from lstmkit.data.csv import read_series_csv

    y = read_series_csv(args.data, args.column, args.date_column)
    return y, f"{args.data}:{y.name}", args.test_size or 1 / 3


def _tune(args) -> dict:
    from lstmkit.data.framing import split_train_test
    from lstmkit.metrics import rmse
    from lstmkit.tasks.forecaster import Forecaster
    from lstmkit.training import interrupts
    from lstmkit.tuning import tune

    if args.timeout <= 0:
        raise InputError(f"--timeout must be a positive number of seconds; received {args.timeout}")
    _check_outputs({"--plot": None if args.no_plot else args.plot})
    start = time.perf_counter()
    y, name, test_size = _load_series(args)
    n_train = split_train_test(len(y), test_size)
    train = y.iloc[:n_train]
    default = Forecaster(epochs=args.epochs, random_state=args.seed)
    found = tune(default, train, n_trials=args.n_trials, timeout=args.timeout, random_state=args.seed)
    searched = time.perf_counter() - start
    metrics, before = {}, interrupts()
    for label, model in (("defaults", default), ("tuned", found.best_estimator)):  # after the choice
        forecast = model.fit(train).backtest(y, start=n_train, h=1)
        if interrupts() != before:  # Ctrl-C: no test score for a half-trained model
            raise KeyboardInterrupt
        value = found.default_value if label == "defaults" else found.best_value
        metrics[label] = {"validation_rmse": value, "test_rmse": rmse(y.iloc[n_train:], forecast)}
    table = found.trials.sort_values("value").head(10)
    result = {"task": "tune", "data": {"name": name, "n_train": n_train, "n_test": len(y) - n_train},
              "config": {"validation": found.metric, "best_params": found.best_params,
                         "n_trials": len(found.trials),
                         "n_pruned": int((found.trials["state"] == "PRUNED").sum()),
                         "interrupted": found.interrupted},
              "metrics": metrics, "trials": table,
              "timings": {"search": searched, "total": time.perf_counter() - start}}
    if not args.no_plot:
        from lstmkit.plots import plot_tuning

        path = plot_tuning(found.trials, args.plot, found.default_value, title=f"Tuning on {name}")
        result["files"] = {"plot": str(path)}
    return result


def _diagnosis(model, plot=None) -> dict:
    found = model.diagnose(plot=plot)
    return {"verdict": found.verdict, "advice": found.advice, "facts": found.facts}


def _diagnose(args) -> dict:
    from lstmkit.persistence import load

    start = time.perf_counter()
    _check_outputs({"--plot": args.plot})
    model = load(args.model)
    if not hasattr(model, "diagnose"):
        raise InputError(f"model {args.model!r} is a {type(model).__name__}, which keeps no "
                         "training history to diagnose")
    result = {"task": "diagnose", "data": {"model": args.model, "estimator": type(model).__name__},
              "diagnosis": _diagnosis(model, args.plot), "metrics": {}}
    if args.plot:
        result["files"] = {"learning curves": result["diagnosis"]["facts"].pop("plot")}
    result["timings"] = {"total": time.perf_counter() - start}
    return result


def _train(args) -> dict:
    from lstmkit.train_config import run

    return run(args.config)


def _demo(args) -> dict:
    import importlib
    import inspect

    from lstmkit.demos import DEMOS, run_demo

    start = time.perf_counter()
    names = ("seed_config", "length", "n_features", "out_index", "n_terms", "digits", "limit",
             "n_frames", "size", "decoder", "epochs", "hidden_size", "plot")
    options = {k: getattr(args, k) for k in names if getattr(args, k) not in (None, False)}
    module_name, function_name = DEMOS[args.name].split(":")
    accepted = inspect.signature(getattr(importlib.import_module(module_name), function_name)).parameters
    unknown = sorted(k for k in options if k not in accepted and k != "plot")
    if unknown:  # list the command-line options this demo takes (not all its Python arguments)
        flags = ", ".join("--" + k.replace("_", "-") for k in accepted if k in names)
        raise InputError(f"demo {args.name!r} has no option --{unknown[0].replace('_', '-')}; "
                         + (f"its options are {flags}" if flags else "it takes no options"))
    if args.plot and "plot" in accepted:
        _check_outputs({"--plot": args.plot})
    result = run_demo(args.name, seed=args.seed,
                      progress=sys.stderr.isatty() and not args.json, **options)
    result["timings"]["total"] = time.perf_counter() - start
    return result


if __name__ == "__main__":
    sys.exit(main())
