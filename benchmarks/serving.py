"""Load test of ``lstmkit serve``: a saved Forecaster (the airline series) served by uvicorn on
loopback, one-step forecasts from 1, 8 and 64 concurrent clients, each on its own keep-alive
connection, sending its next request when the last is answered.

    python benchmarks/serving.py                 # prints the table, writes BENCHMARKS.md ("serving")
    python benchmarks/serving.py --seconds 2 --no-write

Two workloads: ``{"h": 1}`` (the forecast after the training series: every request the same,
so the server answers each burst of them with one prediction, see ``serving.Coalescer``) and
``{"h": 1, "y": [...]}`` (each request a different 144-value series: one prediction each).
Reports requests/s, client-side latency percentiles (request written to answer read) and failed
requests (connection errors, timeouts, any status but 200, an answer without one forecast). The
bar: 64 clients, no failed request, p99 under 50 ms. The server runs in its own process
(``python -m lstmkit.cli.serve``, one torch thread); the clients share the machine's cores with it.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

from _report import machine, publish, table

BAR_MS = 50.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(model_dir: Path, port: int, threads: int) -> subprocess.Popen:
    server = subprocess.Popen([sys.executable, "-m", "lstmkit.cli.serve", str(model_dir), "--port", str(port),
                               "--threads", str(threads)], stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server exited with status {server.returncode}: {server.stderr.read()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit("the server did not start within 60 s")


def bodies(workload: str, series: list[float]):
    """``make(client, i) -> bytes``: the i-th request body of a client."""
    if workload == "same":
        body = json.dumps({"h": 1}).encode()
        return lambda client, i: body
    head = json.dumps({"h": 1, "y": series[:-1]})[:-2].encode()  # ...values, then the varied last one
    return lambda client, i: b"%s, %r]}" % (head, series[-1] + (client * 1_000_003 + i) * 1e-6)


def _request(body: bytes) -> bytes:
    return (b"POST /predict HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n"
            b"content-length: %d\r\n\r\n%s" % (len(body), body))


async def _raw_client(port, k, make, stop_at, record_from, latencies, failures) -> None:
    """HTTP/1.1 by hand over an asyncio stream: a client that costs the shared cores a fraction
    of what httpx does, so that the server's own speed is what is measured."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    i = 0
    try:
        while (now := time.perf_counter()) < stop_at:
            try:
                writer.write(_request(make(k, i)))
                head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10.0)
                lines = head.decode("latin-1").split("\r\n")
                length = next(int(v) for key, _, v in (line.partition(":") for line in lines[1:])
                              if key.lower() == "content-length")
                error = _check(int(lines[0].split()[1]), await reader.readexactly(length))
            except (OSError, ValueError, StopIteration, asyncio.TimeoutError,
                    asyncio.IncompleteReadError) as exc:
                error = f"{type(exc).__name__}: {exc}"
                writer.close()
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
            i += 1
            if now >= record_from:  # the warm-up's requests are not counted
                (failures.append(error) if error else latencies.append(time.perf_counter() - now))
    finally:
        writer.close()


async def _httpx_client(port, k, make, stop_at, record_from, latencies, failures) -> None:
    """The same with httpx (one connection per client)."""
    import httpx

    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10.0,
                                 limits=httpx.Limits(max_connections=1)) as client:
        i = 0
        while (now := time.perf_counter()) < stop_at:
            try:
                response = await client.post("/predict", content=make(k, i),
                                             headers={"content-type": "application/json"})
                error = _check(response.status_code, response.content)
            except (httpx.HTTPError, OSError, ValueError) as exc:
                error = f"{type(exc).__name__}: {exc}"
            i += 1
            if now >= record_from:
                (failures.append(error) if error else latencies.append(time.perf_counter() - now))


def _check(status: int, content: bytes) -> str | None:
    """None for a good answer (status 200, one forecast), else what was wrong."""
    if status != 200:
        return f"status {status}: {content[:100]!r}"
    if len(json.loads(content).get("forecast", ())) != 1:
        return f"no forecast in {content[:100]!r}"
    return None


async def load(port: int, clients: int, make, seconds: float, warmup: float, kind: str) -> dict:
    latencies: list[float] = []
    failures: list[str] = []
    start = time.perf_counter()
    record_from, stop_at = start + warmup, start + warmup + seconds
    client = _raw_client if kind == "raw" else _httpx_client
    await asyncio.gather(*(client(port, k, make, stop_at, record_from, latencies, failures)
                           for k in range(clients)))
    elapsed = time.perf_counter() - record_from
    ordered = sorted(latencies)

    def pct(p: float) -> float:
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1e3 if ordered else float("nan")

    return {"clients": clients, "requests": len(latencies) + len(failures), "failed": len(failures),
            "rps": len(latencies) / elapsed, "p50": pct(50), "p99": pct(99), "max": pct(100),
            "first_failure": failures[0] if failures else None}


def in_process(model_dir: Path, make, n: int = 2000) -> float:
    """p50 ms of a request answered in this process, no HTTP (``serving.respond``)."""
    import torch

    from lstmkit.serving import Predictor, respond

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    predictor = Predictor.load(model_dir)
    times = []
    for i in range(n):
        body = make(0, i)
        t = time.perf_counter()
        respond(predictor, body)
        times.append(time.perf_counter() - t)
    torch.set_num_threads(before)
    return statistics.median(times) * 1e3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="measured seconds per row (default 10)")
    parser.add_argument("--warmup", type=float, default=1.0)
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 8, 64])
    parser.add_argument("--workloads", nargs="+", choices=("same", "series"), default=["same", "series"])
    parser.add_argument("--threads", type=int, default=1, help="the server's torch threads")
    parser.add_argument("--epochs", type=int, default=30, help="the served Forecaster's training epochs")
    parser.add_argument("--client", choices=("raw", "httpx"), default="raw",
                        help="load generator: bare asyncio streams (default) or httpx")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()

    from lstmkit import Forecaster, datasets

    load_before = os.getloadavg()[0]
    names = {"same": '`{"h": 1}`', "series": '`{"h": 1, "y": [144 values]}`, each different'}
    rows, results = [], {}
    with tempfile.TemporaryDirectory() as tmp:
        y = datasets.load_airpassengers()
        model = Forecaster(epochs=args.epochs, random_state=0).fit(y)
        model_dir = model.save(Path(tmp) / "model")
        makers = {w: bodies(w, [float(v) for v in y]) for w in args.workloads}
        n = int(min(2000, 200 * args.seconds))  # (2000 in the benchmark's own setting)
        alone = {w: in_process(model_dir, makers[w], n) for w in args.workloads}
        port = free_port()
        server = start_server(model_dir, port, args.threads)
        gc.collect()
        gc.freeze()
        try:
            for workload in args.workloads:
                for c in args.clients:
                    r = asyncio.run(load(port, c, makers[workload], args.seconds, args.warmup, args.client))
                    results[workload, c] = r
                    rows.append([names[workload], c, r["requests"], r["failed"], f"{r['rps']:.0f}",
                                 f"{r['p50']:.1f}", f"{r['p99']:.1f}", f"{r['max']:.1f}"])
        finally:
            server.terminate()
            server.wait(timeout=30)
    top = max(args.clients)
    verdicts = []
    for workload in args.workloads:
        r = results[workload, top]
        met = r["failed"] == 0 and r["p99"] < BAR_MS
        verdicts.append(f"{names[workload]}: {'met' if met else 'NOT met'} (p99 {r['p99']:.1f} ms, "
                        f"{r['failed']} failed)")
    failures = "; ".join(f"{w} x {c}: {r['first_failure']}" for (w, c), r in results.items()
                         if r["failed"]) or "none"
    in_proc = ", ".join(f"{names[w]} {alone[w]:.2f} ms" for w in args.workloads)
    client = ("hand-written HTTP/1.1 over asyncio streams (cheaper than httpx, so the server is measured)"
              if args.client == "raw" else "httpx async clients")
    body = "\n".join([
        "## Serving (`python benchmarks/serving.py`)", "",
        f"Machine: {machine()}; load average {load_before:.1f} when the run began (other work on the "
        f"same cores lengthens the tail). `lstmkit serve` (FastAPI {_version('fastapi')}, uvicorn "
        f"{_version('uvicorn')} with httptools {_version('httptools')} and uvloop {_version('uvloop')}, "
        f"one process, {args.threads} torch thread) answering one-step forecasts (POST /predict) of a "
        f"saved Forecaster (AirPassengers, hidden_size {model.hidden_size}, lookback {model.lookback_}) "
        f"on loopback. Clients: {client}, in another process on the same cores, each with one keep-alive "
        f"connection, sending its next request when the last is answered; {args.seconds:g} s per row "
        f"after {args.warmup:g} s of warm-up. Latency is the client's (request written to answer read). "
        f"`{{\"h\": 1}}` requests are all the same: the server answers each burst of them with one "
        f"prediction (identical bodies in a batch are answered once; nothing is cached across batches); "
        f"the series rows need one prediction per request. The same requests answered in process "
        f"(`serving.respond`, no HTTP), p50: {in_proc}.", "",
        table(["request", "clients", "requests", "failed", "requests/s", "p50 ms", "p99 ms", "max ms"], rows),
        "", f"Bar ({top} clients, no failed request, p99 under {BAR_MS:g} ms): {'; '.join(verdicts)}. "
        f"Failures: {failures}."])
    publish(body, "serving", not args.no_write)


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


if __name__ == "__main__":
    main()
