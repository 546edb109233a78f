"""`lstmkit predict`: run a saved model (any estimator) on new data, or its training data."""

from __future__ import annotations

import time

from lstmkit.errors import InputError

# Estimators that lstmkit predict does not run, and what to use instead.
ELSEWHERE = {
    "SequenceGenerator": "sample from it with `lstmkit generate --model {model}`",
    "Seq2Seq": "translate with lstmkit.load({model!r}).predict(sources) in Python (`lstmkit seq2seq` "
               "trains and scores new ones)",
}


def predict_command(args) -> dict:
    """`lstmkit predict MODEL [DATA]`: run a saved model and return the CLI's result."""
    import numpy as np
    import pandas as pd

    from lstmkit.data.parquet import is_parquet_source
    from lstmkit.persistence import load

    start = time.perf_counter()
    if args.out:
        from lstmkit.cli.common import check_format
        from lstmkit.files import check_file_target, check_not_input

        check_file_target(args.out, "--out")
        check_format(args.out, "--out")
        check_not_input(args.out, "--out", [args.data, args.model])
    model = load(args.model)
    kind = type(model).__name__
    level = _levels(args, kind)
    if kind in ELSEWHERE:
        raise InputError(f"model {args.model!r} is a {kind}; lstmkit predict runs forecasters, anomaly "
                         f"detectors and classifiers: {ELSEWHERE[kind].format(model=args.model)}")
    result = {"task": "predict", "data": {"model": args.model, "estimator": kind, "name": args.data},
              "metrics": {}}
    if kind == "Forecaster" and _is_global(model):
        if args.data and args.out and is_parquet_source(args.data) and is_parquet_source(args.out):
            return _stream_many(model, args, result, start)
        frame = _predict_many(model, args, level)
    elif kind in ("Forecaster", "AnomalyDetector"):
        series = None
        if args.data:
            from lstmkit.data.csv import read_series_csv
            from lstmkit.data.dates import csv_format

            series = read_series_csv(args.data, args.column, args.date_column, csv_format(args))
        if kind == "Forecaster":
            out = model.predict(args.horizon, y=series, level=level)
            out = out.rename("forecast") if level is None else out
        else:
            if series is None:
                raise InputError("an AnomalyDetector needs data: the series to score")
            out = pd.Series(model.score_samples(series), index=series.index, name="score")
        frame = out.rename_axis("ds").reset_index()
    elif kind == "TextClassifier":
        if not args.data:
            raise InputError("a TextClassifier needs data: a CSV with a 'text' column")
        texts = _read_texts(args.data, args)
        frame = pd.DataFrame({"text": texts, "prediction": model.predict(texts)})
    else:
        if not args.data:
            raise InputError("a SequenceClassifier needs data: a CSV with one sequence per row")
        from lstmkit.data.csv import read_sequences_csv
        from lstmkit.data.dates import csv_format

        X, y = read_sequences_csv(args.data, labelled="auto", fmt=csv_format(args))
        labelled = y is not None
        predicted = model.predict(X)
        frame = pd.DataFrame({"prediction": predicted})
        if labelled:
            frame.insert(0, "label", y)
            result["metrics"]["lstmkit"] = {"accuracy": float(np.mean(predicted.astype(str) == y))}
    result["predictions"] = frame
    if args.out:
        from lstmkit.cli.common import write_table
        from lstmkit.files import atomic_write

        path = atomic_write(args.out, lambda tmp: write_table(frame, tmp, args.out), "--out")
        result["files"] = {"predictions": str(path)}
    result["timings"] = {"total": time.perf_counter() - start}
    return result


# global-model API: adapted by the estimator redesign
def _is_global(model) -> bool:
    """Whether a Forecaster was fitted on many series (it then hands them to a global model)."""
    return getattr(model, "global_", None) is not None


# global-model API: adapted by the estimator redesign
def _global_columns(model) -> tuple[str, str, str]:
    """The (id, time, value) column names a global model was trained on."""
    return model.global_.columns_


# global-model API: adapted by the estimator redesign
def _global_ids(model) -> list:
    """The ids of the series a global model was trained on (it keeps them when fit on a list)."""
    return model.global_.state_.panel.ids


# global-model API: adapted by the estimator redesign
def _global_predict_parquet(model, h: int, source, out, level=None) -> int:
    """Forecasts for every series of a Parquet source, written chunk by chunk to ``out``;
    returns the number of series."""
    return model.global_.predict_parquet(h, source, out, level=level)


def _stream_many(model, args, result: dict, start: float) -> dict:
    """Parquet in, Parquet out: forecasts written chunk by chunk (bounded memory)."""
    import pyarrow.parquet as pq

    count = _global_predict_parquet(model, args.horizon, args.data, args.out, _levels(args, "Forecaster"))
    first = next(pq.ParquetFile(args.out).iter_batches(batch_size=20), None)
    result["data"]["series"] = count
    result["n_predictions"] = count * args.horizon
    result["predictions"] = first.to_pandas() if first is not None else None
    result["files"] = {"predictions": str(args.out)}
    result["timings"] = {"total": time.perf_counter() - start}
    return result


def _levels(args, kind: str):
    """--level as percentages (forecasters only), or None."""
    if not getattr(args, "level", None):
        return None
    if kind != "Forecaster":
        raise InputError(f"--level gives forecast intervals, and model {args.model!r} is a {kind}; leave "
                         "--level out")
    from lstmkit.conformal import level_values

    return level_values(args.level, "--level")


def _predict_many(model, args, level=None):
    """A global model's forecasts for every series (of the long-format data file, if given)."""
    import numpy as np
    import pandas as pd

    from lstmkit.train_config import read_long

    columns = _global_columns(model)
    from lstmkit.data.dates import csv_format

    data = read_long(args.data, columns, context="", fmt=csv_format(args)) if args.data else None
    out = model.predict(args.horizon, y=data, level=level)
    if isinstance(out, pd.DataFrame):
        return out
    if level is not None:  # a list-form panel: one frame per series
        ids = _global_ids(model)
        return pd.concat([frame.assign(**{columns[0]: i}) for i, frame in zip(ids, out)], ignore_index=True)
    ids = _global_ids(model)  # a list-form panel: the model was fit on a list, so it keeps it
    steps = np.tile(np.arange(1, args.horizon + 1), len(ids))
    return pd.DataFrame({columns[0]: np.repeat(ids, args.horizon), "step": steps,
                         model.alias: np.concatenate(out)})  # (Nixtla's name: the model's alias)


def _read_texts(path, args) -> list[str]:
    import pandas as pd

    from lstmkit.data.dates import csv_format

    fmt = csv_format(args)
    if fmt.date_unit or fmt.date_format or fmt.dayfirst or fmt.tz or fmt.decimal:
        raise InputError("a TextClassifier reads a 'text' column: --decimal, --date-unit, --date-format, "
                         "--dayfirst and --tz do not apply")
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, sep=fmt.sep or ",")
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as e:
        raise InputError(f"cannot read {path}: {str(e).splitlines()[0]}") from None
    if "text" not in frame.columns:
        raise InputError(f"{path} needs a 'text' column; it has {', '.join(map(str, frame.columns))}")
    return frame["text"].tolist()
