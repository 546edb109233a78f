"""Speed (issue 7): lstmkit next to Keras, hand-written PyTorch, Darts and NeuralForecast.

    python benchmarks/speed.py                      # every row (~6 min), writes the 'speed' section
    python benchmarks/speed.py --quick              # tiny settings, seconds; prints only
    python benchmarks/speed.py --only overhead big-lstm --no-write

Every row is a ratio against a reference measured in this run, in this process, on this
machine: each side is repeated (model fits with seeds 0..repeats-1) and shown as median
(min-max).
Imports are excluded from every timing (each library is imported and warmed up first).
Peers (Keras 3 on its torch backend, Darts, NeuralForecast) install with the benchmark
extra only: ``pip install -e '.[bench]'``; a missing one gives a 'not installed' row.

1. airline: the tutorial's experiment (LSTM(4), look_back 3, MinMax, 100 epochs at batch 1)
   in Keras vs lstmkit's TutorialForecaster and default Forecaster: fit + predict s, test RMSE.
2. echo: Keras's 10,000 single-sample fit calls (a measured subset, extrapolated) vs
   lstmkit's echo demo training to 100% on fresh sequences.
3. overhead: ``lstmkit.training.train`` vs a minimal hand-written loop, same everything.
4. big-lstm: 2 x 512 LSTM training throughput as a fraction of this machine's matmul peak.
5. peers: Darts' RNNModel and NeuralForecast's LSTM with their documented defaults.
6. inference: one-step forecast latency of a loaded Forecaster, and batch throughput.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field, replace

import _peers as peers
import numpy as np
import torch
from _loops import (
    Shape,
    handwritten_seconds,
    lstmkit_seconds,
    matmul_gflops,
    network,
    one_batch,
    training_flops,
)
from _report import _version, machine, spread, table, write_section

import lstmkit
from lstmkit import Forecaster, datasets
from lstmkit.demos.airline import TutorialForecaster
from lstmkit.demos.echo import run_echo
from lstmkit.evaluation import evaluate_forecasters
from lstmkit.training import threads_for, torch_threads

N_TRAIN = 96
ECHO_CALLS = 10_000  # the tutorial's single-sample fit calls
NOT_INSTALLED = "not installed (pip install -e '.[bench]')"


@dataclass(frozen=True)
class Settings:
    repeats: int = 3  # repetitions of every measurement (seeds 0..repeats-1)
    tutorial_epochs: int = 100  # the tutorial's airline epochs (Keras and TutorialForecaster)
    forecaster: dict = field(default_factory=dict)  # Forecaster options (quick: fewer epochs)
    echo_calls: int = 2000  # Keras echo fit calls timed, extrapolated to ECHO_CALLS
    echo: dict = field(default_factory=dict)  # run_echo options
    overhead: Shape = Shape(2048, 50, 20, 128, 2, 64, epochs=2)
    big: Shape = Shape(3 * 128, 100, 64, 512, 2, 128)
    peak_sizes: tuple = (1024, 2048, 4096)  # square matrices for the matmul peak (the best counts)
    darts_epochs: int | None = None  # None: Darts' default
    nf_steps: int | None = None  # None: NeuralForecast's default
    latency_calls: int = 1000
    keras_latency_calls: int = 200
    throughput_values: int = 10_000  # length of the series backtested in one call


FULL = Settings()
QUICK = Settings(repeats=2, tutorial_epochs=1, forecaster={"epochs": 3}, echo_calls=10,
                 echo={"n_train": 200, "n_test": 100, "epochs": 2},
                 overhead=Shape(64, 10, 20, 16, 2, 32), big=Shape(16, 10, 8, 32, 2, 8),
                 peak_sizes=(64, 128, 256), darts_epochs=1, nf_steps=2, latency_calls=50,
                 keras_latency_calls=5, throughput_values=500)


def median(values) -> float:
    return statistics.median(values)


def verdict(met: bool) -> str:
    return "met" if met else "NOT met"


# ---------------------------------------------------------------------- 1 and 5: airline
def lstmkit_airline(make, seeds) -> tuple[list[float], list[float]]:
    """(fit + backtest + 48-step predict seconds, one-step test RMSE) per seed."""
    y = datasets.load_airpassengers()
    seconds, rmse = [], []
    for s in seeds:
        result = evaluate_forecasters({"m": make(s)}, y, N_TRAIN)
        seconds.append(result["timings"]["m"])
        rmse.append(result["metrics"]["m"]["one_step"]["rmse"])
    return seconds, rmse


def peer_runs(run, seeds, peer_threads: int, **options) -> tuple[list[float], list[float]]:
    """(seconds, RMSE) per seed of a peer ``run(y, n_train, seed, **options)``."""
    y = datasets.load_airpassengers()
    with torch_threads(peer_threads):
        pairs = [run(y, N_TRAIN, s, **options) for s in seeds]
    return [p[0] for p in pairs], [p[1] for p in pairs]


def faster(reference: list[float], ours: list[float]) -> float:
    """How many times lstmkit's median time fits into the reference's."""
    return median(reference) / median(ours)


def speedup(ratio: float) -> str:
    return f"{ratio:.3g}x faster" if ratio >= 1 else f"{1 / ratio:.3g}x SLOWER"


def versus(what: str, ours: tuple, theirs: tuple | None, peer: str, min_speedup: float | None) -> list:
    """A table row: lstmkit's (seconds, RMSE) per seed next to a peer's (None: not installed).

    ``min_speedup``: the bar, lstmkit at least that many times faster with a lower median
    RMSE (None: no bar).
    """
    mine = f"{spread(ours[0])} s, RMSE {spread(ours[1])}"
    if theirs is None:
        return [what, mine, f"{peer} {NOT_INSTALLED}", "", ""]
    ratio, lower = faster(theirs[0], ours[0]), median(ours[1]) < median(theirs[1])
    bar = ""
    if min_speedup is not None:
        goal = "faster" if min_speedup == 1 else f">= {min_speedup:g}x faster"
        bar = f"{goal}, lower RMSE: {verdict(ratio >= min_speedup and lower)}"
    return [what, mine, f"{peer}: {spread(theirs[0])} s, RMSE {spread(theirs[1])}",
            f"{speedup(ratio)}, RMSE {'lower' if lower else 'NOT lower'}", bar]


def airline_rows(s: Settings, seeds, peer_threads: int) -> list:
    """Row 1: the tutorial's airline experiment in Keras vs lstmkit's two forecasters."""
    default = lstmkit_airline(lambda k: Forecaster(random_state=k, **s.forecaster), seeds)
    tutorial = lstmkit_airline(lambda k: TutorialForecaster(random_state=k, epochs=s.tutorial_epochs),
                               seeds)
    keras = (peer_runs(peers.keras_airline, seeds, peer_threads, epochs=s.tutorial_epochs)
             if peers.available("keras") else None)
    what = "1. airline tutorial experiment, fit+predict s and one-step test RMSE: lstmkit {} vs Keras"
    return [versus(what.format("TutorialForecaster (seed config)"), tutorial, keras, "Keras 3 (torch)", None),
            versus(what.format("default Forecaster"), default, keras, "Keras 3 (torch)", 50)]


def peer_rows(s: Settings, seeds, peer_threads: int) -> list:
    """Row 5: Darts' RNNModel and NeuralForecast's LSTM with their defaults vs lstmkit's default."""
    ours = lstmkit_airline(lambda k: Forecaster(random_state=k, **s.forecaster), seeds)
    candidates = [
        ("Darts RNNModel(model='LSTM')", "darts", peers.darts_airline, {"n_epochs": s.darts_epochs}),
        ("NeuralForecast LSTM", "neuralforecast", peers.neuralforecast_airline, {"max_steps": s.nf_steps}),
    ]
    rows = []
    for label, package, run, options in candidates:
        theirs = peer_runs(run, seeds, peer_threads, **options) if peers.available(package) else None
        rows.append(versus(f"5. airline one-step forecasts: lstmkit default Forecaster vs {label}",
                           ours, theirs, label, 1))
    return rows


# ---------------------------------------------------------------------- 2: echo
def echo_rows(s: Settings, seeds, peer_threads: int) -> list:
    """Row 2: lstmkit's echo demo to 100% vs Keras's 10,000 single-sample fit calls."""
    ours = [run_echo(seed=k, compare_rnn=False, **s.echo) for k in seeds]
    n_test = s.echo.get("n_test", 1000)
    seconds = [r["timings"]["train"] for r in ours]
    accuracy = [r["metrics"]["lstm"]["accuracy"] for r in ours]
    what = "2. echo: lstmkit trains to 100% on fresh sequences vs Keras's 10,000 one-sample fit calls"
    mine = f"{spread(seconds)} s; accuracy on {n_test:,} fresh: {', '.join(f'{a:.3f}' for a in accuracy)}"
    if not peers.available("keras"):
        return [[what, mine, f"Keras {NOT_INSTALLED}", "", ""]]
    with torch_threads(peer_threads):
        keras = [peers.keras_echo(k, s.echo_calls, n_test) for k in seeds]
    scale = ECHO_CALLS / s.echo_calls
    theirs = [t * scale for t, _ in keras]
    reference = (f"Keras 3 (torch): {spread(theirs)} s for {ECHO_CALLS:,} calls (timed "
                 f"{s.echo_calls:,}, x{scale:g}); accuracy on {n_test:,} fresh after {s.echo_calls:,} "
                 f"calls: {', '.join(f'{a:.3f}' for _, a in keras)}")
    ratio = faster(theirs, seconds)
    return [[what, mine, reference, speedup(ratio), f">= 100x: {verdict(ratio >= 100)}"]]


# ---------------------------------------------------------------------- 3 and 4: training loops
def overhead_rows(s: Settings, seeds, peer_threads: int) -> list:
    """Row 3: lstmkit's loop vs the hand-written one, same model, data, batches, epochs, Adam."""
    shape = s.overhead
    threads = threads_for(network(shape), shape.batch)
    default_threads = torch.get_num_threads()
    lstmkit_seconds(one_batch(shape))  # warm-ups: first calls build kernels and caches
    handwritten_seconds(one_batch(shape), threads)
    ours, same, default = [], [], []
    for _ in seeds:  # interleaved, so that drifting load hits both sides alike
        ours.append(lstmkit_seconds(shape)[0])
        same.append(handwritten_seconds(shape, threads))
        default.append(handwritten_seconds(shape, default_threads))
    steps = shape.epochs * -(-shape.samples // shape.batch)
    what = (f"3. training loop, {shape.layers} x {shape.hidden} LSTM, batch {shape.batch}, "
            f"{shape.steps} steps, {shape.features} features, {steps} Adam steps")
    ratio = median(ours) / median(same)
    rows = [[f"{what}: lstmkit.training.train ({threads} thread(s), its pick) vs hand-written loop",
             f"{spread(ours)} s", f"hand-written, {threads} thread(s): {spread(same)} s",
             f"{ratio:.2f}x its time", f"<= 1.05x: {verdict(ratio <= 1.05)}"]]
    if default_threads != threads:
        rows.append([f"{what}: thread choice, lstmkit vs hand-written at torch's default",
                     f"{spread(ours)} s", f"hand-written, {default_threads} threads: {spread(default)} s",
                     f"{median(ours) / median(default):.2f}x its time", ""])
    return rows


def big_lstm_rows(s: Settings, seeds, peer_threads: int) -> list:
    """Row 4: big-LSTM training throughput vs the fp32 matmul peak, and the variants tried."""
    shape, repeats = s.big, len(seeds)
    flops = training_flops(shape)
    variants = {"fp32, threads by lstmkit": {}, "fp32, 1 thread": {"n_threads": 1},
                "bf16 autocast, threads by lstmkit": {"bf16": True}}
    native_bf16 = bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    if not native_bf16:  # oneDNN refuses a bf16 LSTM on CPUs without native bf16 (no AVX-512)
        del variants["bf16 autocast, threads by lstmkit"]
    peak = {n: matmul_gflops(n, torch.float32, repeats) for n in s.peak_sizes}
    bf16_peak = max(max(matmul_gflops(n, torch.bfloat16, repeats)) for n in s.peak_sizes)
    fp32_peak = max(max(rates) for rates in peak.values())
    what = (f"4. {shape.layers} x {shape.hidden} LSTM training (batch {shape.batch}, {shape.steps} "
            f"steps, {shape.features} features), lstmkit.training.train")
    reference = (f"torch.mm peak ({torch.get_num_threads()} threads, best of n x n for n in "
                 f"{', '.join(map(str, s.peak_sizes))}): fp32 {fp32_peak:.0f}, bf16 {bf16_peak:.0f} "
                 "GFLOP/s; fp32 per n: " + ", ".join(spread(rates) for rates in peak.values()))
    rows = []
    for name, options in variants.items():
        lstmkit_seconds(one_batch(shape), **options)  # warm-up
        runs = [lstmkit_seconds(shape, **options) for _ in range(repeats)]
        rates = [flops / sec / 1e9 for sec, _ in runs]
        share = median(rates) / fp32_peak
        ratio = f"{100 * share:.0f}% of fp32 peak"
        if options.get("bf16"):
            ratio += f" ({100 * median(rates) / bf16_peak:.0f}% of bf16 peak)"
        bar = f">= 60% of peak: {verdict(share >= 0.6)}" if not options else "(tried)"
        rows.append([f"{what}, {name}", f"{spread(rates)} GFLOP/s; last loss {runs[0][1]:.4f}",
                     reference if not rows else "the same peaks", ratio, bar])
    if not native_bf16:
        rows.append([f"{what}, bf16 autocast", "not run: this CPU has no native bfloat16 (oneDNN "
                     "cannot build a bf16 LSTM here)", "the same peaks", "", "(skipped)"])
    return rows


# ---------------------------------------------------------------------- 6: inference
def call_seconds(fn, n: int) -> list[float]:
    fn()
    times = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def p50_p99(times: list[float]) -> str:
    ms = 1e3 * np.asarray(times)
    return f"p50 {np.percentile(ms, 50):.3f} ms, p99 {np.percentile(ms, 99):.3f} ms"


def inference_rows(s: Settings, seeds, peer_threads: int) -> list:
    """Row 6: predict(1, y=...) of a saved-and-loaded Forecaster; backtest throughput."""
    y = datasets.load_airpassengers()
    with tempfile.TemporaryDirectory() as tmp:
        Forecaster(random_state=0, **s.forecaster).fit(y[:N_TRAIN]).save(f"{tmp}/model")
        model = lstmkit.load(f"{tmp}/model")
    recent = y[: N_TRAIN + 24]
    module = model.modules_[0]
    window = torch.zeros(1, model.lookback_, 1)

    @torch.inference_mode()
    def bare():
        return module(window)

    threads, rows, latencies = torch.get_num_threads(), [], {}
    for n_threads in sorted({threads, 1, peer_threads}, reverse=True):
        with torch_threads(n_threads):
            ours = latencies[n_threads] = call_seconds(lambda: model.predict(1, y=recent),
                                                       s.latency_calls)
            floor = call_seconds(bare, s.latency_calls)
        bar = f"p50 <= 1 ms: {verdict(median(ours) <= 1e-3)}" if n_threads == threads else "(tried)"
        rows.append([f"6. one-step forecast of one series by a loaded Forecaster, predict(1, y=...), "
                     f"{s.latency_calls:,} calls, torch at {n_threads} thread(s)"
                     + (" (its default)" if n_threads == threads else ""), p50_p99(ours),
                     f"the bare network call: {p50_p99(floor)}",
                     f"{median(ours) / median(floor):.1f}x the network's time", bar])
    if peers.available("keras"):
        with torch_threads(peer_threads):
            keras = peers.keras_latencies(s.keras_latency_calls)
        rows.append([f"6. one-step forecast latency at {peer_threads} torch thread(s): lstmkit "
                     "predict(1, y=...) vs Keras model.predict of one window",
                     p50_p99(latencies[peer_threads]), f"Keras 3 (torch): {p50_p99(keras)}",
                     speedup(median(keras) / median(latencies[peer_threads])), ""])
    rows.append(throughput_row(s, model, module))
    return rows


def throughput_row(s: Settings, model: Forecaster, module: torch.nn.Module) -> list:
    """Batch throughput: one backtest call over a long series vs the bare network on its windows."""
    values = np.resize(datasets.load_airpassengers().to_numpy(dtype=np.float64), s.throughput_values)
    width = model.lookback_ + model.scaler_.lag
    n = len(values) - width
    windows = torch.randn(n, model.lookback_, 1)

    @torch.inference_mode()
    def bare():
        return module(windows)

    ours = [n / t for t in call_seconds(lambda: model.backtest(values, start=width), s.repeats)]
    floor = [n / t for t in call_seconds(bare, s.repeats)]
    return [f"6. batch throughput: backtest of {n:,} one-step forecasts in one call",
            f"{spread(r / 1e3 for r in ours)} thousand forecasts/s",
            f"the bare network on {n:,} windows: {spread(r / 1e3 for r in floor)} thousand/s",
            f"{median(ours) / median(floor):.2f}x its rate", ""]


# ---------------------------------------------------------------------- report
ROWS = {"airline": airline_rows, "echo": echo_rows, "overhead": overhead_rows,
        "big-lstm": big_lstm_rows, "peers": peer_rows, "inference": inference_rows}
PEERS = ("keras", "darts", "neuralforecast", "pytorch_lightning")


def warm_up(peer_threads: int) -> None:
    """Import every library and run each path once, so that no timing includes a first call."""
    y = datasets.load_airpassengers()
    Forecaster(random_state=0, epochs=2).fit(y[:N_TRAIN]).backtest(y, N_TRAIN)
    TutorialForecaster(random_state=0, epochs=1).fit(y[:N_TRAIN]).backtest(y, N_TRAIN)
    torch.optim.Adam(torch.nn.Linear(1, 1).parameters())  # imports torch._dynamo (1-2 s)
    if peers.available("keras"):
        with torch_threads(peer_threads):
            peers.keras_airline(y, N_TRAIN, 0, epochs=1)
            peers.keras_echo(0, 2, n_test=10)
    for package in ("darts", "neuralforecast"):
        peers.available(package)


def report(rows: list, settings: Settings, quick: bool, peer_threads: int, seconds: float) -> str:
    versions = ", ".join(f"{p} {_version(p.replace('_', '-'))}" for p in PEERS)
    note = ("**--quick: tiny settings that only check the script; these numbers mean nothing.**\n\n"
            if quick else "")
    return (f"## Speed, side by side (`python benchmarks/speed.py`)\n\n{note}"
            f"Machine: {machine()}; {versions}. Torch's default threads: {torch.get_num_threads()}; "
            f"peers run at {peer_threads} torch thread(s), the count lstmkit picks for models this "
            f"small. {settings.repeats} repetitions of every measurement (model fits with seeds "
            f"0..{settings.repeats - 1}), median (min-max); imports and first calls excluded. Whole run "
            f"{seconds / 60:.1f} min.\n\n"
            + table(["row", "lstmkit", "reference in this run", "ratio", "bar"], rows)
            + "\n\nRow 4 counts only the gates' matmuls: per layer and time step 2 x B x (I + H) x 4H "
            "FLOPs forward (I inputs: the features, or H for the layers above), training = 3 x "
            "forward; element-wise gate work, the head and Adam are left out, so the true "
            "efficiency is higher. torch.compile is not among the variants: dynamo leaves nn.LSTM "
            "to eager mode (`torch._dynamo.config.allow_rnn` is False), so the recurrence runs the "
            "same kernels. Row 3 turns clipping off in lstmkit because the hand-written loop has none.\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny settings (seconds); prints only")
    parser.add_argument("--only", nargs="+", choices=sorted(ROWS), help="measure these rows only")
    parser.add_argument("--repeats", type=int, help="repetitions (default: 3, quick: 2)")
    parser.add_argument("--peer-threads", type=int, default=1, help="torch threads for the peers")
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()
    settings = QUICK if args.quick else FULL
    if args.repeats:
        settings = replace(settings, repeats=args.repeats)
    seeds = list(range(settings.repeats))
    start = time.perf_counter()
    warm_up(args.peer_threads)
    rows = []
    for name, measure in ROWS.items():
        if args.only is None or name in args.only:
            new = measure(settings, seeds, args.peer_threads)
            print(f"{name}, after {time.perf_counter() - start:.0f} s:", *(" | ".join(r) for r in new),
                  sep="\n  ", file=sys.stderr, flush=True)
            rows += new
    body = report(rows, settings, args.quick, args.peer_threads, time.perf_counter() - start)
    print(body)
    if args.no_write or args.quick or args.only:
        return
    print(f"wrote {write_section('speed', body)}")


if __name__ == "__main__":
    main()
