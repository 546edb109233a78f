"""Fuzz lstmkit's file inputs: random edits of a saved model's JSON and weights through
``lstmkit.load``, random byte mutations of a CSV through ``lstmkit forecast``. Every input must
end in success or a one-line error (``InputError``; CLI exit 2), never a traceback or a hang.

    python benchmarks/fuzz.py --n 5000          # the benchmark: prints the tally
    (tests/test_fuzz.py runs the same with a small count and a fixed seed)
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import random
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np
from _report import machine, publish, table

VALUES = [None, True, -1, 0, 10**6, 10**30, -1e308, float("nan"), "x", "", [], {}, [1, 2], {"a": 1}, 1.5,
          "cuda:99", "../../etc/passwd"]


def mutate_json(data, rng: random.Random):
    """``data`` with one random value replaced, one key dropped, or one key added (nested)."""
    if isinstance(data, dict) and data:
        key = rng.choice(list(data))
        action = rng.random()
        if action < 0.15:
            return {k: v for k, v in data.items() if k != key}
        if action < 0.25:
            return {**data, f"extra{rng.randint(0, 9)}": rng.choice(VALUES)}
        if action < 0.6 and isinstance(data[key], (dict, list)) and data[key]:
            return {**data, key: mutate_json(data[key], rng)}
        return {**data, key: rng.choice(VALUES)}
    if isinstance(data, list) and data:
        i = rng.randrange(len(data))
        if isinstance(data[i], (dict, list)) and data[i] and rng.random() < 0.5:
            return data[:i] + [mutate_json(data[i], rng)] + data[i + 1:]
        return data[:i] + [rng.choice(VALUES)] + data[i + 1:]
    return rng.choice(VALUES)


def fuzz_model(model_dir: Path, work: Path, rng: random.Random) -> str:
    """One mutated copy of the saved model through ``load``: "ok", "error" or a failure text."""
    from lstmkit import load
    from lstmkit.errors import InputError

    target = work / "m"
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(model_dir, target)
    name = rng.choice(["config.json", "preprocessing.json"])
    data = json.loads((target / name).read_text())
    for _ in range(rng.randint(1, 3)):
        data = mutate_json(data, rng)
    (target / name).write_text(json.dumps(data))
    try:
        load(target).predict(3)
        return "ok"
    except InputError as error:
        return "error" if "\n" not in str(error) else f"multi-line: {error!s:.200}"
    except Exception as error:  # noqa: BLE001 (what the fuzzer hunts)
        return f"{type(error).__name__}: {error!s:.200}"


def fuzz_weights(model_dir: Path, work: Path, rng: random.Random) -> str:
    """The saved model with random bytes of weights.safetensors changed or cut, its checksum
    re-hashed (as a tamperer would), through ``load``."""
    import hashlib

    from lstmkit import load
    from lstmkit.errors import InputError

    target = work / "m"
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(model_dir, target)
    data = bytearray((target / "weights.safetensors").read_bytes())
    for _ in range(rng.randint(1, 8)):
        data[rng.randrange(len(data))] = rng.randrange(256)
    if rng.random() < 0.2:
        data = data[: rng.randrange(len(data))]
    (target / "weights.safetensors").write_bytes(bytes(data))
    config = json.loads((target / "config.json").read_text())
    config["weights_sha256"] = hashlib.sha256(bytes(data)).hexdigest()
    (target / "config.json").write_text(json.dumps(config))
    try:
        load(target).predict(3)
        return "ok"
    except InputError as error:
        return "error" if "\n" not in str(error) else f"multi-line: {error!s:.200}"
    except Exception as error:  # noqa: BLE001
        return f"{type(error).__name__}: {error!s:.200}"


def fuzz_csv(base: str, work: Path, rng: random.Random) -> str:
    """One mutated CSV through ``lstmkit forecast``: "ok" (exit 0), "error" (exit 2, one line)."""
    from lstmkit.cli import main

    text = list(base)
    for _ in range(rng.randint(1, 6)):
        i = rng.randrange(len(text))
        text[i:i + rng.randint(0, 3)] = rng.choice(["", ",", ";", "\n", "x", "-", "1e309", "nan", '"', "\t",
                                                    "\x00", "é", "2020-13-45", "  "])
    path = work / "data.csv"
    path.write_text("".join(text), encoding="utf-8", errors="replace")
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        try:
            code = main(["forecast", str(path), "--epochs", "1", "--no-plot", "--test-size", "6",
                         *reading_flags(rng)])
        except SystemExit as exit_:  # argparse
            code = exit_.code
        except Exception as error:  # noqa: BLE001
            return f"{type(error).__name__}: {error!s:.200}"
    lines = err.getvalue().strip().splitlines()
    if code == 0:
        return "ok"
    if code == 2 and len(lines) == 1 and "Traceback" not in lines[0]:
        return "error"
    return f"exit {code}: {' | '.join(lines)[:200]}"


FLAGS = {"--sep": [",", ";", "|", "\\t", "x", "", ",,"], "--decimal": [".", ",", ";"],
         "--date-unit": ["s", "ms", "ns", "h"], "--date-format": ["%Y-%m-%d", "%d/%m/%Y", "%Q", "x"],
         "--tz": ["UTC", "Europe/Paris", "Nope/Zone", ""], "--date-column": ["date", "value", "nope"],
         "--column": ["value", "date", "nope"]}


def reading_flags(rng: random.Random) -> list[str]:
    """Half the time none; else 1-3 random CSV-reading flags (values good and bad), or --dayfirst."""
    if rng.random() < 0.5:
        return []
    flags = []
    for flag in rng.sample([*FLAGS, "--dayfirst"], rng.randint(1, 3)):
        flags += [flag] if flag == "--dayfirst" else [flag, rng.choice(FLAGS[flag])]
    return flags


def run(n: int, seed: int) -> dict:
    from lstmkit import Forecaster

    rng = random.Random(seed)
    tally: dict[str, int] = {"ok": 0, "error": 0}
    failures: list[str] = []
    slowest = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        model_dir = Forecaster(epochs=1, hidden_size=4, random_state=0).fit(
            np.sin(np.arange(40) / 3) + 2).save(work / "model")
        dates = [f"2020-{1 + i // 28:02d}-{1 + i % 28:02d}" for i in range(40)]
        base = "date,value\n" + "".join(f"{d},{10 + np.sin(i / 3):.3f}\n" for i, d in enumerate(dates))
        for k in range(n):
            start = time.perf_counter()
            kind = k % 3
            outcome = (fuzz_model(model_dir, work, rng) if kind == 0 else fuzz_weights(model_dir, work, rng)
                       if kind == 1 else fuzz_csv(base, work, rng))
            slowest = max(slowest, time.perf_counter() - start)
            if outcome in tally:
                tally[outcome] += 1
            else:
                failures.append(outcome)
    return {"tally": tally, "failures": failures, "slowest_s": slowest}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    start = time.perf_counter()
    result = run(args.n, args.seed)
    failures = "; ".join(result["failures"][:10]) or "none"
    body = "\n".join([
        "## Fuzzing file inputs (`python benchmarks/fuzz.py`)", "",
        f"Machine: {machine()}. {args.n} mutated inputs (seed {args.seed}), a third each: random edits (1-3 "
        "values replaced, keys dropped or added, nested) of a saved Forecaster's config.json or "
        "preprocessing.json, random bytes of its weights.safetensors changed or cut (checksum re-hashed), "
        "both through `lstmkit.load(...).predict(3)`; random byte mutations of a dated CSV through `lstmkit "
        "forecast`, half of them with 1-3 random reading flags (--sep, --decimal, --date-unit, "
        "--date-format, --dayfirst, --tz, --column, --date-column; good and bad values). Each must "
        "succeed or end in a one-line error (InputError; exit 2).", "",
        table(["outcome", "inputs"], [["succeeded", result["tally"]["ok"]],
                                      ["one-line error", result["tally"]["error"]],
                                      ["traceback or other exit", len(result["failures"])]]),
        "", f"Slowest input: {result['slowest_s']:.1f} s. Failures: {failures}. Whole script: "
        f"{time.perf_counter() - start:.0f} s."])
    publish(body, "fuzz", not args.no_write)


if __name__ == "__main__":
    main()
