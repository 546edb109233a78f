"""Memory a fit will need, checked against what the machine has, before allocating.

Two estimates, each a rule rather than a guess:

- ``padded_bytes``: a padded input array (rows x longest x width x item size), checked
  before it is made (one very long text among short ones pads every row to its length).
- ``training_bytes``: the activations one training batch keeps for the backward pass,
  measured rather than modelled: one forward pass of a short probe (one row, at most
  ``PROBE_STEPS`` steps) counts the bytes autograd saves, scaled linearly to the batch and
  the longest sequence (recurrent and convolutional layers save per step): an upper bound
  where lengths differ.

- ``parameter_bytes``: the networks' weights while training, counted on a network built on
  torch's "meta" device (shapes only, no memory, no random numbers): parameters x
  ``TRAIN_BYTES_PER_PARAMETER`` (16: float32 weights, gradients and Adam's two moments) for
  each network trained at once, x ``KEPT_BYTES_PER_PARAMETER`` (4: the weights) for each one
  trained before and kept (an ensemble's members).
- ``inference_bytes``: a prediction batch's activations, an upper bound: the bytes of every
  output of every leaf layer in one forward pass, without gradients, of a short probe (one
  row, at most ``PROBE_STEPS`` steps), scaled to the batch and the longest sequence (a layer's
  output is usually freed once the next has read it: the true peak is lower); a recurrent
  layer also counts its input (packing copies it), its input projections of every step (4
  gates x its output for an LSTM, per layer), which it computes all at once, and two more
  copies of its output (measured on CPU, 1,000,000 steps, hidden_size 64, peak / estimate:
  vanilla 1.54 / 1.72 GB, stacked 1.78 / 2.7 GB, bidirectional 2.27 / 3.4 GB, LSTM-FCN
  1.80 / 4.6 GB). Predictions
  run in batches of at most ``PREDICT_STEPS`` padded steps (``predict_rows``), so one very
  long sequence is read alone; only one that cannot fit even alone is refused.

``check_fits`` refuses, in one line, an estimate above ``LIMITS["memory_share"]`` of the
memory available now (``/proc/meminfo``'s MemAvailable on Linux, or less under a
``ulimit -v`` address-space limit: what is left of it; the free memory of a CUDA device),
naming what would bring it down. Where the available memory cannot be read, nothing is
checked.
"""

from __future__ import annotations

import torch

from lstmkit.errors import LIMITS, InputError

PROBE_STEPS = 256
TRAIN_BYTES_PER_PARAMETER = 16  # float32 weights, gradients, Adam's first and second moments
KEPT_BYTES_PER_PARAMETER = 4  # float32 weights of a network already trained
PREDICT_STEPS = 1 << 20  # padded steps (rows x longest) per prediction batch, at most


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
                    return _address_space_left(int(line.split()[1]) * 1024)
    except OSError:
        pass
    return None


def _address_space_left(available: int) -> int:
    """``available``, or less where ``ulimit -v`` (RLIMIT_AS) leaves this process less address
    space than that (its limit less its VmSize now): allocations past it fail."""
    try:
        import resource

        limit = resource.getrlimit(resource.RLIMIT_AS)[0]
        if limit == resource.RLIM_INFINITY or limit < 0:
            return available
        with open("/proc/self/status") as f:
            size = next(int(line.split()[1]) * 1024 for line in f if line.startswith("VmSize:"))
    except (ImportError, OSError, StopIteration, ValueError):
        return available
    return max(0, min(available, limit - size))


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


def parameter_count(build) -> int:
    """Parameters and buffers of the network ``build()`` returns, built on the meta device (no
    memory is allocated, torch's random state is untouched)."""
    with torch.random.fork_rng(devices=[]), torch.device("meta"):
        module = build()
    return sum(t.numel() for t in (*module.parameters(), *module.buffers()))


def parameter_bytes(n_parameters: int, n_networks: int = 1, at_once: int = 1) -> int:
    """Weights while training ``n_networks`` networks of ``n_parameters``, ``at_once`` of them
    at a time (each with gradients and Adam's moments), the others kept."""
    at_once = max(1, min(at_once, n_networks))
    kept = n_networks - at_once
    return n_parameters * (TRAIN_BYTES_PER_PARAMETER * at_once + KEPT_BYTES_PER_PARAMETER * kept)


def check_parameters(build, n_networks: int = 1, at_once: int = 1, advice: str = "lower hidden_size or the "
                     "number of layers", device: torch.device | str = "cpu") -> int:
    """Before building any real network: refuse ``n_networks`` networks from ``build()`` whose
    training weights (``parameter_bytes``) cannot fit in the memory available. Returns the
    parameter count of one network."""
    n = parameter_count(build)
    networks = f"{n_networks:,} networks" if n_networks > 1 else "a network"
    check_fits(parameter_bytes(n, n_networks, at_once),
               f"training {networks} of {n:,} parameters ({TRAIN_BYTES_PER_PARAMETER} bytes each while it "
               "trains: weights, gradients and Adam's two moments)", advice, device)
    return n


def inference_bytes(module: torch.nn.Module, inputs: tuple) -> int:
    """Bytes of every output of every leaf layer in one forward of ``module(*inputs)`` without
    gradients, in eval mode: an upper bound on its activations' peak."""
    total = 0

    def count(layer, inputs, output):
        nonlocal total
        total += sum(t.numel() * t.element_size() for t in _leaves(output))
        if isinstance(layer, torch.nn.RNNBase):  # + input projections of every step, copies, packing
            gates = {"LSTM": 4, "GRU": 3}.get(layer.mode, 1) * layer.num_layers + 2
            total += gates * sum(t.numel() * t.element_size() for t in _leaves(output[0]))
            total += sum(t.numel() * t.element_size() for t in _leaves(inputs[:1]))

    leaves = [m for m in module.modules() if not any(True for _ in m.children())]
    hooks = [m.register_forward_hook(count) for m in leaves]
    was_training = module.training
    module.eval()
    try:
        with torch.random.fork_rng(devices=[]), torch.no_grad():
            module(*inputs)
    finally:
        module.train(was_training)
        for hook in hooks:
            hook.remove()
    return total


def _leaves(output) -> list[torch.Tensor]:
    if isinstance(output, torch.Tensor):
        return [output]
    if isinstance(output, torch.nn.utils.rnn.PackedSequence):
        return [output.data]
    if isinstance(output, (tuple, list)):
        return [t for item in output for t in _leaves(item)]
    return []


def predict_rows(longest: int, n_rows: int, batch_size: int) -> int:
    """Rows per prediction batch: ``batch_size``, fewer where the sequences are long (at most
    ``PREDICT_STEPS`` padded steps a batch; one row at least)."""
    return max(1, min(batch_size, n_rows, PREDICT_STEPS // max(1, longest)))


def check_predict(per_step: float, rows: int, longest: int, device: torch.device | str = "cpu",
                  advice: str = "shorten the sequences") -> None:
    """Refuse a prediction batch of ``rows`` sequences of up to ``longest`` steps whose
    activations (``per_step`` bytes a row and step, from ``inference_bytes``) cannot fit."""
    sequences = f"{rows:,} sequences" if rows > 1 else "a sequence"
    check_fits(per_step * rows * longest, f"predicting {sequences} of {longest:,} steps", advice, device)


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
