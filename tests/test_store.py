"""Many series in bounded memory (issue 10): Parquet read in chunks, the store on disk,
windows made per batch, streaming predict."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import torch

from lstmkit import Forecaster, load
from lstmkit.data.parquet import read_chunks
from lstmkit.data.seasonal import seasonal_indices, seasonal_indices_many
from lstmkit.data.store import SeriesStore
from lstmkit.data.windows import WindowSampler
from lstmkit.errors import InputError

FAST = dict(strategy="direct", horizon=6, epochs=8, batch_size=16, hidden_size=8, random_state=0,
            device="cpu")
COLUMNS = ("unique_id", "ds", "y")


def long_frame(n=24, seed=0):
    rng = np.random.default_rng(seed)
    parts = []
    for k in range(n):
        length = int(rng.integers(30, 61))
        t = np.arange(length)
        y = (100 + 10 * k) * (1 + 0.2 * np.sin(2 * np.pi * t / 12)) + 0.5 * t + rng.normal(0, 1, length)
        start = pd.Timestamp("2001-01-01") + pd.DateOffset(months=int(rng.integers(0, 24)))
        parts.append(pd.DataFrame({"unique_id": f"s{k:02d}", "ds": pd.date_range(start, periods=length,
                                                                                   freq="MS"), "y": y}))
    return pd.concat(parts, ignore_index=True)


@pytest.fixture
def parquet(tmp_path):
    path = tmp_path / "series.parquet"
    long_frame().to_parquet(path, index=False, row_group_size=300)  # several row groups
    return path


def test_vectorised_seasonal_indices_equal_the_one_series_version():
    rng = np.random.default_rng(1)
    series = [50 + 10 * np.sin(np.arange(n) * 2 * np.pi / m) + rng.normal(0, 3, n)
              for m in (12, 4) for n in rng.integers(5, 120, 60)]
    series += [rng.normal(0, 1, 40), np.ones(30), -np.arange(1.0, 40.0)]  # not seasonal
    for m in (12, 4, 7, 1):
        many = seasonal_indices_many(series, m)
        one = np.stack([seasonal_indices(s, m) for s in series])
        np.testing.assert_allclose(many, one, rtol=1e-12, atol=1e-12)
        assert m == 1 or (many != 1).any(axis=1).sum() > 10  # some series are seasonal


def test_chunks_hold_whole_series_whatever_the_chunk_size(parquet):
    frame = long_frame()
    for rows in (7, 100, 10_000):
        chunks = list(read_chunks(parquet, COLUMNS, chunk_rows=rows))
        ids = np.concatenate([c.ids for c in chunks])
        assert list(ids) == sorted(frame.unique_id.unique())
        values = np.concatenate([np.concatenate(c.series()) for c in chunks])
        np.testing.assert_array_equal(values, frame.y.to_numpy())
        assert all(c.freq == "MS" for c in chunks)


def test_the_store_is_the_same_for_any_chunk_size_and_a_folder_of_files(parquet, tmp_path):
    a = SeriesStore.write(parquet, tmp_path / "a", COLUMNS, chunk_rows=50)
    b = SeriesStore.write(parquet, tmp_path / "b", COLUMNS, chunk_rows=100_000)
    folder = tmp_path / "parts"
    folder.mkdir()
    frame = long_frame()
    first = frame.unique_id < "s10"
    frame[first].to_parquet(folder / "part-0.parquet", index=False)
    frame[~first].to_parquet(folder / "part-1.parquet", index=False)
    c = SeriesStore.write(folder, tmp_path / "c", COLUMNS)
    assert a.digest == b.digest == c.digest and len(a) == 24 and a.season == 12
    assert a.id_of(3) == "s03"
    # the store holds the seasonally adjusted values, as the in-memory path trains on
    lengths = frame.groupby("unique_id").size().to_numpy()
    first_series = frame.y.to_numpy()[: lengths[0]]
    expected = first_series / seasonal_indices(first_series, 12)[np.arange(lengths[0]) % 12]
    np.testing.assert_allclose(np.asarray(a.values)[: lengths[0]], expected, rtol=1e-12)


def test_fitting_from_parquet_matches_the_in_memory_fit_and_leaves_no_files(parquet, tmp_path, monkeypatch):
    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)  # re-read TMPDIR
    frame = long_frame()
    on_disk = Forecaster(**FAST).fit(parquet)
    assert list((tmp_path / "tmp").iterdir()) == []  # the store was removed after training
    in_memory = Forecaster(**FAST).fit(frame)
    a = on_disk.predict(6, y=frame)
    b = in_memory.predict(6)
    # the same values (float64 in the store); the vectorised seasonal indices differ by ~1e-16
    np.testing.assert_allclose(a.lstmkit, b.lstmkit, rtol=1e-6)
    assert (a.ds == b.ds).all() and (a.unique_id == b.unique_id).all()
    assert on_disk.global_.n_series_ == 24 and on_disk.global_.state_.panel is None


def test_streaming_predict_writes_what_predict_returns(parquet, tmp_path):
    model = Forecaster(**FAST).fit(parquet)
    out = tmp_path / "forecasts.parquet"
    assert model.predict_parquet(6, parquet, out, chunk_rows=37) == 24
    streamed = pd.read_parquet(out)
    direct = model.predict(6, y=long_frame())
    assert list(streamed.columns) == ["unique_id", "ds", "lstmkit"]
    np.testing.assert_allclose(streamed.lstmkit, direct.lstmkit, rtol=1e-6)  # batch sizes differ
    assert (streamed.ds.to_numpy() == direct.ds.to_numpy()).all()


def test_a_parquet_model_saves_loads_and_needs_series_to_forecast(parquet, tmp_path):
    model = Forecaster(**FAST).fit(parquet)
    model.save(tmp_path / "model")
    loaded = load(tmp_path / "model")
    with pytest.raises(InputError, match="keeps no series"):
        loaded.predict(6)
    frame = long_frame()
    np.testing.assert_array_equal(loaded.predict(6, y=frame).lstmkit, model.predict(6, y=frame).lstmkit)
    config = json.loads((tmp_path / "model" / "config.json").read_text())
    assert config  # the saved model holds no training values
    assert "values" not in (tmp_path / "model" / "preprocessing.json").read_text()


def test_windows_are_made_one_batch_at_a_time_from_the_file(parquet, tmp_path, monkeypatch):
    store = SeriesStore.write(parquet, tmp_path / "store", COLUMNS)
    reads = []
    real = store.values.__class__.__getitem__
    monkeypatch.setattr(store.values.__class__, "__getitem__",
                        lambda self, index: reads.append(np.shape(index)) or real(self, index))
    sampler = WindowSampler.from_flat(store.values, store.offsets, store.lengths, 12, 6)
    drawn = sampler.draw(torch.Generator().manual_seed(0))
    assert len(drawn) == 24 and not reads  # drawing makes no window yet
    x, y = drawn.batch(slice(0, 5))
    assert x.shape == (5, 12, 2) and y.shape == (5, 7) and reads == [(5, 18)]  # this batch only
    values = np.asarray(store.values)
    whole = WindowSampler([values[o : o + n] for o, n in zip(store.offsets, store.lengths)], 12, 6)
    x2, y2 = whole.windows(drawn.series[:5], drawn.cuts[:5])
    torch.testing.assert_close(x, x2)
    torch.testing.assert_close(y, y2)


@pytest.mark.parametrize("change, message", [
    (lambda f: f.rename(columns={"y": "sales"}), r"lacks the columns \['y'\]"),
    (lambda f: pd.concat([f.iloc[:80], f.iloc[120:], f.iloc[80:120]]), "more than one place"),
    (lambda f: f.iloc[::-1], "not in time order"),
    (lambda f: f.assign(y=f.y.where(f.index != 40)), "series 's00' has NaN"),
    (lambda f: f.drop(index=f.index[f.unique_id == "s05"][10]), "series .s05. is not in time order"),
])
def test_bad_parquet_data_gets_one_line_before_training(tmp_path, change, message):
    path = tmp_path / "bad.parquet"
    change(long_frame()).to_parquet(path, index=False)
    with pytest.raises(InputError, match=message) as info:
        Forecaster(**FAST).fit(path)
    assert "\n" not in str(info.value)


def test_streaming_predict_leaves_no_file_on_bad_data(parquet, tmp_path):
    model = Forecaster(**FAST).fit(parquet)
    frame = long_frame()
    bad = pd.concat([frame, frame[frame.unique_id == "s00"]])  # s00 again at the end
    bad.to_parquet(tmp_path / "bad.parquet", index=False)
    out = tmp_path / "forecasts.parquet"
    with pytest.raises(InputError, match="more than one place"):
        model.predict_parquet(6, tmp_path / "bad.parquet", out, chunk_rows=100)
    assert list(tmp_path.glob("*forecasts*")) == []


def test_cli_trains_from_parquet_and_streams_forecasts(parquet, tmp_path):
    import yaml

    config = {"task": "forecast", "data": str(parquet), "output": str(tmp_path / "model"), "params": FAST,
              "store_dir": str(tmp_path / "stores")}
    (tmp_path / "c.yaml").write_text(yaml.safe_dump(config))
    run = subprocess.run([sys.executable, "-m", "lstmkit.cli", "train", str(tmp_path / "c.yaml"), "--json"],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["data"]["series"] == 24
    assert (tmp_path / "stores").is_dir() and not any((tmp_path / "stores").iterdir())  # used, then removed
    out = tmp_path / "f.parquet"
    run = subprocess.run([sys.executable, "-m", "lstmkit.cli", "predict", str(tmp_path / "model"),
                          str(parquet), "--horizon", "6", "--out", str(out), "--json"],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["data"]["series"] == 24
    assert len(pd.read_parquet(out)) == 144


def test_files_written_differently_read_as_one_schema(tmp_path):
    """Dictionary ids, date strings, date32 and int values in one folder of files."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    frame = long_frame(6)
    folder = tmp_path / "parts"
    folder.mkdir()
    a, b = frame[frame.unique_id < "s03"], frame[frame.unique_id >= "s03"]
    pq.write_table(pa.Table.from_pandas(a.astype({"unique_id": "category"}), preserve_index=False),
                   folder / "part-0.parquet")
    as_text = b.ds.dt.strftime("%Y-%m-%d").to_numpy()
    pq.write_table(pa.table({"unique_id": b.unique_id.to_numpy(), "ds": as_text,
                             "y": b.y.round().astype("int64").to_numpy()}), folder / "part-1.parquet")
    (folder / ".part-2.parquet").write_bytes(b"")  # a hidden temporary file is not data
    chunks = list(read_chunks(folder, COLUMNS))
    assert [i for c in chunks for i in c.ids] == [f"s{k:02d}" for k in range(6)]
    assert all(c.times.dtype == np.dtype("datetime64[ns]") for c in chunks)


def test_anchors_short_first_series_and_time_zones(tmp_path):
    sundays = pd.date_range("2001-01-07", periods=2, freq="W-SUN")
    mondays = pd.date_range("2001-01-01", periods=30, freq="W-MON")
    weekly = pd.concat([pd.DataFrame({"unique_id": "a", "ds": sundays, "y": [1.0, 2.0]}),
                        pd.DataFrame({"unique_id": "b", "ds": mondays, "y": np.arange(30.0) + 5})])
    weekly.to_parquet(tmp_path / "w.parquet", index=False)
    chunks = list(read_chunks(tmp_path / "w.parquet", COLUMNS))  # frequency from b: a has 2 dates
    assert [c.freq for c in chunks] == ["W-MON"] * len(chunks)
    future = np.concatenate([c.future_times(2) for c in chunks])
    assert (pd.DatetimeIndex(future[0]).dayofweek == 6).all()  # a's Sundays continue
    assert (pd.DatetimeIndex(future[1]).dayofweek == 0).all()  # b's Mondays continue
    month_ends = long_frame(3).assign(ds=lambda f: f.ds + pd.offsets.MonthEnd(0))
    month_ends.to_parquet(tmp_path / "me.parquet", index=False)
    chunk = next(read_chunks(tmp_path / "me.parquet", COLUMNS))
    assert pd.DatetimeIndex(chunk.future_times(3).ravel()).is_month_end.all()
    zoned = long_frame(2).assign(ds=lambda f: f.ds.dt.tz_localize("Europe/Paris"))
    zoned.to_parquet(tmp_path / "tz.parquet", index=False)
    with pytest.raises(InputError, match="time zone Europe/Paris"):
        Forecaster(**FAST).fit(tmp_path / "tz.parquet")


def test_a_model_trained_on_renamed_columns_predicts_on_them(tmp_path):
    frame = long_frame(8).rename(columns={"unique_id": "store", "ds": "month", "y": "sales"})
    frame.to_parquet(tmp_path / "r.parquet", index=False)
    model = Forecaster(**FAST).fit(tmp_path / "r.parquet", id_col="store", time_col="month",
                                   value_col="sales")
    out = model.predict(6, y=frame)
    assert list(out.columns) == ["store", "month", "lstmkit"] and len(out) == 48
    model.save(tmp_path / "m")
    frame.to_csv(tmp_path / "r.csv", index=False)
    run = subprocess.run([sys.executable, "-m", "lstmkit.cli", "predict", str(tmp_path / "m"),
                          str(tmp_path / "r.csv"), "--horizon", "6", "--out", str(tmp_path / "f.csv")],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert len(pd.read_csv(tmp_path / "f.csv")) == 48


def test_forecasting_series_of_another_frequency_gets_one_line(parquet, tmp_path):
    daily = long_frame()
    daily["ds"] = daily.groupby("unique_id").cumcount().map(lambda k: pd.Timestamp("2001-01-01")
                                                             + pd.Timedelta(days=k))
    daily.to_parquet(tmp_path / "daily.parquet", index=False)
    out = tmp_path / "forecasts.parquet"
    for model in (Forecaster(**FAST).fit(parquet), Forecaster(**FAST).fit(long_frame())):
        with pytest.raises(InputError, match=r"frequency 'D', but the model was trained on series of "
                                             r"frequency 'MS'") as info:
            model.predict_parquet(6, tmp_path / "daily.parquet", out)
        assert "\n" not in str(info.value) and not out.exists()
        with pytest.raises(InputError, match=r"^y has dates of frequency 'D'"):
            model.predict(6, y=daily)
    ends = long_frame()  # month ends instead of month starts: the same step
    ends["ds"] = ends.ds + pd.offsets.MonthEnd(0)
    model = Forecaster(**FAST).fit(parquet)
    np.testing.assert_allclose(model.predict(6, y=ends).lstmkit, model.predict(6, y=long_frame()).lstmkit)
    model.save(tmp_path / "model")
    with pytest.raises(InputError, match="frequency 'D'"):
        load(tmp_path / "model").predict(6, y=daily)


def test_one_huge_row_group_is_read_a_batch_at_a_time(tmp_path):
    """A file written as one 4M-row group: reading it whole would raise peak memory by about
    200 MB; batch by batch the rise stays near one batch (plus the ids seen)."""
    n = 4_000_000
    path = tmp_path / "one-group.parquet"
    pd.DataFrame({"unique_id": np.repeat(np.arange(n // 200), 200).astype(str),
                  "ds": np.tile(pd.date_range("2000-01-01", periods=200, freq="D").to_numpy(), n // 200),
                  "y": np.random.default_rng(0).normal(size=n)}).to_parquet(
        path, index=False, row_group_size=n)
    script = ("import re, sys\nfrom lstmkit.data.parquet import read_chunks\n"  # VmHWM: this process's peak
              "peak = lambda: int(re.search(r'VmHWM:\\s+(\\d+)', open('/proc/self/status').read())[1])\n"
              "base = peak()\n"
              "n = sum(len(c.ids) for c in read_chunks(sys.argv[1], ('unique_id', 'ds', 'y'), 100_000))\n"
              "print(n, (peak() - base) // 1024)\n")
    out = subprocess.run([sys.executable, "-c", script, str(path)], capture_output=True, text=True,
                         check=True)
    series, rise_mb = map(int, out.stdout.split())
    assert series == n // 200
    assert rise_mb < 130, rise_mb  # measured: 79 MB; 219 MB when the row group was read whole


def test_the_store_goes_under_store_dir_and_a_tmpdir_in_ram_gets_a_warning(parquet, tmp_path, monkeypatch):
    import warnings

    from lstmkit.data import store

    seen = []

    def on_epoch(record):
        seen.append(sorted(p.name[:14] for p in (tmp_path / "stores").iterdir()))

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a store_dir on disk: no warning
        Forecaster(**FAST).fit(parquet, store_dir=tmp_path / "stores", on_epoch=on_epoch)
    assert seen and all(names == ["lstmkit-store-"] for names in seen)  # there while training
    assert list((tmp_path / "stores").iterdir()) == []  # and removed after
    (tmp_path / "a-file").write_text("")
    for bad, message in ((5, "store_dir must be a folder path; received 5"),
                         (tmp_path / "a-file", "store_dir .*a-file' cannot hold the series store")):
        with pytest.raises(InputError, match=message):
            Forecaster(**FAST).fit(parquet, store_dir=bad)
    monkeypatch.setattr(store, "filesystem_type", lambda path: "tmpfs")
    with pytest.warns(UserWarning, match=r"is in memory \(tmpfs\).*store_dir=.*TMPDIR"):
        Forecaster(**FAST).fit(parquet)


def test_filesystem_type_reads_the_mount_table():
    from lstmkit.data.store import filesystem_type

    kinds = {}  # mount point -> type; a later mount hides an earlier one at the same point
    for line in open("/proc/mounts").read().splitlines():
        kinds[line.split()[1]] = line.split()[2]
    assert filesystem_type("/") == kinds["/"]
    if "/dev/shm" in kinds:
        assert filesystem_type("/dev/shm/any/file") == kinds["/dev/shm"]


def test_a_model_saved_before_the_frequency_was_kept_takes_it_from_its_series():
    from lstmkit.tasks.global_recipe import GlobalState

    state = Forecaster(**FAST).fit(long_frame()).global_.state_.to_dict()
    assert state.pop("freq") == "MS"
    assert GlobalState.from_dict(state).freq == "MS"  # the saved panel's dates
    no_series = {k: v for k, v in state.items() if k not in ("panel", "values", "indices")}
    assert GlobalState.from_dict(no_series).freq is None  # a Parquet model: the check is skipped
