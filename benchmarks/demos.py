"""Every architecture on its classic problem: score and wall time of each `lstmkit demo`.

    python benchmarks/demos.py                 # all demos, writes the 'demos' section of BENCHMARKS.md
    python benchmarks/demos.py --only echo cumsum --no-write

Each demo trains on fresh synthetic data and is scored on fresh held-out samples, next
to the baselines it computes in the same run. Bars from the issue are shown beside.
"""

from __future__ import annotations

import argparse
import time

from _report import machine, table, write_section

from lstmkit.demos import run_demo

# (label, demo name, options, bar)
RUNS = [
    ("echo (vanilla)", "echo", {}, "100% on 1,000 fresh"),
    ("long memory: echo length 100, out index 0 (vanilla)", "echo",
     {"length": 100, "out_index": 0}, ">= 99% within 3 min, plain RNN beside"),
    ("damped sine, 5 steps ahead (stacked)", "damped-sine", {}, "RMSE <= 1/5 of persistence"),
    ("moving line, 10 frames of 50x50 (cnn-lstm)", "moving-line", {}, ">= 99% on 1,000 videos"),
    ("addition, 2 terms x 3 digits (encoder-decoder)", "addition", {}, ">= 99% exact match"),
    ("cumulative sum > 2.5 (bidirectional)", "cumsum", {}, ">= 99% per step, uni beside"),
    ("rectangles (generative)", "shapes", {}, ">= 90% of 100 sampled are rectangles"),
]


def describe(metrics: dict) -> str:
    parts = []
    for model, values in metrics.items():
        shown = ", ".join(f"{k} {v:.4g}" if isinstance(v, float) else f"{k} {v}"
                          for k, v in values.items())
        parts.append(f"**{model}**: {shown}")
    return "<br>".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", help="demo names to run (default: all)")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    rows = []
    for label, name, options, bar in RUNS:
        if args.only and name not in args.only:
            continue
        start = time.perf_counter()
        try:
            result = run_demo(name, seed=0, **options)
        except ModuleNotFoundError as e:
            rows.append([label, f"not built yet ({e.name})", bar, ""])
            continue
        seconds = time.perf_counter() - start
        rows.append([label, describe(result["metrics"]), bar, f"{seconds:.1f}"])
        print(label, f"{seconds:.1f}s", result["metrics"], flush=True)
    body = (f"## Six architectures on their classic problems (`python benchmarks/demos.py`)\n\n"
            f"Machine: {machine()}. Seed 0; every score on fresh samples never trained on.\n\n"
            + table(["problem (architecture)", "scores on held-out samples", "bar",
                     "wall s (demo total)"], rows) + "\n")
    print(body)
    if not args.no_write:
        print(f"wrote {write_section('demos', body)}")


if __name__ == "__main__":
    main()
