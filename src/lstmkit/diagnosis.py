"""Read a training history and say what kind of fit it was, with concrete advice.

Verdicts (checked in this order, on the per-epoch train ``loss`` and ``val_loss``):

- "overfit": the validation loss reached its best well before training stopped and then
  rose clearly (by > 10% of its best and more than its early noise) while the training
  loss kept falling, and either training ran to its last epoch (early stopping did not
  step in) or the best came in the first tenth of the epochs (the model overfits at once).
  A run that early stopping cut short keeps its best weights: that is a good fit.
- "unstable": the training loss jumps up by more than half of its running best (and by
  more than 5% of its first value) at least twice after the first epochs, or ends far
  above its best (the steps are too large).
- "underfit": training ran every epoch it was given and the losses were still falling at
  the end (the last fifth of the epochs improved them by more than 2%), or the training
  loss barely moved from its start (less than 10% below the first epoch).
- "good fit": none of the above.

Histories without a validation loss can only be "unstable", "underfit" or "good fit".
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from lstmkit.errors import InputError

ADVICE = {
    "underfit": "the model is still learning or too small: train longer (more epochs, more "
                "patience), raise hidden_size or add layers, or raise the learning rate a little",
    "overfit": "the model memorises the training data: keep early stopping (lower patience), add "
               "dropout or weight_decay, use a smaller model, or get more training data",
    "unstable": "the loss jumps around: lower the learning rate (e.g. by 3-10x), keep gradient "
                "clipping on, or use a larger batch size",
    "good fit": "training and validation losses fell together and training stopped near the best "
                "validation loss; more capacity or data is the next lever, not more epochs",
}


@dataclass
class Diagnosis:
    verdict: str  # "underfit", "good fit", "overfit" or "unstable"
    advice: str
    facts: dict = field(default_factory=dict)  # the numbers the verdict rests on

    def __str__(self) -> str:
        facts = ", ".join(f"{k} {v:.4g}" if isinstance(v, float) else f"{k} {v}"
                          for k, v in self.facts.items())
        return f"{self.verdict}: {self.advice} ({facts})"


def diagnose(history, max_epochs: int | None = None) -> Diagnosis:
    """Diagnose one training run: ``history`` is a list of per-epoch dicts (``loss`` and
    optionally ``val_loss``), as estimators keep in ``history_``; for an ensemble (a list of
    such lists) the first run is read. ``max_epochs``: the epochs training was allowed."""
    if history and isinstance(history[0], list):
        history = history[0]
    if not history or "loss" not in history[0]:
        raise InputError("history must be a non-empty list of per-epoch dicts with a 'loss'; "
                         f"received {type(history).__name__} of {len(history or [])} entries")
    loss = np.array([r["loss"] for r in history], dtype=float)
    val = np.array([r["val_loss"] for r in history], dtype=float) if "val_loss" in history[0] else None
    n = len(loss)
    facts = {"epochs": n, "first_loss": float(loss[0]), "final_loss": float(loss[-1])}
    ran_out = max_epochs is None or n >= max_epochs
    if val is not None and not np.isfinite(val).all():  # a NaN validation loss is no good fit
        loss = np.where(np.isfinite(val), loss, np.nan)  # read as unstable, below
        val = None
    overfit = _overfit(loss, val, ran_out, facts) if val is not None else None
    verdict = overfit or _unstable(loss, facts)
    verdict = verdict or _underfit(loss, val, n, ran_out, facts) or "good fit"
    return Diagnosis(verdict, ADVICE[verdict], facts)


def _unstable(loss: np.ndarray, facts: dict) -> str | None:
    skip = min(3, len(loss) // 4)
    best = np.minimum.accumulate(loss)
    # a jump: above 1.5x the running best, and by more than 5% of the first epoch's loss
    # (near zero loss, tiny wiggles are no instability)
    rise = loss[skip + 1:] - best[skip:-1]
    jumps = int(np.sum((rise > 0.5 * best[skip:-1]) & (rise > 0.05 * loss[0])))
    facts["loss_jumps"] = jumps
    ends_high = len(loss) >= 5 and loss[-1] > 2.0 * best[-1] and best[-1] < loss[0]
    return "unstable" if jumps >= 2 or ends_high or not np.isfinite(loss).all() else None


def _overfit(loss: np.ndarray, val: np.ndarray, ran_out: bool, facts: dict) -> str | None:
    best = int(np.argmin(val))
    facts.update(best_epoch=best + 1, best_val_loss=float(val[best]), final_val_loss=float(val[-1]))
    after = val[best:]
    if len(after) < max(3, len(val) // 10):
        return None
    recent = val[max(0, best - 10): best + 1]  # the steady stretch before the best, not the first drop
    noise = float(np.std(np.diff(recent))) if len(recent) >= 3 else 0.0
    rise = float(after.max() - val[best])
    facts["val_rise"] = rise / abs(val[best]) if val[best] else float("inf")
    train_fell = loss[-1] < loss[best] * 0.98
    early = best + 1 <= max(1, len(val) // 10)
    rose = rise > 0.1 * abs(val[best]) and rise > 2 * noise and train_fell
    return "overfit" if rose and (ran_out or early) else None


def _underfit(loss, val, n: int, ran_out: bool, facts: dict) -> str | None:
    tail = max(2, n // 5)
    watched = val if val is not None else loss
    recent = float(watched[-tail:].min())
    before = float(watched[:-tail].min()) if n > tail else float(watched[0])
    facts["tail_improvement"] = (before - recent) / abs(before) if before else 0.0
    still_falling = ran_out and facts["tail_improvement"] > 0.02
    barely_moved = loss.min() > 0.9 * loss[0]
    return "underfit" if still_falling or barely_moved else None


class Diagnosable:
    """Mixin: ``diagnose(plot=None)`` for estimators that keep ``history_`` and ``epochs``."""

    def diagnose(self, plot=None) -> Diagnosis:
        """Verdict and advice from ``history_``; ``plot``: also write the learning curves (PNG)."""
        from lstmkit.errors import check_fitted

        check_fitted(self, "history_")
        result = diagnose(self.history_, max_epochs=getattr(self, "epochs", None))
        if plot is not None:
            from lstmkit.plots import plot_history

            result.facts["plot"] = str(plot_history(self.history_, plot, title=result.verdict))
        return result
