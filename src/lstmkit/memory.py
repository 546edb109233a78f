"""Memory a fit will need, checked against what the machine has, before allocating.

Two estimates, each a rule rather than a guess:

- ``padded_bytes``: a padded input array (rows x longest x width x item size), checked
  before it is made (one very long text among short ones pads every row to its length).
- ``training_bytes``: the activations one training batch keeps for the backward pass,
  measured rather than modelled: one forward pass of a short probe (one row, at most
  ``PROBE_STEPS`` steps) counts the bytes autograd saves, scaled linearly to the batch and
  the longest sequence (recurrent and convolutional layers save per step): an upper bound
  where lengths differ.

``check_fits`` refuses, in one line, an estimate above ``LIMITS["memory_share"]`` of the
memory available now (``/proc/meminfo``'s MemAvailable on Linux, the free memory of a CUDA
device), naming what would bring it down. Where the available memory cannot be read,
nothing is checked.
"""

from __future__ import annotations

import torch

from lstmkit.errors import LIMITS, InputError

PROBE_STEPS = 256


def available_bytes(device: torch.device | str = "cpu") -> int | None:
    """Memory free for this process now, in bytes (None: unknown)."""
    device = torch.device(device)
    if device.type == "cuda":
        return int(torch.cuda.mem_get_info(device)[0])
    if device.type != "cpu":
        return None
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def gigabytes(n: float) -> str:
    return f"{n / 2**30:.1f} GB" if n >= 2**28 else f"{n / 2**20:.0f} MB"


def check_fits(needed: float, what: str, advice: str, device: torch.device | str = "cpu") -> None:
    """Raise when ``needed`` bytes exceed the allowed share of the memory available now."""
    available = available_bytes(device)
    if available is None:
        return
    allowed = LIMITS["memory_share"] * available
    if needed > allowed:
        raise InputError(f"{what} needs about {gigabytes(needed)} of memory, and {gigabytes(available)} is "
                         f"available; {advice} (the limit is {LIMITS['memory_share']:.0%} of the available "
                         "memory: lstmkit.errors.LIMITS['memory_share'])")


def padded_bytes(rows: int, longest: int, width: int = 1, itemsize: int = 4) -> int:
    return rows * longest * width * itemsize


def saved_bytes(module: torch.nn.Module, inputs: tuple) -> int:
    """Bytes autograd saves for the backward pass in one forward of ``module(*inputs)``
    (weights it saves are counted too: a small overestimate)."""
    total = 0

    def pack(tensor: torch.Tensor):
        nonlocal total
        total += tensor.numel() * tensor.element_size()
        return tensor

    was_training = module.training
    module.train()
    try:
        with torch.random.fork_rng(devices=[]), torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
            module(*inputs)
    finally:
        module.train(was_training)
    return total


def training_bytes(module: torch.nn.Module, x: torch.Tensor, lengths: torch.Tensor, batch_size: int) -> float:
    """The activations of one training batch of ``batch_size`` rows as long as the longest of
    ``x`` (padded, batch-first, with ``lengths``; ``module(x, lengths)``): a probe of one row of
    at most ``PROBE_STEPS`` steps, scaled. An upper bound where lengths differ (packed LSTM
    steps past a row's end are not computed); exact where they are all the same."""
    longest = int(lengths.max())
    k = min(longest, PROBE_STEPS)
    one = saved_bytes(module, (x[:1, :k], torch.full_like(lengths[:1], k)))
    return one / k * min(batch_size, len(lengths)) * longest


def check_windows(n_windows: int, lookback: int, features: int, build, batch_size: int,
                  device: torch.device | str = "cpu") -> None:
    """Before a one-series fit: its window matrix (``n_windows`` x ``lookback`` x ``features``
    float32 values, counted twice: the array and its tensor) and one training batch's
    activations (``saved_bytes`` of a network from ``build()`` on a probe of at most
    ``PROBE_STEPS`` steps, scaled; networks that take only their full lookback, such as the
    MLP, are probed only when it is short) fit in the memory available."""
    needed = 2.0 * n_windows * lookback * features * 4
    k = min(lookback, PROBE_STEPS)
    try:
        with torch.random.fork_rng(devices=[]):
            module = build().to(device)
        probe = torch.zeros(1, k, features, device=device)
        needed += saved_bytes(module, (probe,)) / k * min(batch_size, n_windows) * lookback
    except RuntimeError:  # (a network that cannot read k < lookback steps)
        pass
    check_fits(needed, f"training on {n_windows:,} windows of {lookback:,} steps",
               "shorten lookback (or the series) or lower batch_size", device)
