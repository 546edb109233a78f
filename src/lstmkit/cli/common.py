"""Helpers the CLI commands share: output checks before any training, the diagnosis summary,
and reading the series that ``forecast`` and ``tune`` work on."""

from __future__ import annotations

from pathlib import Path

from lstmkit.errors import InputError


def check_outputs(files: dict[str, str | None], save: str | None = None, inputs=()) -> None:
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
        check_format(path, flag)
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


def check_format(path, flag: str) -> str:
    """The format output ``flag`` writes at ``path``, from its extension: --out a table (CSV,
    tab-separated or Parquet), --report HTML, --plot an image matplotlib saves; anything else
    (an .xlsx table, a plot named .csv) raises naming the flag."""
    from lstmkit import files

    if flag == "--plot":
        return files.output_format(path, flag, files.figure_formats())
    if flag == "--report":
        return files.output_format(path, flag, files.REPORT_FORMATS, files.REPORT_NAMES)
    return files.output_format(path, flag, files.TABLE_FORMATS, files.TABLE_NAMES)


def write_table(frame, tmp: str, target, index_label: str | None = None) -> None:
    """Write ``frame`` (a DataFrame or Series) to ``tmp`` in the format ``target``'s extension
    names (``check_format``): CSV, tab-separated, or Parquet (the index becomes a column
    ``index_label`` unless None)."""
    import pandas as pd

    kind = check_format(target, "--out")
    if kind == "parquet":
        table = frame.to_frame() if isinstance(frame, pd.Series) else frame
        if index_label is not None:
            table = table.rename_axis(index_label).reset_index()
        table.to_parquet(tmp, index=False)
        return
    options = {"index_label": index_label} if index_label is not None else {"index": False}
    frame.to_csv(tmp, sep="\t" if kind == "tsv" else ",", **options)


def diagnosis(model, plot=None) -> dict:
    """The CLI's summary of ``model.diagnose()``: verdict, advice and facts."""
    found = model.diagnose(plot=plot)
    return {"verdict": found.verdict, "advice": found.advice, "facts": found.facts}


def honest(result: dict, where: str = "") -> None:
    """Add the plain-words comparison with the baselines to ``result`` (``comparison``: one line
    per evaluation) and never leave a "good fit" diagnosis beside a model that loses."""
    from lstmkit.comparison import honest_diagnosis, line, verdicts

    found = verdicts(result["metrics"])
    result["comparison"] = [where + line(v) for v in found]
    if "diagnosis" in result:
        result["diagnosis"] = honest_diagnosis(result["diagnosis"], found)


def load_series(args):
    """(series, display name, test size) from ``args.data`` (a CSV; None: the bundled
    AirPassengers), ``--column``, ``--date-column`` and ``--test-size``."""
    from lstmkit.datasets import load_airpassengers

    if args.data is None:
        check_no_csv_options(args)
        return load_airpassengers(), "AirPassengers (bundled)", args.test_size or 48
    from lstmkit.data.csv import read_series_csv
    from lstmkit.data.dates import csv_format

    y = read_series_csv(args.data, args.column, args.date_column, csv_format(args))
    return y, f"{args.data}:{y.name}", args.test_size or 1 / 3


def check_no_csv_options(args) -> None:
    """Refuse CSV-reading flags when no CSV is read (they would be ignored)."""
    given = [f"--{k.replace('_', '-')}"
             for k in ("sep", "decimal", "date_unit", "date_format", "dayfirst", "tz", "fill")
             if getattr(args, k, None)]
    if given:
        raise InputError(f"{given[0]} reads a CSV file, and none was given; name the data file or leave "
                         f"{given[0]} out")


def progress(args) -> bool:
    """Show training progress (a bar on a terminal, else a line per epoch at most once a second,
    on stderr), except with --json."""
    return not args.json


def write_forecast_outputs(args, result: dict, model, saved, future, shown: dict, covariates=None) -> None:
    """The files ``lstmkit forecast`` was asked for (--report, --out, --save, --plot), all or none
    (each finished first, then all moved into place); lists them in ``result["files"]``."""
    from lstmkit.files import Outputs

    name, split = result["data"]["name"], result["split"]
    files = {}
    with Outputs() as outputs:
        if args.report:
            from lstmkit.report import forecast_report

            files["report"] = outputs.file(args.report, lambda tmp: forecast_report(tmp, result, model,
                                                                                    covariates), "--report")
        if args.out:
            files["forecast"] = outputs.file(args.out, lambda tmp: write_table(future, tmp, args.out, "ds"),
                                             "--out")
        if args.save:
            from lstmkit.persistence import write_model

            files["model"] = outputs.folder(args.save, lambda folder: write_model(saved, folder), "--save")
        if not args.no_plot:
            from lstmkit.plots import plot_forecasts

            files["plot"] = outputs.file(args.plot, lambda tmp: plot_forecasts(
                split["train"], split["test"], shown, tmp, title=name, covariates=covariates), "--plot")
        outputs.commit()
    if files:
        result["files"] = {kind: str(path) for kind, path in files.items()}
