"""The benchmark scripts run on a tiny setting and print a well-formed table (no timing asserts)."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_demos_benchmark_prints_a_table_without_writing():
    before = (ROOT / "BENCHMARKS.md").read_text() if (ROOT / "BENCHMARKS.md").exists() else None
    proc = subprocess.run([sys.executable, "benchmarks/demos.py", "--only", "damped-sine",
                           "--no-write"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    rows = [line for line in proc.stdout.splitlines() if line.startswith("| damped sine")]
    assert len(rows) == 1 and rows[0].count("|") == 5 and "stacked lstm" in rows[0]
    after = (ROOT / "BENCHMARKS.md").read_text() if (ROOT / "BENCHMARKS.md").exists() else None
    assert before == after


def test_anomaly_benchmark_prints_a_table_without_writing():
    before = (ROOT / "BENCHMARKS.md").read_text()
    proc = subprocess.run([sys.executable, "benchmarks/anomaly.py", "--datasets", "KDD-TSAD_135",
                           "--seeds", "1", "--no-write"], cwd=ROOT, capture_output=True, text=True,
                          timeout=180)
    assert proc.returncode == 0, proc.stderr
    rows = [line for line in proc.stdout.splitlines() if line.startswith("| KDD-TSAD_135")]
    assert len(rows) == 2 and "AnomalyDetector" in rows[0] and "rolling z-score" in rows[1]
    assert (ROOT / "BENCHMARKS.md").read_text() == before


def test_speed_benchmark_prints_a_well_formed_table_without_writing():
    before = (ROOT / "BENCHMARKS.md").read_text()
    proc = subprocess.run([sys.executable, "benchmarks/speed.py", "--quick", "--no-write"], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    lines = [line for line in proc.stdout.splitlines() if line.startswith("| ")]
    assert lines[0] == "| row | lstmkit | reference in this run | ratio | bar |"
    rows = lines[1:]
    assert all(row.count("|") == 6 for row in rows), rows
    assert {row[2:4] for row in rows} == {"1.", "2.", "3.", "4.", "5.", "6."}
    assert "Machine:" in proc.stdout and "GFLOP/s" in proc.stdout and "p50" in proc.stdout
    assert (ROOT / "BENCHMARKS.md").read_text() == before


def test_forecasting_benchmark_prints_json_and_a_table_without_writing():
    import json

    before = (ROOT / "BENCHMARKS.md").read_text()
    proc = subprocess.run([sys.executable, "benchmarks/forecasting.py", "--subset", "yearly", "other",
                           "--limit", "12", "--models", "lstmkit", "Naive2", "--n-jobs", "1", "--json",
                           "--no-write"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(next(line for line in proc.stdout.splitlines() if line.startswith("{")))
    assert set(result) == {"yearly", "other", "overall"}
    assert set(result["overall"]["lstmkit"]) == {"smape", "mase", "wall_s"}
    rows = [line for line in proc.stdout.splitlines() if line.startswith(("| yearly", "| other"))]
    assert len(rows) == 4 and all(row.count("|") == 6 for row in rows)
    assert (ROOT / "BENCHMARKS.md").read_text() == before


def test_forecasting_origins_take_targets_from_training_parts_only():
    import json

    import numpy as np

    sys.path.insert(0, str(ROOT / "benchmarks"))
    from forecasting import split

    sub = {"h": 3, "train": [np.arange(10.0), np.arange(9.0), np.arange(8.0)],
           "test": [np.arange(10.0, 13.0), np.arange(9.0, 12.0), np.arange(8.0, 11.0)]}
    assert split(sub, 0) == (sub["train"], sub["test"])
    train, targets = split(sub, 2)  # the 3 values before the last 3 of each training part
    assert [len(x) for x in train] == [4, 3]  # the 8-value series has 2 values (< h) before its targets
    np.testing.assert_array_equal(train[0], np.arange(4.0))
    np.testing.assert_array_equal(targets[0], [4.0, 5.0, 6.0])
    np.testing.assert_array_equal(targets[1], [3.0, 4.0, 5.0])
    proc = subprocess.run([sys.executable, "benchmarks/forecasting.py", "--subset", "other", "--limit", "10",
                           "--models", "Naive2", "--origins", "2", "--json", "--no-write"],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(next(line for line in proc.stdout.splitlines() if line.startswith("[")))
    assert len(result) == 2 and all(set(r) == {"other"} for r in result)
    rows = [line for line in proc.stdout.splitlines() if line.startswith("| other")]
    assert len(rows) == 1 and rows[0].count("|") == 6  # subset, model, origin 1, origin 2, mean


def test_scale_benchmark_trains_from_parquet_in_a_fresh_process():
    script = str(ROOT / "benchmarks" / "scale.py")
    run = subprocess.run([sys.executable, script, "--sizes", "300", "600", "--windows", "600",
                          "--no-write", "--no-parallel"], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    assert "| 600 | 0.1M | 1 |" in run.stdout and "Peak RSS at 600 series" in run.stdout


def test_forecasting_pool_holds_training_parts_only_cut_at_validation_origins(monkeypatch):
    import numpy as np

    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))
    import forecasting
    from forecasting import load, pooled

    m3, m1 = load("M3"), load("M1")
    at_test = pooled("M3", "quarterly", 0, m3)  # whole training parts: never a test value
    parts = m3["other"]["train"] + m1["quarterly"]["train"]
    assert len(at_test) == len(parts) == 174 + 203
    assert all(np.array_equal(a, b) for a, b in zip(at_test, parts))
    assert pooled("M3", "monthly", 0, m3) == [] and pooled("M1", "quarterly", 0, m1) == []
    monkeypatch.setitem(forecasting.POOLS, ("X", "a"), [("X", "b")])
    data = {"b": {"h": 2, "train": [np.arange(1.0, 9.0), np.arange(1.0, 5.0), np.r_[0.0, np.ones(7)]]}}
    pool = pooled("X", "a", 2, data)  # each loses its last 2h = 4 values; the short one and the one
    assert len(pool) == 1  # with a zero (logs) are left out
    np.testing.assert_array_equal(pool[0], np.arange(1.0, 5.0))
    assert len(pooled("M3", "quarterly", 0, m3, limit=5)) == 10  # the first 5 of each pooled subset


def test_every_bundled_competition_runs_even_with_zeros_in_a_series():
    import json

    # Tourism quarterly's 42nd series holds zeros: transform 'auto' forecasts it without logs
    proc = subprocess.run([sys.executable, "benchmarks/forecasting.py", "--dataset", "Tourism", "--subset",
                           "quarterly", "--limit", "45", "--models", "lstmkit", "--n-jobs", "1", "--json",
                           "--no-write"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    result = json.loads(next(line for line in proc.stdout.splitlines() if line.startswith("{")))
    assert 0 < result["quarterly"]["lstmkit"]["smape"] < 200
