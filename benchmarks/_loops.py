"""Training-loop measurements for the speed benchmark (benchmarks/speed.py).

lstmkit's ``train`` and the plainest hand-written PyTorch loop on the same stacked LSTM and
data, the FLOPs such a training pass does, and this machine's matrix-multiply peak.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

import torch

from lstmkit.models import build
from lstmkit.seeding import seeded
from lstmkit.training import TrainConfig, torch_threads, train


@dataclass(frozen=True)
class Shape:
    """An LSTM training problem: random data, a stacked LSTM and a regression head."""

    samples: int  # training samples (one epoch = samples / batch steps)
    steps: int  # time steps per sequence
    features: int  # inputs per time step
    hidden: int  # LSTM units per layer
    layers: int  # stacked LSTM layers
    batch: int  # samples per gradient step
    epochs: int = 1


def problem(shape: Shape) -> tuple[torch.Tensor, torch.Tensor]:
    """Random inputs and a target that depends on them (so the loss can fall)."""
    with seeded(0):
        x = torch.randn(shape.samples, shape.steps, shape.features)
    return x, x[:, -3:, :2].mean(dim=(1, 2))[:, None]


def one_batch(shape: Shape) -> Shape:
    """The same problem cut to one gradient step (for warm-ups)."""
    return replace(shape, samples=shape.batch, epochs=1)


def network(shape: Shape) -> torch.nn.Module:
    with seeded(0):
        return build("stacked", n_features=shape.features, n_outputs=1, hidden_size=shape.hidden,
                     n_layers=shape.layers)


def lstmkit_seconds(shape: Shape, n_threads: int | None = None, bf16: bool = False) -> tuple[float, float]:
    """(seconds, last epoch's loss) of ``lstmkit.training.train`` (clipping off, as by hand)."""
    x, y = problem(shape)
    module = network(shape)
    config = TrainConfig(epochs=shape.epochs, batch_size=shape.batch, clip=None, n_threads=n_threads)
    start = time.perf_counter()
    with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
        history = train(module, torch.nn.functional.mse_loss, x, y, config, seed=0)
    return time.perf_counter() - start, history[-1]["loss"]


def handwritten_seconds(shape: Shape, n_threads: int) -> float:
    """The plainest PyTorch loop: shuffle, slice batches, torch.optim.Adam (lr 1e-3), no clipping."""
    x, y = problem(shape)
    module = network(shape)
    with torch_threads(n_threads):
        optimizer = torch.optim.Adam(module.parameters(), lr=1e-3)
        start = time.perf_counter()
        for _ in range(shape.epochs):
            order = torch.randperm(len(x))
            for i in range(0, len(x), shape.batch):
                rows = order[i : i + shape.batch]
                optimizer.zero_grad()
                torch.nn.functional.mse_loss(module(x[rows]), y[rows]).backward()
                optimizer.step()
        return time.perf_counter() - start


def training_flops(shape: Shape) -> float:
    """Multiply-add FLOPs of one training pass over the data: 3 x the gates' forward matmuls.

    Per layer and time step the gates compute ``[x, h] @ W`` with W of (I + H, 4H) for a
    batch of B: 2 * B * (I + H) * 4H FLOPs (I: the layer's inputs, features or H below).
    Backward costs about twice the forward, so training = 3 x forward. Element-wise gate
    arithmetic, the head and Adam are not counted (they only lower the reported efficiency).
    """
    inputs = [shape.features] + [shape.hidden] * (shape.layers - 1)
    forward = sum(2 * shape.batch * (i + shape.hidden) * 4 * shape.hidden for i in inputs)
    batches = -(-shape.samples // shape.batch)
    return 3.0 * forward * shape.steps * batches * shape.epochs


def matmul_gflops(n: int, dtype: torch.dtype, repeats: int) -> list[float]:
    """GFLOP/s of torch.mm on two n x n matrices with every torch thread, per repetition."""
    a, b = torch.randn(n, n, dtype=dtype), torch.randn(n, n, dtype=dtype)
    torch.mm(a, b)
    rates = []
    for _ in range(repeats):
        start = time.perf_counter()
        torch.mm(a, b)
        rates.append(2 * n**3 / (time.perf_counter() - start) / 1e9)
    return rates
