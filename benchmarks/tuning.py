"""Tuning on AirPassengers: does <= 2 minutes of Optuna improve on the defaults?

    python benchmarks/tuning.py                   # writes the 'tuning' section
    python benchmarks/tuning.py --timeout 20 --no-write

The search sees only the 96 training months: every trial fits on the first 84 and is
scored by one-step RMSE on months 85..96. The chosen settings and the defaults are then
each fit on all 96 training months and scored on the 48 test months, after the choice.
"""

from __future__ import annotations

import argparse
import time

from _report import machine, table, write_section

from lstmkit import Forecaster
from lstmkit.datasets import load_airpassengers
from lstmkit.metrics import rmse
from lstmkit.tuning import tune


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timeout", type=float, default=120.0)
    parser.add_argument("--n-trials", type=int, default=200)
    parser.add_argument("--seeds", type=int, default=3, help="seeds of the final fits")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    y = load_airpassengers()
    train = y.iloc[:96]
    start = time.perf_counter()
    found = tune(Forecaster(random_state=0), train, n_trials=args.n_trials, timeout=args.timeout)
    searched = time.perf_counter() - start
    rows = []
    for label, model in (("defaults", Forecaster()), ("tuned", found.best_estimator)):
        tests = [rmse(y.iloc[96:], model.set_params(random_state=s).fit(train).backtest(y, 96))
                 for s in range(args.seeds)]
        value = found.default_value if label == "defaults" else found.best_value
        rows.append([label, f"{value:.2f}", f"{sorted(tests)[len(tests) // 2]:.2f}",
                     f"{min(tests):.2f}-{max(tests):.2f}"])
    n_pruned = int((found.trials["state"] == "PRUNED").sum())
    verdict = "met" if found.best_value < found.default_value and searched <= 125 else "NOT met"
    params = ", ".join(f"{k}={v!r}" if not isinstance(v, float) else f"{k}={v:.3g}"
                       for k, v in found.best_params.items())
    body = (f"## Tuning (`python benchmarks/tuning.py`)\n\n"
            f"Machine: {machine()}. Optuna TPE + median pruning, {len(found.trials)} trials "
            f"({n_pruned} pruned) in {searched:.0f} s; validation: {found.metric} (trial 0 = the defaults). "
            f"Chosen: {params}. Test: one-step RMSE on the 48 held-out months, computed after the "
            f"choice, median (range) over seeds 0..{args.seeds - 1}. Bar (validation RMSE improves "
            f"within 2 minutes): **{verdict}**.\n\n"
            + table(["settings", "validation RMSE (seed 0)", "test RMSE median", "test range"], rows) + "\n")
    print(body)
    if not args.no_write:
        print(f"wrote {write_section('tuning', body)}")


if __name__ == "__main__":
    main()
