"""What the CLI prints: a rich table per task by default, or one JSON object with --json."""

from __future__ import annotations

import json
import math


def report(result: dict, as_json: bool) -> None:
    order = ("task", "data", "config", "metrics", "timings", "files", "comparison", "diagnosis")
    public = {k: result[k] for k in order if k in result}
    if result["task"] == "generate":
        public["text"] = result["text"]
    if result["task"] == "predict":
        public["predictions"] = json.loads(result["predictions"].to_json(orient="records", date_format="iso"))
    if as_json:
        print(json.dumps(_finite(public), indent=2, default=float))
        return
    from rich.console import Console

    console = Console()
    if result["task"] == "forecast":
        for table in _forecast_tables(result):
            console.print(table)
    elif result["task"] == "generate":
        console.print(result["text"], markup=False, highlight=False)
    elif result["task"] == "serve":
        data = result["data"]
        console.print(f"served {data['estimator']} from {data['model']} at {data['url']}", markup=False)
    elif result["task"] == "tune":
        config = result["config"]
        stopped = " (Ctrl-C ended the search)" if config.get("interrupted") else ""
        console.print(f"searched {config['n_trials']} trials ({config['n_pruned']} pruned){stopped}; "
                      f"validation: {config['validation']}")
        console.print(result["trials"].to_string(index=False, float_format=lambda v: f"{v:.4g}"),
                      soft_wrap=True, markup=False)
        console.print(f"best: {result['config']['best_params']}", soft_wrap=True, markup=False)
        console.print(_flat_table(result))
    elif result["task"] == "diagnose":
        console.print(f"{result['data']['estimator']} from {result['data']['model']}")
    elif result["task"] == "predict":
        frame = result["predictions"]
        total = result.get("n_predictions", len(frame))
        console.print(f"{result['data']['estimator']} from {result['data']['model']}: "
                      f"{total} predictions")
        console.print(frame.head(20).to_string(index=False))
        if total > 20:
            hint = "" if "files" in result else " (--out FILE writes them all)"
            console.print(f"... {total - 20} more{hint}")
        for model, values in result["metrics"].items():
            console.print(f"{model}: " + ", ".join(f"{k} {v:.4f}" for k, v in values.items()))
    else:
        console.print(_flat_table(result))
    for sentence in result.get("comparison", []):
        console.print(f"[bold]{sentence}[/bold]", soft_wrap=True)
    if "diagnosis" in result:
        d = result["diagnosis"]
        console.print(f"[bold]diagnosis: {d['verdict']}[/bold] ({d['facts'].get('epochs')} epochs) - "
                      f"{d['advice']}")
    for kind, path in result.get("files", {}).items():
        console.print(f"{kind}: {path}")
    timings = ", ".join(f"{k} {v:.2f}s" for k, v in result["timings"].items())
    console.print(f"[dim]timings: {timings}[/dim]")


def _forecast_tables(result: dict) -> list:
    """One table per evaluation (one-step rolling, multi-step), best value per column in bold."""
    from rich.table import Table

    data = result.get("data", {})
    metrics = result["metrics"]
    n_multi = len(next(iter(result["forecasts"].values()))["multi_step"])
    titles = {"one_step": f"{data.get('name', '')}, train {data.get('n_train')} / test "
                          f"{data.get('n_test')}: rolling one-step forecasts",
              "multi_step": f"{n_multi}-step forecast from the end of training"}
    tables = []
    kinds = next(iter(metrics.values()))
    if "one_step" not in kinds and data.get("future") is not None:  # with covariates: one table
        titles["multi_step"] = (f"{data.get('name', '')}, train {data.get('n_train')} / test "
                                f"{data.get('n_test')}: "
                                f"{n_multi}-step forecast from the end of training (covariates: future "
                                f"{', '.join(data['future']) or '-'}; past {', '.join(data['past']) or '-'})")
    for kind, title in titles.items():
        if kind not in kinds:
            continue
        table = Table(title=title, title_justify="left")
        table.add_column("model")
        covered = list(dict.fromkeys(m for v in metrics.values() for m in v[kind]
                                     if m.startswith("coverage_")))
        for m in ("RMSE", "MAE", "sMAPE", "MASE", *(f"cover {c[9:]}%" for c in covered)):
            table.add_column(m, justify="right")
        best = {m: min((v[kind][m] for v in metrics.values() if math.isfinite(v[kind][m])), default=None)
                for m in ("rmse", "mae", "smape", "mase")}  # (MASE is NaN where undefined: n/a)
        for model, values in metrics.items():
            cells = [f"{values[kind][m]:.2f}" if math.isfinite(values[kind][m]) else "n/a" for m in best]
            cells = [f"[bold]{c}[/]" if values[kind][m] == best[m] else c for c, m in zip(cells, best)]
            shares = [f"{100 * values[kind][c]:.0f}%" if c in values[kind] else "-" for c in covered]
            table.add_row(model, *cells, *shares)  # (coverage: the share inside each interval)
        tables.append(table)
    return tables


def _flat_table(result: dict):
    """Models x metrics; transposed (a row per metric) when there are more metrics than models."""
    from rich.table import Table

    data = result.get("data", {})
    title = result["task"] + (f": {data['name']}, train {data['n_train']} / test {data['n_test']}"
                              if "name" in data else "")
    table = Table(title=title)
    metrics = result["metrics"]
    names = list(dict.fromkeys(m for values in metrics.values() for m in values))
    if len(names) > len(metrics):
        table.add_column("metric")
        for model in metrics:
            table.add_column(model, justify="right")
        for name in names:
            table.add_row(name, *(_fmt(values.get(name, "")) for values in metrics.values()))
        return table
    table.add_column("model")
    for name in names:
        table.add_column(name, justify="right")
    for model, values in metrics.items():
        table.add_row(model, *(_fmt(values.get(name, "")) for name in names))
    return table


def _fmt(value) -> str:
    if isinstance(value, float):
        return f"{value:.4g}" if math.isfinite(value) else "n/a"
    return str(value)


def _finite(value):
    """``value`` with every NaN or infinite number (an undefined MASE) as None: JSON null, where
    ``json.dumps`` would write NaN, which is not JSON."""
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    if isinstance(value, float) or type(value).__name__.startswith("float"):  # (numpy's too)
        return float(value) if math.isfinite(value) else None
    return value

