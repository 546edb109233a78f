"""A small, seeded run of the fuzzer (benchmarks/fuzz.py; the benchmark runs thousands)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))


def test_mutated_model_files_and_csvs_end_in_success_or_one_line():
    import fuzz

    result = fuzz.run(60, seed=0)
    assert result["failures"] == []
    assert result["tally"]["error"] > 0 and result["slowest_s"] < 10
