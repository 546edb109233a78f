"""Command line: ``lstmkit forecast | classify | predict | serve | demo`` (more: ``--help``).
Thin: parse, call the library, print.

Every command prints a table by default or, with ``--json``, one JSON object with the
keys ``task``, ``metrics`` (model -> metric -> value; forecasts nest ``one_step`` /
``multi_step``) and ``timings`` (name -> seconds). User errors print one line on stderr
and exit with status 2; no output file is written unless the whole command succeeded.

Layout: ``parser`` (argparse), ``main`` here (dispatch and exit statuses), one module per
command (``forecast``, ``classify``, ``generate``, ``seq2seq``, ``tune``, ``diagnose``,
``train``, ``demo``, ``predict``, ``serve``), ``common`` (helpers they share) and ``output``
(printing).
Heavy libraries are imported inside the command functions, so ``lstmkit --help`` imports
none of them itself.
"""

from __future__ import annotations

import importlib
import sys

from lstmkit.cli.parser import build_parser
from lstmkit.errors import InputError, TrainingError

__all__ = ["build_parser", "main"]

# command -> "module:function" in this package, imported only when that command runs.
COMMANDS = {"forecast": "forecast:forecast_command", "classify": "classify:classify_command",
            "predict": "predict:predict_command", "diagnose": "diagnose:diagnose_command",
            "tune": "tune:tune_command", "generate": "generate:generate_command",
            "seq2seq": "seq2seq:seq2seq_command", "demo": "demo:demo_command",
            "train": "train:train_command", "serve": "serve:serve_command"}


def _log_to_stderr() -> None:
    """lstmkit's notes (a long fit's estimate and progress, see ``pace.py``) as lines on stderr."""
    import logging

    class Stderr(logging.StreamHandler):  # (sys.stderr when each line is written: tests replace it)
        lstmkit_cli = True
        stream = property(lambda self: sys.stderr, lambda self, value: None)

    logger = logging.getLogger("lstmkit")
    if not any(getattr(h, "lstmkit_cli", False) for h in logger.handlers):
        handler = Stderr()
        handler.setFormatter(logging.Formatter("%(message)s"))
        logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    module_name, function_name = COMMANDS[args.command].split(":")
    command = getattr(importlib.import_module(f"{__name__}.{module_name}"), function_name)
    _log_to_stderr()
    try:
        result = command(args)
    except InputError as e:
        print(f"lstmkit {args.command}: error: {e}", file=sys.stderr)
        return 2
    except TrainingError as e:
        print(f"lstmkit {args.command}: training failed: {e}", file=sys.stderr)
        return 1
    except OSError as e:  # a full disk, a vanished folder: outputs are written all or nothing
        where = f" ({e.filename})" if getattr(e, "filename", None) else ""
        print(f"lstmkit {args.command}: error: a file could not be read or written: {e.strerror or e}"
              f"{where}; no output was written", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"lstmkit {args.command}: interrupted", file=sys.stderr)
        return 130
    if _rank() == 0:  # (under torchrun every process runs the command; one prints its summary)
        from lstmkit.cli.output import report

        report(result, args.json)
    return 0


def _rank() -> int:
    """This process's rank under torchrun (its RANK variable), else 0."""
    import os

    try:
        return int(os.environ.get("RANK", "0"))
    except ValueError:
        return 0
