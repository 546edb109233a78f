"""Shared helpers: machine description and writing one section of BENCHMARKS.md."""

from __future__ import annotations

import datetime as dt
import os
import platform
import re
import statistics
import tempfile
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCHMARKS = ROOT / "BENCHMARKS.md"
HEADER = ("# Benchmarks\n\nEvery number below is written by the script named in its section; "
          "none is typed by hand.\nRegenerate everything with `make bench`.\n")


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    versions = ", ".join(f"{p} {_version(p)}" for p in ("torch", "numpy", "statsforecast"))
    return (f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, {versions}; "
            f"{dt.datetime.now().strftime('%Y-%m-%d %H:%M')}")


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def spread(values) -> str:
    """'median (min-max)' of a list of numbers."""
    values = list(values)
    return f"{statistics.median(values):.2f} ({min(values):.2f}-{max(values):.2f})"


def write_section(name: str, body: str) -> Path:
    """Replace (or append) the section ``name`` of BENCHMARKS.md, atomically."""
    text = BENCHMARKS.read_text() if BENCHMARKS.exists() else HEADER
    begin, end = f"<!-- begin {name} -->", f"<!-- end {name} -->"
    block = f"{begin}\n{body.strip()}\n{end}"
    pattern = re.compile(re.escape(begin) + ".*?" + re.escape(end), re.S)
    text = pattern.sub(lambda _: block, text) if pattern.search(text) else f"{text}\n{block}\n"
    fd, tmp = tempfile.mkstemp(dir=BENCHMARKS.parent, prefix=".BENCHMARKS-")
    with os.fdopen(fd, "w") as f:
        f.write(text)
    os.replace(tmp, BENCHMARKS)
    return BENCHMARKS


def table(header: list[str], rows: list[list]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def publish(body: str, section: str, write: bool) -> None:
    """Print a benchmark's section and, when ``write``, put it into BENCHMARKS.md."""
    print(body)
    if write:
        print(f"wrote {write_section(section, body)}")
