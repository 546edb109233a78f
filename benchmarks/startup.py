"""How fast the CLI starts: `lstmkit --help`, `lstmkit --version` and `lstmkit forecast --help`
beside `python -c pass` (the interpreter alone), each the median of N runs in fresh processes.

    python benchmarks/startup.py [--n 21]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

from _report import machine, publish, table

LSTMKIT = str(Path(sys.executable).with_name("lstmkit"))
COMMANDS = {"python -c pass": [sys.executable, "-c", "pass"],
            "lstmkit --help": [LSTMKIT, "--help"],
            "lstmkit --version": [LSTMKIT, "--version"],
            "lstmkit forecast --help": [LSTMKIT, "forecast", "--help"],
            "python -c 'import lstmkit'": [sys.executable, "-c", "import lstmkit"],
            "python -c 'from lstmkit import Forecaster'":
                [sys.executable, "-c", "from lstmkit import Forecaster"]}


def median_seconds(command: list[str], n: int) -> float:
    times = []
    for _ in range(n):
        start = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=21)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    for command in COMMANDS.values():  # (warm the file cache)
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    medians = {name: median_seconds(command, args.n) for name, command in COMMANDS.items()}
    base = medians["python -c pass"]
    rows = [[f"`{name}`", f"{seconds * 1000:.0f}", f"{seconds / base:.1f}x"]
            for name, seconds in medians.items()]
    verdict = ("meets" if medians["lstmkit --help"] < 0.5 else "misses")
    body = "\n".join([
        "## CLI start-up (`python benchmarks/startup.py`)", "",
        f"Machine: {machine()}. Median of {args.n} fresh processes each. The CLI imports torch, pandas and "
        "scikit-learn only inside the command that needs them, and `import lstmkit` loads its classes "
        "on first use.", "",
        table(["command", "median ms", "vs python -c pass"], rows), "",
        f"`lstmkit --help`: {medians['lstmkit --help'] * 1000:.0f} ms, {verdict} the 500 ms bar."])
    publish(body, "startup", not args.no_write)


if __name__ == "__main__":
    main()
