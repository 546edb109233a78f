"""Ctrl-C while training: count it, tell every nested fit, and never leave a half-made estimator.

``train`` stops cleanly on Ctrl-C and calls ``count_interrupt``; ``one_fit`` decorates the
top-level fits so the networks trained inside one fit (ensemble members, refits, trials)
learn through ``interrupted()`` that the whole fit should end.
"""

from __future__ import annotations

import contextvars
import functools
from collections.abc import Callable

_interrupts = 0  # Ctrl-Cs that train() caught in this process
_fit_start: contextvars.ContextVar[int | None] = contextvars.ContextVar("lstmkit_fit_start", default=None)


def interrupts() -> int:
    """How many times ``train`` has stopped on Ctrl-C in this process."""
    return _interrupts


def one_fit(fit: Callable) -> Callable:
    """Decorates a ``fit`` (or a search, or a comparison) that may train several networks.

    Fits nested in it (ensemble members, conformal refits, tuning trials) share its start,
    so ``interrupted()`` tells every one of them that one Ctrl-C ended the whole thing. When
    the outermost one raises (a bad input, a failed training, ``KeyboardInterrupt``), its
    estimator gets back the attributes it had before (its previous fit, or none), never a
    half-made one."""

    @functools.wraps(fit)
    def wrapped(*args, **kwargs):
        token = _fit_start.set(_interrupts) if _fit_start.get() is None else None
        owner = args[0] if token is not None and args and hasattr(args[0], "__dict__") else None
        before = dict(vars(owner)) if owner is not None else None
        try:
            result = fit(*args, **kwargs)
            if token is not None and interrupted() and _untrained(result):
                raise KeyboardInterrupt  # Ctrl-C before any network finished an epoch: no model
            return result
        except BaseException:
            if owner is not None:
                vars(owner).clear()
                vars(owner).update(before)
            raise
        finally:
            if token is not None:
                _fit_start.reset(token)

    return wrapped


def _untrained(model) -> bool:
    """Whether a fitted estimator has no network that finished an epoch (an ensemble: no member has)."""
    members = getattr(model, "members_", None)
    if isinstance(members, list):
        return all(_untrained(m) for m in members)
    if hasattr(model, "forecaster_"):  # an anomaly detector: its forecaster
        return _untrained(model.forecaster_)
    return getattr(model, "history_", None) == []


def count_interrupt() -> None:
    """Records one Ctrl-C that stopped training (or a search) in this process."""
    global _interrupts
    _interrupts += 1


def interrupted() -> bool:
    """Whether ``train`` stopped on Ctrl-C since the outermost ``one_fit`` began (False outside
    one): train no more networks, keep those trained, skip calibration."""
    start = _fit_start.get()
    return start is not None and _interrupts != start
