"""CUDA check: every network gives the CPU's outputs on the GPU, and the Forecaster trains there.

    python benchmarks/gpu_check.py          # on a machine with CUDA; writes the 'gpu' section

For each architecture: outputs on CUDA vs CPU (same weights, eval mode, max |diff|) and
one training step on CUDA with finite gradients. Then the airline Forecaster with
device="cuda" vs device="cpu" in the same run: accuracy and fit time (tiny models are
latency-bound on a GPU; the comparison shows by how much).
"""

from __future__ import annotations

import argparse
import time

import torch
from _report import machine, spread, table, write_section

from lstmkit import Forecaster, datasets
from lstmkit.metrics import rmse
from lstmkit.models import build

# label -> (arch, options, input maker)
NETWORKS = {
    "vanilla": ("vanilla", {}, lambda: torch.randn(16, 20, 3)),
    "stacked": ("stacked", {"n_layers": 3}, lambda: torch.randn(16, 20, 3)),
    "bidirectional per step": ("bidirectional", {"per_step": True}, lambda: torch.randn(16, 20, 3)),
    "cnn-lstm series": ("cnn-lstm", {}, lambda: torch.randn(16, 20, 3)),
    "cnn-lstm frames": ("cnn-lstm", {"frame_shape": (16, 16)}, lambda: torch.randn(4, 5, 3, 16, 16)),
    "encoder-decoder attention": ("encoder-decoder", {"n_steps_out": 4},
                                  lambda: torch.randint(0, 3, (16, 9))),
    "encoder-decoder repeat": ("encoder-decoder", {"decoder": "repeat", "n_steps_out": 4},
                               lambda: torch.randint(0, 3, (16, 9))),
    "generative": ("generative", {}, lambda: torch.randn(16, 5, 3)),
    "plain rnn": ("rnn", {}, lambda: torch.randn(16, 20, 3)),
}


def network_rows() -> list:
    rows = []
    for label, (arch, options, make) in NETWORKS.items():
        torch.manual_seed(0)
        cpu = build(arch, n_features=3, n_outputs=4, hidden_size=16, **options).eval()
        gpu = build(arch, n_features=3, n_outputs=4, hidden_size=16, **options)
        gpu.load_state_dict(cpu.state_dict())
        gpu = gpu.cuda().eval()
        x = make()
        with torch.no_grad():
            diff = (cpu(x) - gpu(x.cuda()).cpu()).abs().max().item()
        gpu.train()
        gpu(x.cuda()).float().pow(2).mean().backward()
        finite = all(torch.isfinite(p.grad).all().item() for p in gpu.parameters() if p.grad is not None)
        rows.append([label, f"{diff:.2e}", "yes" if finite else "NO"])
    return rows


def forecaster_rows(seeds: list[int]) -> list:
    y = datasets.load_airpassengers()
    rows = []
    for device in ("cpu", "cuda"):
        one, multi, seconds = [], [], []
        for s in seeds:
            start = time.perf_counter()
            model = Forecaster(random_state=s, device=device).fit(y[:96])
            seconds.append(time.perf_counter() - start)
            one.append(rmse(y[96:], model.backtest(y, 96)))
            multi.append(rmse(y[96:], model.predict(48)))
        rows.append([device, spread(one), spread(multi), spread(seconds)])
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    if not torch.cuda.is_available():
        raise SystemExit("gpu_check: no CUDA device here; run it on a machine with a GPU")
    card = torch.cuda.get_device_name(0)
    body = (f"## CUDA check (`python benchmarks/gpu_check.py`)\n\nCard: {card}, torch "
            f"{torch.__version__}. Host: {machine()}.\n\n"
            + table(["network", "max abs difference, CUDA vs CPU output", "finite CUDA gradients"],
                    network_rows())
            + "\n\nAirline Forecaster, device cpu vs cuda in the same run (seeds "
            f"0..{args.seeds - 1}; median (min-max)):\n\n"
            + table(["device", "one-step RMSE", "48-step RMSE", "fit s"], forecaster_rows(
                list(range(args.seeds))))
            + "\n\nA 32-unit LSTM on 96 points is latency-bound: the GPU runs it, slower.\n")
    print(body)
    if not args.no_write:
        print(f"wrote {write_section('gpu', body)}")


if __name__ == "__main__":
    main()
