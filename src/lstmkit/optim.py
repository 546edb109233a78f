"""The training loop's optimiser (Adam over one flat buffer on CPU) and its progress bar."""

from __future__ import annotations

import torch
from torch import nn


def _set_lr(optimizer, lr: float) -> None:
    if isinstance(optimizer, FlatAdam):
        optimizer.lr = lr
    else:
        for group in optimizer.param_groups:
            group["lr"] = lr


def _adam(module: nn.Module, config):
    """Adam over the module's parameters, and the parameters to clip.

    On CPU every parameter (and its gradient) becomes a view into one flat buffer, so an
    optimiser step, zeroing and clipping are one operation each instead of one per tensor:
    small recurrent models spend most of their time in such per-tensor overhead.
    """
    params = [p for p in module.parameters() if p.requires_grad]
    if params[0].device.type != "cpu":
        optimizer = torch.optim.Adam(params, lr=config.lr, weight_decay=config.weight_decay)
        return optimizer, params
    flat = nn.Parameter(torch.cat([p.detach().reshape(-1) for p in params]))
    flat.grad = torch.zeros_like(flat)
    offset = 0
    for p in params:
        size = p.numel()
        p.data = flat.data[offset : offset + size].view_as(p)
        p.grad = flat.grad[offset : offset + size].view_as(p)  # autograd accumulates in place
        offset += size
    return FlatAdam(flat, lr=config.lr, weight_decay=config.weight_decay), [flat]


class FlatAdam:
    """Adam for one flat parameter, through torch's fused Adam kernel.

    Why not torch.optim.Adam: creating any torch optimiser imports torch._dynamo, 1.4-1.6 s
    on this machine, which is longer than most of our CPU trainings take. The update is
    torch's own fused kernel (``torch._fused_adam_``), one call per step; tests compare it
    with torch.optim.Adam.
    """

    def __init__(self, param: torch.Tensor, lr: float, betas=(0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0):
        self.param, self.lr, self.betas, self.eps = param, lr, betas, eps
        self.weight_decay = weight_decay
        self.exp_avg = torch.zeros_like(param)
        self.exp_avg_sq = torch.zeros_like(param)
        self.step_count = torch.zeros((), dtype=torch.float32)

    def zero_grad(self, set_to_none: bool = False) -> None:
        self.param.grad.zero_()

    @torch.no_grad()
    def step(self) -> None:
        self.step_count += 1
        torch._fused_adam_(
            [self.param], [self.param.grad], [self.exp_avg], [self.exp_avg_sq], [],
            [self.step_count], lr=self.lr, beta1=self.betas[0], beta2=self.betas[1],
            weight_decay=self.weight_decay, eps=self.eps, amsgrad=False, maximize=False,
        )
