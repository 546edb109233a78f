"""``lstmkit train CONFIG.yaml``: the Python API's training, driven by a config file.

    task: forecast                 # one global Forecaster over many series
    data: sales.parquet            # long format (CSV, or Parquet file/folder read in chunks)
    columns: {id: store, time: month, value: sales}   # optional renames
    params: {strategy: direct, horizon: 12, epochs: 100, batch_size: 256}  # Forecaster(...)
    output: out/sales-model        # the saved model (rank 0 writes it)
    checkpoint_dir: out/ckpt       # optional: a checkpoint per epoch ...
    resume: true                   # ... continued when relaunched
    store_dir: /scratch/lstmkit    # optional: where a Parquet source's store goes (default TMPDIR)
    ignore: [region, note]         # optional: columns of the data left out on purpose (others: an error)

Launched under ``torchrun`` the same file trains data-parallel (``distributed.py``); every
rank reads the data, trains its share of every batch and ends with the same weights;
rank 0 alone writes checkpoints and the model.
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import pandas as pd

from lstmkit.data.parquet import check_columns, is_parquet_source
from lstmkit.errors import InputError

KEYS = {"task": True, "data": True, "output": True, "params": False, "columns": False,
        "checkpoint_dir": False, "resume": False, "store_dir": False, "ignore": False}
TASKS = ("forecast",)


def read_config(path) -> dict:
    """The checked config: unknown, missing or malformed keys raise one line listing the valid ones."""
    import yaml

    try:
        config = yaml.safe_load(Path(path).read_text())
    except FileNotFoundError:
        raise InputError(f"config file {str(path)!r} does not exist") from None
    except yaml.YAMLError as error:
        first = str(error).splitlines()[0]
        raise InputError(f"config file {str(path)!r} is not valid YAML: {first}") from None
    valid = ", ".join(KEYS)
    if not isinstance(config, dict):
        raise InputError(f"config must be a mapping of keys ({valid}); received {type(config).__name__}")
    unknown = sorted(set(config) - set(KEYS))
    if unknown:
        raise InputError(f"config has unknown key {unknown[0]!r}; valid keys: {valid}")
    missing = [k for k, required in KEYS.items() if required and k not in config]
    if missing:
        raise InputError(f"config lacks the key {missing[0]!r}; valid keys: {valid}")
    if config["task"] not in TASKS:
        raise InputError(f"config key 'task' must be one of {', '.join(TASKS)}; received {config['task']!r}")
    for key in ("params", "columns"):
        if not isinstance(config.get(key, {}), dict):
            raise InputError(f"config key {key!r} must be a mapping; received {config[key]!r}")
    for key in ("data", "output", "store_dir", "checkpoint_dir"):
        if key in config and not (isinstance(config[key], str) and config[key].strip()):
            if key in ("data", "output") or config[key] is not None:
                raise InputError(f"config key {key!r} must be a path (a non-empty string); "
                                 f"received {config[key]!r}")
    ignore = config.get("ignore", [])
    if not (isinstance(ignore, list) and all(isinstance(c, str) for c in ignore)):
        raise InputError(f"config key 'ignore' must be a list of column names; received {ignore!r}")
    if not isinstance(config.get("resume", False), bool):
        raise InputError(f"config key 'resume' must be true or false (unquoted); "
                         f"received {config['resume']!r}")
    unknown_cols = sorted(set(config.get("columns", {})) - {"id", "time", "value"})
    if unknown_cols:
        raise InputError(f"config key 'columns' has unknown entry {unknown_cols[0]!r}; valid: id, time, "
                         "value")
    return config


def read_long(path, columns: tuple[str, str, str], context: str = " (config key 'data')",
              fmt=None) -> pd.DataFrame:
    """A long-format CSV or Parquet file; the time column is parsed as dates unless integers
    (or, with ``fmt.date_unit``, integers since 1970). ``context`` follows the file's name in
    errors (the CLI's ``predict`` passes ""). ``fmt``: a ``data.csv.CsvFormat`` (CSV only)."""
    from lstmkit.data.dates import CsvFormat, parse_dates

    fmt = fmt or CsvFormat()
    path = Path(path)
    shown = f"data file {str(path)!r}{context}"
    if not path.exists():
        raise InputError(f"{shown} does not exist")
    parquet = path.suffix in (".parquet", ".pq") or path.is_dir()
    if parquet and (fmt.sep or fmt.decimal):
        raise InputError(f"--sep and --decimal read CSV files, and {shown} is Parquet; leave them out")
    options = {k: v for k, v in (("sep", fmt.sep), ("decimal", fmt.decimal)) if v is not None}
    try:
        frame = pd.read_parquet(path) if parquet else pd.read_csv(path, encoding="utf-8", **options)
    except UnicodeDecodeError:
        raise InputError(f"{shown} is not UTF-8 text; save it as UTF-8 CSV") from None
    except pd.errors.EmptyDataError:
        raise InputError(f"{shown} is empty; it needs a header row and values") from None
    except (OSError, ValueError) as error:  # a ParserError, or pyarrow's ArrowInvalid, is a ValueError
        first = (str(error).splitlines() or [type(error).__name__])[0]
        raise InputError(f"{shown} cannot be read as {'Parquet' if parquet else 'CSV'}: {first}") from None
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InputError(f"data {str(path)!r} lacks the columns {missing}; it has {list(frame.columns)[:8]}")
    if frame.empty:
        raise InputError(f"{shown} has a header but no rows")
    time_col = columns[1]
    if fmt.date_unit or not pd.api.types.is_integer_dtype(frame[time_col]):
        if pd.api.types.is_datetime64_any_dtype(frame[time_col]) and not fmt.tz:
            return frame  # (Parquet dates)
        frame[time_col] = parse_dates(frame[time_col], f"{shown}: column", fmt)
    elif fmt.date_format or fmt.dayfirst or fmt.tz:
        raise InputError(f"{shown}: column {time_col!r} holds integers (time steps); --date-format, "
                         "--dayfirst and --tz read dates (integers since 1970 need --date-unit)")
    return frame


def _check_targets(config: dict) -> None:
    """Before any training: the output folder, checkpoint folder and store folder can be written."""
    from lstmkit.files import check_folder_target
    from lstmkit.persistence import check_save_path

    if config.get("store_dir") is not None:  # every rank builds its store
        check_folder_target(config["store_dir"], "config key 'store_dir'")
    if int(os.environ.get("RANK", "0")) != 0:  # rank 0 alone writes checkpoints and the model
        return
    if config.get("checkpoint_dir") is not None:
        check_folder_target(config["checkpoint_dir"], "config key 'checkpoint_dir'")
    check_save_path(config["output"], "config key 'output'")


def _check_params(params: dict) -> None:
    from lstmkit import Forecaster

    allowed = Forecaster().get_params(deep=False)
    unknown = sorted(str(k) for k in params if k not in allowed)
    if unknown:
        raise InputError(f"config key 'params' has unknown Forecaster parameter {unknown[0]!r}; valid: "
                         f"{', '.join(allowed)}")


# a plain decimal or scientific number (1e-3, -2.5E+4, .5): YAML 1.1, which PyYAML reads, wants a
# dot and a signed exponent in a float (1.0e-3), so it reads 1e-3 as text
NUMBER = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?")


def _numbers(params: dict) -> dict:
    """``params`` with text that is a plain number (1e-3, which YAML leaves a string) read as one,
    for the parameters the Forecaster's table declares numeric (Real: a float; Int: an int, when
    the number is whole); every other value, booleans and strings included, is left as written."""
    from lstmkit.tasks._base import Int, Real
    from lstmkit.tasks.forecast_settings import ForecastSettings

    table = ForecastSettings._parameter_constraints
    out = dict(params)
    for name, value in params.items():
        kind = type(table.get(name))
        if kind not in (Int, Real) or not isinstance(value, str) or not NUMBER.fullmatch(value.strip()):
            continue
        number = float(value)
        if kind is Real:
            out[name] = number
        elif number.is_integer() and abs(number) < 2**63:
            out[name] = int(number)
    return out


def run(path) -> dict:
    """Train as the config says (data-parallel under torchrun); returns the CLI's result."""
    from lstmkit import Forecaster, distributed

    config = read_config(path)
    names = config.get("columns", {})
    columns = (names.get("id", "unique_id"), names.get("time", "ds"), names.get("value", "y"))
    if is_parquet_source(config["data"]):  # read in chunks while training: bounded memory
        check_columns(config["data"], columns)
        data = config["data"]
    else:
        data = read_long(config["data"], columns)
    config["params"] = _numbers(config.get("params", {}))
    _check_params(config["params"])
    _check_targets(config)
    model = Forecaster(**config.get("params", {}))
    model._check_params()  # bad settings fail on every rank before the process group forms
    parallel = distributed.setup()
    start = time.perf_counter()
    try:
        model.fit(data, checkpoint_dir=config.get("checkpoint_dir"),
                  resume=bool(config.get("resume", False)), store_dir=config.get("store_dir"),
                  id_col=columns[0], time_col=columns[1], value_col=columns[2],
                  **({"ignore": config["ignore"]} if config.get("ignore") else {}))
        seconds = time.perf_counter() - start
        world = distributed.world_size()
        if distributed.is_main():
            from lstmkit.persistence import save

            save(model, config["output"], name="config key 'output'")
    finally:
        if parallel:
            distributed.teardown()
    history = model.history_ if isinstance(model.history_[0], dict) else model.history_[0]
    return {"task": "train", "data": {"file": str(config["data"]), "series": model.global_.n_series_},
            "config": {"world_size": world, **config.get("params", {})},
            "metrics": {"lstmkit": {"final loss": history[-1]["loss"], "epochs": len(history)}},
            "timings": {"fit": seconds}, "files": {"model": str(config["output"])}}
