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
