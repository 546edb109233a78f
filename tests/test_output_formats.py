"""Every output is written in the format its extension names, or refused before training:
`lstmkit forecast --out` as CSV (.csv, .txt), tab-separated (.tsv) or Parquet (.parquet, .pq),
--plot as an image matplotlib saves, --report as HTML."""

import numpy as np
import pandas as pd
import pytest

from lstmkit import InputError
from lstmkit.cli import main


@pytest.fixture
def csv(tmp_path, seasonal_series):
    path = tmp_path / "sales.csv"
    pd.DataFrame({"month": seasonal_series.index.strftime("%Y-%m-%d"),
                  "sales": seasonal_series.to_numpy().round(2)}).to_csv(path, index=False)
    return path


def forecast(csv, *args):
    return main(["forecast", str(csv), "--epochs", "1", "--horizon", "6", "--json", *args])


def test_out_parquet_and_tsv_are_written_as_named_with_the_same_forecasts(csv, tmp_path, capsys):
    written = {}
    for name in ("f.parquet", "f.PQ", "f.tsv", "f.csv", "f.txt"):
        assert forecast(csv, "--no-plot", "--out", str(tmp_path / name), "--seed", "0") == 0
        path = tmp_path / name
        if name.lower().endswith(("parquet", "pq")):
            assert path.read_bytes()[:4] == b"PAR1"
            written[name] = pd.read_parquet(path)
        else:
            sep = "\t" if name.endswith("tsv") else ","
            assert path.read_text().splitlines()[0] == f"ds{sep}forecast"
            written[name] = pd.read_csv(path, sep=sep, parse_dates=["ds"])
    capsys.readouterr()
    first = written["f.csv"]
    assert len(first) == 6 and first["ds"].iloc[0] == pd.Timestamp("2010-01-01")
    for frame in written.values():
        assert list(frame.columns) == ["ds", "forecast"]
        np.testing.assert_allclose(frame["forecast"], first["forecast"], rtol=1e-6)
        assert (pd.to_datetime(frame["ds"]) == first["ds"]).all()


@pytest.mark.parametrize("flag, name, message", [
    ("--out", "o.xlsx", "--out '{d}/o.xlsx' must end in .csv, .txt, .tsv (tab-separated), .parquet or .pq "
                        "(Parquet), or no extension (CSV); received the extension '.xlsx'"),
    ("--plot", "out.csv", "--plot '{d}/out.csv' must end in .avif, .eps, "),
    ("--report", "r.png", "--report '{d}/r.png' must end in .html or .htm, or no extension (HTML); received "
                          "the extension '.png'"),
])
def test_an_extension_the_output_cannot_be_written_as_is_refused_before_training(
        csv, tmp_path, capsys, monkeypatch, flag, name, message):
    import lstmkit

    monkeypatch.setattr(lstmkit.Forecaster, "fit", lambda *a, **k: pytest.fail("trained before the check"))
    assert forecast(csv, flag, str(tmp_path / name)) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"lstmkit forecast: error: {message.format(d=tmp_path)}") and err.count("\n") == 1
    assert not (tmp_path / name).exists()


def test_plot_formats_matplotlib_saves_are_written_as_named(csv, tmp_path, capsys):
    svg, pdf, bare = tmp_path / "p.svg", tmp_path / "p.PDF", tmp_path / "plot"
    for path in (svg, pdf, bare):
        assert forecast(csv, "--plot", str(path)) == 0
    capsys.readouterr()
    assert b"<svg" in svg.read_bytes()[:500] and pdf.read_bytes()[:4] == b"%PDF"
    assert bare.read_bytes()[:4] == b"\x89PNG"  # no extension: PNG, as before


def test_the_python_plot_functions_refuse_an_extension_matplotlib_cannot_write(tmp_path, seasonal_series):
    from lstmkit.plots import plot_forecasts

    train, test = seasonal_series[:100], seasonal_series[100:]
    with pytest.raises(InputError, match=r"^path '.*x\.csv' must end in .*; received the extension '\.csv'$"):
        plot_forecasts(train, test, {"naive": {"multi_step": test * 0 + train.iloc[-1]}}, tmp_path / "x.csv")
    assert not (tmp_path / "x.csv").exists()
