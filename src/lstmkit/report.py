"""One self-contained HTML page per run: metrics next to baselines, plots, diagnosis, settings.

Images are embedded as base64 PNG and the styles are inline, so the page opens with no
network access and can be mailed as one file. Written atomically.
"""

from __future__ import annotations

import base64
import html
import json
import math
from datetime import datetime, timezone

from lstmkit.files import atomic_write

STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;max-width:980px;margin:2em auto;
padding:0 1em;color:#222}
h1{font-size:1.5em;margin-bottom:.2em} h2{font-size:1.15em;margin-top:1.6em;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:.6em 0} td,th{border:1px solid #ccc;padding:.3em .7em;text-align:right}
th:first-child,td:first-child{text-align:left} th{background:#f3f3f3} .best{font-weight:bold;color:#05603a}
.verdict{display:inline-block;padding:.2em .6em;border-radius:4px;background:#eef;font-weight:bold}
img{max-width:100%;border:1px solid #eee} pre{background:#f7f7f7;padding:.7em;overflow-x:auto}
.muted{color:#777;font-size:.9em}
"""


def figure_png(draw) -> bytes:
    """PNG bytes of the figure ``draw(path)`` writes (any of lstmkit.plots' functions)."""
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "figure.png"
        draw(path)
        return path.read_bytes()


def image(png: bytes, alt: str) -> str:
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{base64.b64encode(png).decode()}">'


def metrics_table(rows: dict, lower_is_better: dict) -> str:
    """rows: model -> metric -> value; the best value per metric is marked (NaN, an undefined
    MASE, reads n/a)."""
    names = list(dict.fromkeys(m for values in rows.values() for m in values))
    best = {}
    for m in names:
        values = [v[m] for v in rows.values() if isinstance(v.get(m), (int, float)) and math.isfinite(v[m])]
        if values:
            best[m] = min(values) if lower_is_better.get(m, True) else max(values)
    out = ["<table><tr><th>model</th>" + "".join(f"<th>{html.escape(m)}</th>" for m in names) + "</tr>"]
    for model, values in rows.items():
        cells = []
        for m in names:
            v = values.get(m, "")
            text = html.escape(str(v)) if not isinstance(v, float) else \
                f"{v:.4g}" if math.isfinite(v) else "n/a"
            cls = ' class="best"' if m in best and v == best[m] else ""
            cells.append(f"<td{cls}>{text}</td>")
        out.append(f"<tr><td>{html.escape(model)}</td>{''.join(cells)}</tr>")
    return "".join(out) + "</table>"


def render(title: str, sections: list[tuple[str, str]]) -> str:
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    body = "".join(f"<h2>{html.escape(h)}</h2>{content}" for h, content in sections)
    return (f"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{html.escape(title)}"
            f"</title><style>{STYLE}</style></head><body><h1>{html.escape(title)}</h1>"
            f"<p class=\"muted\">lstmkit report, {stamp}</p>{body}</body></html>\n")


def diagnosis_section(diagnosis: dict, history) -> str:
    from lstmkit.plots import plot_history

    curves = figure_png(lambda p: plot_history(history, p, title=diagnosis["verdict"]))
    facts = ", ".join(f"{k} {v:.4g}" if isinstance(v, float) else f"{k} {v}"
                      for k, v in diagnosis["facts"].items())
    return (f'<p><span class="verdict">{html.escape(diagnosis["verdict"])}</span> '
            f'{html.escape(diagnosis["advice"])}</p><p class="muted">{html.escape(facts)}</p>'
            + image(curves, "learning curves"))


def config_section(config: dict) -> str:
    return f"<pre>{html.escape(json.dumps(config, indent=2, default=str))}</pre>"


def write_report(path, title: str, sections: list[tuple[str, str]]):
    text = render(title, sections)
    from pathlib import Path

    return atomic_write(path, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))


def training_sections(result: dict, model) -> list[tuple[str, str]]:
    """The diagnosis with learning curves, and the run's settings: the end of every page."""
    settings = {"data": result["data"], "model": model.get_params(), "timings_s": result["timings"]}
    diagnosis = diagnosis_section(result["diagnosis"], model.history_)
    return [("Training: diagnosis and learning curves", diagnosis),
            ("Configuration", config_section(settings))]


def forecast_report(path, result: dict, model, covariates=None) -> str:
    """The page for ``lstmkit forecast``: one-step and multi-step metrics (those computed),
    forecast plot (with the ``covariates`` below it), learning curves and diagnosis, and the
    model's settings."""
    from lstmkit.plots import plot_forecasts

    data, split = result["data"], result["split"]
    shown = {k: result["forecasts"][k] for k in ("lstmkit", "seasonal naive") if k in result["forecasts"]}
    plot = figure_png(lambda p: plot_forecasts(split["train"], split["test"], shown, p, title=data["name"],
                                               covariates=covariates))
    sections = []
    for kind, label in (("one_step", "Rolling one-step forecasts"), ("multi_step", "Multi-step forecast")):
        if kind not in next(iter(result["metrics"].values())):
            continue
        rows = {m: {k.upper() if k != "smape" else "sMAPE": v for k, v in values[kind].items()}
                for m, values in result["metrics"].items()}
        sections.append((f"{label} on the {data['n_test']} held-out values", metrics_table(rows, {})))
    sections.append(("Forecasts", image(plot, "forecast plot")))
    sections += training_sections(result, model)
    return write_report(path, f"Forecast: {data['name']}", sections)


def classify_report(path, result: dict, model, confusion_png: bytes | None) -> str:
    """The page for ``lstmkit classify``: accuracy and macro-F1 next to baselines, confusion
    matrix, learning curves and diagnosis, and the model's settings."""
    data = result["data"]
    sections = [(f"Test split ({data['n_test']} sequences; trained on {data['n_train']})",
                 metrics_table(result["metrics"], {"accuracy": False, "macro_f1": False}))]
    if confusion_png:
        sections.append(("Confusion matrix (lstmkit, test split)", image(confusion_png, "confusion matrix")))
    sections += training_sections(result, model)
    return write_report(path, f"Classification: {data['name']}", sections)
