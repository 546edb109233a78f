"""Architecture name -> (config dataclass, network class), so ``arch="stacked"`` works everywhere."""

from __future__ import annotations

import dataclasses

from torch import nn

from lstmkit.errors import InputError, check_choice
from lstmkit.models.stacked import StackedConfig, StackedLSTM
from lstmkit.models.vanilla import VanillaConfig, VanillaLSTM

ARCHITECTURES: dict[str, tuple[type, type[nn.Module]]] = {
    "vanilla": (VanillaConfig, VanillaLSTM),
    "stacked": (StackedConfig, StackedLSTM),
}


def build(arch: str, **config) -> nn.Module:
    """Build the network ``arch`` from its config fields; unknown fields raise at once.

    >>> build("vanilla", n_features=1, n_outputs=1, hidden_size=8)
    VanillaLSTM(...)
    """
    check_choice("arch", arch, sorted(ARCHITECTURES))
    config_cls, net_cls = ARCHITECTURES[arch]
    fields = {f.name for f in dataclasses.fields(config_cls)}
    unknown = sorted(set(config) - fields)
    if unknown:
        raise InputError(
            f"arch {arch!r} has no option {unknown[0]!r}; its options are {', '.join(sorted(fields))}"
        )
    return net_cls(config_cls(**config))


def config_fields(arch: str) -> set[str]:
    """The option names ``arch`` accepts."""
    check_choice("arch", arch, sorted(ARCHITECTURES))
    return {f.name for f in dataclasses.fields(ARCHITECTURES[arch][0])}
