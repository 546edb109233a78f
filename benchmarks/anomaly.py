"""Anomaly detection: lstmkit's AnomalyDetector next to a rolling z-score, on aeon's shipped sets.

    python benchmarks/anomaly.py                   # writes the 'anomaly' section
    python benchmarks/anomaly.py --seeds 1 --no-write

Each detector learns from the normal start ``y[:train_size]`` (see ``lstmkit.datasets.anomaly_series``)
and scores every point. Reported on the points after the normal start: whether the top-scored
point lies in a labelled anomaly widened by 100 points each side (the UCR anomaly archive's
rule), AUC-PR (average precision), the fraction of normal points flagged at the default
threshold (5 normal spreads), and fit+score wall time. Daphnet's shipped excerpt has no
labelled anomaly, so there only false alarms can be measured.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
from _report import machine, table, write_section
from sklearn.metrics import average_precision_score

from lstmkit.datasets.anomaly_series import ANOMALY_SETS, load_anomaly
from lstmkit.tasks.anomaly import DEFAULT_THRESHOLD, AnomalyDetector, RollingZScore

MARGIN = 100  # UCR anomaly archive: a hit within 100 points of the labelled region counts


def evaluate(make, y, labels, train_size) -> dict:
    start = time.perf_counter()
    scores = make().fit(y, train_size=train_size).score_samples(y)
    seconds = time.perf_counter() - start
    after, truth = scores[train_size:], labels[train_size:]
    top = train_size + int(np.argmax(after))
    anomalous = np.flatnonzero(labels)
    result = {"seconds": seconds, "false_alarms": float(np.mean(after[truth == 0] > DEFAULT_THRESHOLD)),
              "top": top, "hit": None, "auc_pr": None}
    if truth.any():
        result["hit"] = bool(anomalous.min() - MARGIN <= top <= anomalous.max() + MARGIN)
        result["auc_pr"] = float(average_precision_score(truth, after))
    return result


def summary(method: str, runs: list[dict]) -> list:
    """[method, hit, AUC-PR, false alarms, seconds] over the runs (one per seed)."""
    if runs[0]["hit"] is None:
        hit = auc = "n/a (no labelled anomaly)"
    else:
        hit = f"{sum(r['hit'] for r in runs)}/{len(runs)} (top at {', '.join(str(r['top']) for r in runs)})"
        values = [r["auc_pr"] for r in runs]
        auc = f"{statistics.mean(values):.3f}"
        if len(values) > 1:
            auc += f" ± {statistics.stdev(values):.3f}"
    alarms = statistics.mean(r["false_alarms"] for r in runs)
    seconds = statistics.mean(r["seconds"] for r in runs)
    return [method, hit, auc, f"{100 * alarms:.2f}%", f"{seconds:.2f}"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+", default=list(ANOMALY_SETS))
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    rows = []
    for name in args.datasets:
        y, labels, train_size = load_anomaly(name)
        ours = [evaluate(lambda s=seed: AnomalyDetector(random_state=s), y, labels, train_size)
                for seed in range(args.seeds)]
        baseline = [evaluate(RollingZScore, y, labels, train_size)]
        where = f"{len(y)} / {train_size} / {int(labels.sum())}"
        for method, runs in (("lstmkit AnomalyDetector", ours), ("rolling z-score (100)", baseline)):
            rows.append([f"{name} ({where})", *summary(method, runs)])
            print(rows[-1], flush=True)
    body = (f"## Anomaly detection (`python benchmarks/anomaly.py`)\n\n"
            f"Machine: {machine()}. lstmkit `AnomalyDetector()` with its defaults (one-step "
            f"forecast errors of a `Forecaster` trained on the normal start), seeds 0..{args.seeds - 1}; "
            "`RollingZScore(window=100)` as the baseline (deterministic, one run). Columns: values / "
            "normal-start length / labelled anomalous points; whether the top-scored point after the "
            f"normal start lies within {MARGIN} points of the labelled anomaly (UCR anomaly archive "
            "rule); AUC-PR (average precision) after the normal start, mean ± std over seeds; "
            f"normal points after the normal start flagged at score > {DEFAULT_THRESHOLD:g}; fit+score "
            "seconds. Daphnet's shipped excerpt has no labelled anomaly (aeon says so), so it "
            "only measures false alarms on one channel (`ankle_horiz_fwd`).\n\n"
            + table(["dataset (n / train / anomalous)", "method", "top point in anomaly ±100",
                     "AUC-PR", "false alarms", "seconds"], rows) + "\n")
    print(body)
    if not args.no_write:
        print(f"wrote {write_section('anomaly', body)}")


if __name__ == "__main__":
    main()
