"""Say when a fit will be long, and how it is going when no progress bar shows.

A rule, not a guess at the end: once the first epoch has run for ``PROBE_SECONDS`` (or has
ended, if sooner), the pace so far times the epochs asked for is the estimate. When it is
above ``LONG_FIT_SECONDS`` one warning (logger ``lstmkit``) gives it, with what would
shorten it. Then, when no progress bar shows (``verbose=False``, or stderr not a terminal), a
note at INFO level every ``NOTE_SECONDS``: epoch, loss and time left (the CLI prints them on
stderr; a library user sees them after ``logging.basicConfig(level=logging.INFO)``).
"""

from __future__ import annotations

import logging
import time

LONG_FIT_SECONDS = 120.0
PROBE_SECONDS = 3.0
NOTE_SECONDS = 60.0

logger = logging.getLogger("lstmkit")


def minutes(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 120 else f"{seconds / 60:.0f} min"


class Pace:
    """Time one network's training: ``batch()`` after every gradient step, ``epoch(record)``
    after every epoch."""

    def __init__(self, epochs: int, n_batches: int, description: str, bar_shown: bool):
        from lstmkit import distributed

        self.epochs, self.n_batches, self.description = epochs, max(1, n_batches), description
        self.bar_shown, self.enabled = bar_shown, distributed.is_main()  # (under torchrun: rank 0 speaks)
        self.start = self.last_note = time.perf_counter()
        self.done_batches, self.done_epochs, self.judged, self.long = 0, 0, False, False

    def batch(self) -> None:
        self.done_batches += 1
        if self.enabled and not self.judged and self.done_batches % 16 == 0:
            if self._elapsed() > PROBE_SECONDS:
                self._judge()

    def epoch(self, record: dict) -> None:
        self.done_epochs += 1
        if not self.enabled:
            return
        if not self.judged:
            self._judge()
        now = time.perf_counter()
        if self.long and not self.bar_shown and now - self.last_note >= NOTE_SECONDS:
            self.last_note = now
            per_epoch = self._elapsed() / self.done_epochs
            left = per_epoch * (self.epochs - self.done_epochs)
            logger.info(f"lstmkit: training {self.description}: epoch {self.done_epochs}/{self.epochs}, "
                        f"loss {record['loss']:.4g}, {minutes(self._elapsed())} so far, at most "
                        f"{minutes(left)} left")

    def estimate(self) -> float:
        """Seconds the whole fit would take at the pace so far (every epoch asked for)."""
        per_batch = self._elapsed() / max(1, self.done_batches)
        return per_batch * self.n_batches * self.epochs

    def _elapsed(self) -> float:
        return time.perf_counter() - self.start

    def _judge(self) -> None:
        self.judged = True
        total = self.estimate()
        if total <= LONG_FIT_SECONDS:
            return
        self.long = True
        logger.warning(f"lstmkit: training {self.description} will take up to about {minutes(total)} "
                       f"({self.epochs} epochs of {self.n_batches:,} batches; early stopping may end it "
                       "sooner); fewer epochs, a larger batch_size, a shorter lookback or fewer values "
                       "shorten it")
