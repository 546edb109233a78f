"""The language model's training pieces: random windows of the token stream, and the
wall-clock budget that ends an epoch loop (``SequenceGenerator`` trains through them)."""

from __future__ import annotations

import math
import time

import torch
from torch import nn
from torch.nn import functional as F

from lstmkit.training import snapshot, torch_threads


class Windows(nn.Module):
    """The network over windows of ``data``: a row ``s`` is the window data[s : s + context + 1]
    (inputs, then targets shifted by one); a row -1 is a random window of the first ``n_train``
    tokens, drawn with torch's generator (which the training checkpoints save). Validation
    runs in ``n_threads`` threads, as training (``evaluate_loss`` would pick its own)."""

    def __init__(self, network: nn.Module, data: torch.Tensor, n_train: int, context: int,
                 n_threads: int | None = None, bf16: bool = False):
        super().__init__()
        self.network = network
        self.data, self.n_train, self.n_threads, self.bf16 = data, n_train, n_threads, bf16
        self.offsets = torch.arange(context + 1, device=data.device)

    def forward(self, starts: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        if self.training:
            random = torch.randint(0, self.n_train - len(self.offsets) + 1, starts.shape)
            starts = torch.where(starts < 0, random.to(starts.device), starts)
        windows = self.data[starts[:, None] + self.offsets]
        with torch.autocast(self.data.device.type, dtype=torch.bfloat16, enabled=self.bf16):
            if self.training:
                return self.network(windows[:, :-1])[0], windows[:, 1:]
            with torch_threads(self.n_threads):
                logits = [self.network(w)[0] for w in windows[:, :-1].split(256)]  # bounded memory
        return torch.cat(logits), windows[:, 1:]


def window_loss(output: tuple[torch.Tensor, torch.Tensor], _) -> torch.Tensor:
    logits, targets = output
    return F.cross_entropy(logits.flatten(0, 1).float(), targets.flatten())


class Budget:
    """``on_epoch`` callback: records the learning rate, and says stop once another epoch would
    end after ``deadline`` (a ``time.perf_counter`` value; None: never).

    ``train`` leaves the epoch on which it is told to stop out of its best-weights choice, so
    ``restore`` puts that epoch's weights back when its validation loss beat all before it."""

    def __init__(self, deadline: float | None, module: nn.Module, lr: float):
        self.deadline, self.module, self.lr = deadline, module, lr
        self.start, self.epochs, self.last = time.perf_counter(), 0, None

    def __call__(self, record: dict) -> bool:
        self.epochs += 1
        record["lr"] = self.lr
        now = time.perf_counter()
        if self.deadline is None or now + (now - self.start) / self.epochs <= self.deadline:
            return False
        self.last = (record["val_loss"], snapshot(self.module))
        return True

    def restore(self, history: list[dict]) -> None:
        earlier = [r["val_loss"] for r in history[:-1] if "val_loss" in r]
        if self.last is not None and self.last[0] < min(earlier, default=math.inf):
            self.module.load_state_dict(self.last[1])
