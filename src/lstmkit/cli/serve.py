"""``lstmkit serve MODEL_DIR [--port P] [--host H]``: answer forecasts and classifications over
HTTP as JSON (``lstmkit.serving.create_app``, run by uvicorn; see docs/serving.md).

The model is loaded, and the address bound, before the server starts: a bad model folder or a
port in use is one line and exit status 2. The server runs until Ctrl-C (or SIGTERM).
``python -m lstmkit.cli.serve MODEL_DIR ...`` runs the same command (benchmarks/serving.py).
"""

from __future__ import annotations

import argparse
import gc
import sys
import time

from lstmkit.errors import InputError


def _port(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"must be a TCP port, an integer in [1, 65535]; received {text!r}")
    return int(text)


def add_parser(sub) -> argparse.ArgumentParser:
    """Add the ``serve`` command to the subparsers ``sub`` (of ``cli.parser.build_parser``)."""
    from lstmkit.cli.parser import _positive_int

    sv = sub.add_parser("serve", help="serve a saved model over HTTP: POST /predict (JSON), GET /health")
    sv.add_argument("model", help="model folder written by --save or estimator.save()")
    sv.add_argument("--port", type=_port, default=8000, help="TCP port (default: 8000)")
    sv.add_argument("--host", default="127.0.0.1",
                    help="address to listen on (default: 127.0.0.1, this machine only; 0.0.0.0: every "
                         "network interface)")
    sv.add_argument("--threads", type=_positive_int, default=1,
                    help="torch CPU threads for predictions (default: 1; requests are answered one at a "
                         "time, and small models gain nothing from more)")
    sv.add_argument("--access-log", action="store_true", help="log every request on stderr")
    sv.add_argument("--json", action="store_true", help="print one JSON object when the server stops")
    return sv


def serve_command(args) -> dict:
    """Load ``args.model``, bind ``args.host``:``args.port`` and serve until stopped."""
    try:
        import uvicorn
    except ImportError:
        raise InputError("lstmkit serve needs fastapi and uvicorn: pip install 'lstmkit[serve]'") from None
    import torch

    from lstmkit.serving import create_app

    started = time.perf_counter()
    torch.set_num_threads(args.threads)
    try:
        app = create_app(args.model)
    except ImportError:
        raise InputError("lstmkit serve needs fastapi and uvicorn: pip install 'lstmkit[serve]'") from None
    sock = _bind(args.host, args.port)
    gc.collect()
    gc.freeze()  # the model and libraries, never garbage: no collection walks them again (fewer long pauses)
    predictor = app.state.predictor
    shown = f"[{args.host}]" if ":" in args.host else args.host
    estimator = predictor.describe()["estimator"]
    print(f"lstmkit serve: {estimator} from {args.model} at http://{shown}:{args.port} (POST /predict, "
          "GET /health); Ctrl-C stops", file=sys.stderr, flush=True)
    config = uvicorn.Config(app, log_level="warning", access_log=args.access_log, lifespan="off")
    with sock:
        uvicorn.Server(config).run(sockets=[sock])
    return {"task": "serve", "data": {"model": args.model, "estimator": estimator,
                                      "url": f"http://{shown}:{args.port}"},
            "metrics": {}, "timings": {"served": time.perf_counter() - started}}


def _bind(host: str, port: int):
    """A listening socket on ``host``:``port``, or a one-line error naming the option at fault."""
    import socket

    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM,
                                                             flags=socket.AI_PASSIVE)[0]
    except (socket.gaierror, UnicodeError) as error:
        raise InputError(f"--host {host!r} is not an address this machine can listen on ({error}); "
                         "e.g. 127.0.0.1 or 0.0.0.0") from None
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(2048)
    except OSError as error:
        sock.close()
        raise InputError(f"--port {port} on --host {host!r} cannot be used: {error.strerror or error}; "
                         "pick another port (or stop what is listening there)") from None
    sock.set_inheritable(True)
    return sock


def main(argv: list[str] | None = None) -> int:
    """``python -m lstmkit.cli.serve MODEL_DIR ...``: the command without the rest of the CLI."""
    from lstmkit.cli.parser import _Parser

    parser = _Parser(prog="lstmkit")
    add_parser(parser.add_subparsers(dest="command", required=True, parser_class=_Parser))
    args = parser.parse_args(["serve", *(sys.argv[1:] if argv is None else argv)])
    try:
        serve_command(args)
    except InputError as error:
        print(f"lstmkit serve: error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
