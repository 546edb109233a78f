"""Training progress for ``verbose=True``: a bar on a terminal, plain lines anywhere else.

On a terminal, a rich progress bar (epoch, loss, validation loss, time so far and left: at
most, as early stopping may end it sooner). Elsewhere (stderr redirected to a log file, a CI
job, a notebook's captured stream) a bar would print escape codes or a blank line, so each
epoch is one line instead, at most one per ``LINE_SECONDS`` (and always the last):
``lstmkit: training NAME: epoch 12/300, loss 0.0213, val 0.0251, 3.1 s, at most 74 s left``.
The lines go to the ``lstmkit`` logger at INFO level; with no logging configured anywhere
they are printed on stderr, since ``verbose=True`` asked for them.
"""

from __future__ import annotations

import contextlib
import logging
import sys
import time

LINE_SECONDS = 1.0

logger = logging.getLogger("lstmkit")


def _status(record: dict) -> str:
    status = f"loss {record['loss']:.4g}"
    if "val_loss" in record:
        status += f", val {record['val_loss']:.4g}"
    return status


@contextlib.contextmanager
def progress_bar(enabled: bool, total: int, description: str):
    """A context giving ``advance(record)``, to call once per epoch with its history record."""
    if not enabled:
        yield lambda record: None
        return
    from rich.console import Console

    console = Console(stderr=True)
    if not console.is_terminal:
        yield _lines(total, description)
        return
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    columns = [TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TextColumn("{task.fields[status]}"), TimeElapsedColumn(), TextColumn("ETA"),
               TimeRemainingColumn()]
    with Progress(*columns, transient=True, console=console) as bar:
        task = bar.add_task(description, total=total, status="")
        yield lambda record: bar.update(task, advance=1, status=_status(record).replace(", ", "  "))


def _lines(total: int, description: str):
    start = last = time.perf_counter()
    done = 0

    def advance(record: dict) -> None:
        nonlocal last, done
        done += 1
        now = time.perf_counter()
        if now - last < LINE_SECONDS and done < total and done > 1:
            return
        last = now
        epoch = record.get("epoch", done)
        left = (now - start) / done * (total - done)
        line = (f"lstmkit: training {description}: epoch {epoch}/{total}, {_status(record)}, "
                f"{now - start:.1f} s" + (f", at most {left:.0f} s left" if done < total else ""))
        if logger.hasHandlers():
            logger.info(line)
        else:
            print(line, file=sys.stderr, flush=True)

    return advance
