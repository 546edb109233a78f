"""Many series in bounded memory, and 1 vs 2 processes (issue 10).

    python benchmarks/scale.py                          # 10k, 100k and 1M series; writes 'scale'
    python benchmarks/scale.py --sizes 2000 --no-write  # a quick check
    python benchmarks/scale.py --device cuda            # the same on a GPU (its own section)

Data: synthetic monthly series of 100-300 values (a level times a seasonal factor, a
trend, noise), written 20,000 series at a time to one long-format Parquet file in a
temporary folder (removed at the end).

Each size runs in a fresh process, so its peak RSS (``VmHWM``) is its own. The process
does what ``lstmkit train CONFIG.yaml`` does (``train_config.run``) with that file. It reads
the file in chunks into the store on disk, then trains a global direct LSTM for at
least ``--windows`` windows (whole epochs, one window per series each). Then, as
``lstmkit predict MODEL data.parquet --out f.parquet`` does, it streams forecasts for every
series to a Parquet file. Throughput is the windows trained divided by the summed epoch
times; ingestion is the rest of the fit time.

1 vs 2 processes: the middle size trains once more under ``torchrun --nproc_per_node 2``
(gloo, one thread per process, the same global batch as one process).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
PARAMS = {"strategy": "direct", "horizon": 12, "hidden_size": 32, "batch_size": 256, "val_size": 0,
          "random_state": 0}


def write_series(path: Path, n: int, seed: int = 0, block: int = 20_000) -> int:
    """n synthetic monthly series (100-300 values) in long format; returns the number of values."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(seed)
    writer, total = None, 0
    for first in range(0, n, block):
        m = min(block, n - first)
        lengths = rng.integers(100, 301, m)
        rows = int(lengths.sum())
        pos = np.arange(rows) - np.repeat(np.cumsum(lengths) - lengths, lengths)
        level = np.repeat(rng.uniform(50, 500, m), lengths)
        amplitude = np.repeat(rng.uniform(0, 0.3, m), lengths)
        trend = np.repeat(rng.normal(0, 0.3, m), lengths)
        y = level * (1 + amplitude * np.sin(2 * np.pi * pos / 12)) + trend * pos
        y += rng.normal(0, 1, rows) * np.sqrt(level)
        start = np.repeat(rng.integers(0, 60, m), lengths) + pos
        ds = (np.datetime64("2000-01", "M") + start.astype("timedelta64[M]")).astype("datetime64[ns]")
        table = pa.table({"unique_id": np.repeat(np.arange(first, first + m), lengths), "ds": ds,
                          "y": np.maximum(y, 1.0)})
        if writer is None:
            writer = pq.ParquetWriter(path, table.schema)
        writer.write_table(table)
        total += rows
    writer.close()
    return total


def child(spec: dict) -> None:
    """One size in this process (or one rank under torchrun): train, predict, report."""
    import yaml

    from lstmkit import load
    from lstmkit.train_config import run

    work = Path(spec["work"])
    config = {"task": "forecast", "data": spec["data"], "output": str(work / "model"),
              "params": {**PARAMS, "epochs": spec["epochs"], "n_threads": spec["threads"],
                         "device": spec["device"], "hidden_size": spec["hidden"]}}
    path = work / "config.yaml"
    path.write_text(yaml.safe_dump(config))
    start = time.perf_counter()
    result = run(path)
    out = {"fit": time.perf_counter() - start, "rss_fit": _peak_rss()}
    if os.environ.get("RANK", "0") == "0":  # after run() the process group is gone
        model = load(work / "model")
        out["train"] = sum(r["seconds"] for r in model.history_)
        out["epochs"] = len(model.history_)
        out["series"] = result["data"]["series"]
        if spec["predict"]:
            start = time.perf_counter()
            model.predict_parquet(12, spec["data"], work / "forecasts.parquet")
            out["predict"] = time.perf_counter() - start
    out["rss"] = _peak_rss()
    (work / f"rank{os.environ.get('RANK', '0')}.json").write_text(json.dumps(out))


def _peak_rss() -> float:
    """This process's peak resident memory, in MB: VmHWM, not ``ru_maxrss``, which on Linux
    keeps the parent's resident size at fork time across exec."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(data: Path, n: int, windows: int, processes: int, threads: int, device: str,
            predict: bool = True, hidden: int = 32) -> dict:
    """Run one size in fresh process(es); returns rank 0's report with the ranks' peak RSS."""
    work = Path(tempfile.mkdtemp(prefix="scale-", dir=data.parent))
    spec = {"data": str(data), "work": str(work), "epochs": max(1, -(-windows // n)), "threads": threads,
            "device": device, "predict": predict, "hidden": hidden}
    (work / "spec.json").write_text(json.dumps(spec))
    command = [sys.executable, str(Path(__file__).resolve()), "--child", str(work / "spec.json")]
    if processes > 1:
        command = [sys.executable, "-m", "torch.distributed.run", "--standalone",
                   f"--nproc_per_node={processes}", *command[1:]]
    env = {**os.environ, "OMP_NUM_THREADS": str(threads)}
    subprocess.run(command, check=True, env=env, cwd=HERE)
    reports = [json.loads((work / f"rank{r}.json").read_text()) for r in range(processes)]
    shutil.rmtree(work)
    out = reports[0]
    out["rss"] = max(r["rss"] for r in reports)
    out["windows/s"] = out["series"] * out["epochs"] / out["train"]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--windows", type=int, default=200_000, help="windows trained per size (at least)")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--no-parallel", action="store_true", help="skip the 1 vs 2 processes runs")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(json.loads(Path(args.child).read_text()))
        return
    folder = Path(tempfile.mkdtemp(prefix="lstmkit-scale-"))
    try:
        rows, results, parallel = [], {}, None
        for n in args.sizes:
            data = folder / f"series-{n}.parquet"
            values = write_series(data, n)
            r = measure(data, n, args.windows, 1, 1, args.device)
            results[n] = r
            rows.append([f"{n:,}", f"{values / 1e6:.1f}M", r["epochs"], f"{r['fit'] - r['train']:.1f}",
                         f"{r['windows/s']:,.0f}", f"{r['predict']:.1f}", f"{r['rss_fit']:,.0f}",
                         f"{r['rss']:,.0f}"])
            print(rows[-1], flush=True)
            if n == args.sizes[len(args.sizes) // 2] and args.device == "cpu" and not args.no_parallel:
                parallel = (n, [])
                for hidden, windows in ((32, args.windows), (128, args.windows // 4)):
                    runs = [(1, 1), (1, 2), (2, 1)]  # (processes, threads each)
                    parallel[1].append((hidden, [measure(data, n, windows, p, t, "cpu", predict=False,
                                                         hidden=hidden)["windows/s"] for p, t in runs]))
            data.unlink()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    body = report(args, rows, results, parallel)
    print(body)
    if not args.no_write:
        from _report import write_section

        write_section("scale" if args.device == "cpu" else f"scale-{args.device}", body)


def report(args, rows, results, parallel) -> str:
    from _report import machine, table

    small, large = results[args.sizes[0]]["rss"], results[args.sizes[-1]]["rss"]
    lines = [f"## Many series in bounded memory (`python benchmarks/scale.py`, device {args.device})", "",
             f"Machine: {machine()}.", "",
             "Synthetic monthly series (100-300 values), one long-format Parquet file per size; each "
             "size in a fresh process: `lstmkit train` on the file (read in chunks into a store on disk, "
             f"global direct LSTM, hidden 32, batch 256, at least {args.windows:,} windows), then "
             "forecasts for every series streamed to Parquet (`lstmkit predict ... --out f.parquet`).", "",
             table(["series", "values", "epochs", "ingest s", "train windows/s", "predict s",
                    "peak RSS after fit MB", "peak RSS MB"], rows), "",
             f"Peak RSS at {args.sizes[-1]:,} series is {large / small:.2f}x the RSS at {args.sizes[0]:,} "
             f"({large:,.0f} MB; bar: at most 2x and 3,000 MB: "
             f"{'met' if large <= 2 * small and large <= 3000 else 'NOT met'})."]
    if parallel:
        n, runs = parallel
        rows = []
        for hidden, (one, threads, processes) in runs:
            rows.append([hidden, f"{one:,.0f}", f"{threads:,.0f} ({threads / one:.2f}x)",
                         f"{processes:,.0f} ({processes / one:.2f}x)"])
        lines += ["", f"1 vs 2 processes at {n:,} series (same global batch 256; `torchrun "
                  "--nproc_per_node 2`, gloo), train windows/s:", "",
                  table(["LSTM hidden", "1 process, 1 thread", "1 process, 2 threads",
                         "2 processes, 1 thread each"], rows)]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
