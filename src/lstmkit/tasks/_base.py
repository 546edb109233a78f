"""What every estimator shares, by composition: declared parameter limits, the fitted check
and the loop that trains several seeded networks.

An estimator declares its limits as data, next to its ``__init__`` (as scikit-learn's
``_parameter_constraints``)::

    _parameter_constraints = {"hidden_size": Int(), "lr": Real(), "transform": Choice(TRANSFORMS),
                              "horizon": Int(none=True), "dropout": Real(strict=False, below=1)}

and ``check_params(self)`` checks every one of them with the messages of ``lstmkit.errors``
(one line naming the parameter, what was received and what is allowed). ``check_fitted``
raises ``NotFittedError`` (a subclass of scikit-learn's) with one message for every
estimator. ``fit_networks`` owns the seed ensemble: network k's seed, the seeded build and
Ctrl-C (keep the networks that finished an epoch, train no more). Saving and ``load`` live
in ``persistence.py``: an estimator that mixes in ``Persistable`` registers itself there.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import torch

from lstmkit.errors import (
    InputError,
    check_choice,
    check_fitted,
    check_number,
    check_positive_int,
)
from lstmkit.seeding import network_seed, seeded
from lstmkit.training import interrupted, resolve_device

__all__ = ["FLAG", "WEIGHT_DECAY", "Arch", "Choice", "Device", "Fraction", "Int", "Options", "Real",
           "check_fitted", "check_params", "fit_networks", "fit_params", "one_or_many", "trial_build"]


@dataclass(frozen=True)
class Int:
    """An integer >= ``minimum`` (or None when ``none``)."""

    minimum: int = 1
    none: bool = False

    def check(self, name: str, value) -> None:
        if value is None and self.none:
            return
        check_positive_int(name, value, minimum=self.minimum)


@dataclass(frozen=True)
class Real:
    """A finite number above ``minimum`` (at least it, unless ``strict``), below ``below``
    (at most ``at_most``) when given, or None when ``none``; ``hint`` (why the bound) follows
    the message of a number out of bounds."""

    minimum: float = 0.0
    strict: bool = True
    below: float | None = None
    at_most: float | None = None
    none: bool = False
    hint: str = ""

    def check(self, name: str, value) -> None:
        if value is None and self.none:
            return
        number = check_number(name, value, minimum=self.minimum, strict=self.strict)
        low = "(" if self.strict else "["
        hint = f" ({self.hint})" if self.hint else ""
        if self.below is not None and number >= self.below:
            raise InputError(f"{name} must be in {low}{self.minimum:g}, {self.below:g}); received {value!r}"
                             f"{hint}")
        if self.at_most is not None and number > self.at_most:
            suffix = " or None" if self.none else ""
            raise InputError(f"{name} must be in {low}{self.minimum:g}, {self.at_most:g}]{suffix}; "
                             f"received {value!r}{hint}")


# Adam's weight_decay adds weight_decay * w to every gradient: at 1 the pull to zero already
# matches the fit's, beyond it every weight is driven to 0 (or, far beyond, to inf and NaN).
WEIGHT_DECAY = Real(strict=False, at_most=1.0, hint="an L2 penalty on the weights: 1e-4 to 1e-2 is usual, "
                                                    "and above 1 it outweighs the fit")


@dataclass(frozen=True)
class Fraction:
    """A number in [0, 1] (``closed``) or (0, 1)."""

    closed: bool = False
    none: bool = False

    def check(self, name: str, value) -> None:
        if value is None and self.none:
            return
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        ok = ok and (0 <= value <= 1 if self.closed else 0 < value < 1)
        if not ok:
            raise InputError(f"{name} must be a fraction in {'[0, 1]' if self.closed else '(0, 1)'}; "
                             f"received {value!r}")


@dataclass(frozen=True)
class Choice:
    """One of ``values``."""

    values: tuple

    def check(self, name: str, value) -> None:
        check_choice(name, value, self.values)


FLAG = Choice((True, False))


@dataclass(frozen=True)
class Device:
    """"auto", "cpu" or "cuda[:N]" (CUDA only where this machine's torch has it)."""

    def check(self, name: str, value) -> None:
        resolve_device(value)


@dataclass(frozen=True)
class Options:
    """None or a dict of network options, none of which the estimator sets itself (the
    network builder checks their names and values)."""

    def check(self, name: str, value) -> None:
        from lstmkit.models.registry import arch_options

        arch_options(value)


@dataclass(frozen=True)
class Arch:
    """One of the architectures ``allowed`` for ``task`` (aliases map to their network)."""

    allowed: tuple
    task: str
    aliases: tuple = ()  # (alias, network) pairs

    def check(self, name: str, value) -> None:
        from lstmkit.models.registry import check_arch

        check_arch(dict(self.aliases).get(value, value), self.allowed, self.task)


def check_params(estimator) -> None:
    """Check every parameter that ``type(estimator)._parameter_constraints`` declares, in order."""
    for name, constraint in type(estimator)._parameter_constraints.items():
        constraint.check(name, getattr(estimator, name))


def fit_params(estimator, ignore=("verbose", "device")) -> dict:
    """The parameters that change training (checkpoint fingerprints leave the others out)."""
    return {k: v for k, v in estimator.get_params().items() if k not in ignore}


def trial_build(build: Callable[[], torch.nn.Module], n_networks: int = 1,
                advice: str = "lower hidden_size, the layers (arch_options n_layers) or n_models") -> None:
    """Build a network once without moving the caller's random state: an unknown architecture
    or network option fails here, before any training; so do ``n_networks`` networks whose
    training weights cannot fit in memory (``memory.check_parameters``, counted on the meta
    device before the real build)."""
    from lstmkit.memory import check_parameters

    check_parameters(build, n_networks, advice=advice)
    with torch.random.fork_rng(devices=[]):
        build()


def fit_networks(n: int, seed: int, device: torch.device,
                 train_one: Callable[[int, int], tuple[torch.nn.Module, list]]) -> tuple[list, list]:
    """Train ``n`` networks one after another: ``train_one(k, seed_k)`` builds and trains network
    ``k`` under torch seeded with its own seed (``seeding.network_seed``) and returns (network,
    history). After Ctrl-C the networks that finished an epoch are kept and no more are trained
    (the first one is always returned, for ``one_fit`` to judge). Returns (networks, histories)."""
    modules, histories = [], []
    for k in range(n):
        if histories and interrupted():  # Ctrl-C: keep the networks trained so far
            break
        own = network_seed(seed, k)
        with seeded(own, device):
            module, history = train_one(k, own)
        if histories and not history:  # stopped before its first epoch ended
            break
        modules.append(module)
        histories.append(history)
    return modules, histories


def one_or_many(histories: list[list]) -> list:
    """``history_``: one network's list of epochs, or one such list per network."""
    return histories[0] if len(histories) == 1 else histories


# A training loss this many times that of forecasting no change, at its best (and above 1): diverged.
# Targets are the scaled (differenced) series, where predicting 0 is the naive forecast: working fits
# end near or below it (at most 1.02x for one series, epochs=1 on noise, random walks and spikes
# included), so a network that never got within 3x of it learned nothing (AirPassengers[:96] with
# lr=10: 45x, 48-step RMSE 541 against naive's 133; lr=3: 4x, RMSE 186). (Was 100: lr=10 got through.)
DIVERGED = 3
# A global model's reference is looser: its targets pool series scaled one by one, a few epochs of a
# small model on few series end well above forecasting no change (28x seen in the tests) and still
# forecast sensibly, while lr=1e3 ends 1e4x above it.
DIVERGED_GLOBAL = 100


def check_converged(histories: list[list], still: float, lr: float, factor: float = DIVERGED) -> None:
    """Raise when a network's best training loss is over ``factor`` times ``still``, the loss of
    forecasting no change (targets are scaled, so a working fit is near or below it), and
    above 1 (errors beyond the targets' own scale; near-constant targets, and the many series of a
    global model, have a tiny ``still``): the steps were too large, and its forecasts would be
    garbage."""
    for history in histories:
        best = min((e["loss"] for e in history), default=0.0)
        if still > 0 and best > max(factor * still, 1.0):  # (1: errors beyond a window's own scale)
            raise InputError(f"training diverged: the best training loss {best:.3g} is {best / still:.0f}x "
                             f"that of forecasting no change ({still:.3g}); lower lr (received {lr:g}, "
                             "default 3e-3)")


DIVERGED_CHANCE = 10  # a best cross-entropy this many times log(classes): diverged


def check_learned(histories: list[list], n_classes: int, lr: float, default: float) -> None:
    """Raise when a network's best training cross-entropy is ``DIVERGED_CHANCE`` times that of
    guessing uniformly over ``n_classes`` (log n_classes, where every fit starts): it never
    learned, the steps were too large, and its answers would be garbage."""
    chance = math.log(max(2, n_classes))
    for history in histories:
        best = min((e["loss"] for e in history), default=0.0)
        if best > DIVERGED_CHANCE * chance:
            raise InputError(f"training diverged: the best training loss {best:.3g} is {best / chance:.0f}x "
                             f"that of guessing ({chance:.3g}, uniform over {n_classes} classes); lower lr "
                             f"(received {lr:g}, default {default:g})")
