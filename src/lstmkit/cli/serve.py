"""``lstmkit serve MODEL_DIR [--port P] [--host H]``: answer forecasts and classifications over
HTTP as JSON (``lstmkit.serving.create_app``, run by uvicorn; see docs/serving.md).

The model is loaded, and the address bound, before the server starts: a bad model folder or a
port in use is one line and exit status 2. The server runs until Ctrl-C (or SIGTERM).
``python -m lstmkit.cli.serve MODEL_DIR ...`` runs the same command (benchmarks/serving.py).
"""

from __future__ import annotations

import gc
import sys
import time

from lstmkit.errors import InputError


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
    """``python -m lstmkit.cli.serve MODEL_DIR ...``: the same as ``lstmkit serve MODEL_DIR ...``."""
    from lstmkit.cli import main as cli_main

    return cli_main(["serve", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    sys.exit(main())
