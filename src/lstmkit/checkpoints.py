"""Training checkpoints: everything needed to continue a training run bit for bit.

One safetensors file per run, rewritten atomically (temporary file, then rename) after
every epoch: the network's weights, the optimiser's moments and step, the best weights so
far, the shuffling generator's and torch's random states, and (as JSON in the file's
metadata) the epoch, history and early-stopping counters. A run killed at any moment
resumes from its last finished epoch and ends with the same weights as an uninterrupted
run with the same seed (on CPU). No pickle: loading reads tensors and JSON only.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import torch

from lstmkit.errors import InputError
from lstmkit.files import atomic_write


def checkpoint_path(folder, k: int) -> Path | None:
    """The checkpoint file of network ``k`` in ``folder`` (None: no checkpoints); a folder
    that cannot hold checkpoints (a file in its place) fails here, before network k trains."""
    if folder is None:
        return None
    from lstmkit.files import check_folder_target

    return check_folder_target(folder, "checkpoint_dir") / f"network-{k}.safetensors"


def fingerprint(*parts) -> str:
    """A short hash of settings and data (tensors are hashed by their bytes)."""
    digest = hashlib.sha256()
    for part in parts:
        if isinstance(part, torch.Tensor):
            digest.update(str((tuple(part.shape), part.dtype)).encode())
            if part.numel():  # (an empty tensor has no bytes, and cannot be viewed as them)
                digest.update(part.detach().cpu().contiguous().view(torch.uint8).numpy().tobytes())
        elif isinstance(part, tuple):
            digest.update(fingerprint(*part).encode())
        else:
            digest.update(json.dumps(part, sort_keys=True, default=repr).encode())
    return digest.hexdigest()[:32]


def _optimizer_tensors(optimizer) -> dict[str, torch.Tensor]:
    if hasattr(optimizer, "exp_avg"):  # FlatAdam
        return {"exp_avg": optimizer.exp_avg, "exp_avg_sq": optimizer.exp_avg_sq,
                "step": optimizer.step_count}
    out = {}
    for i, p in enumerate(optimizer.param_groups[0]["params"]):
        for key, value in optimizer.state.get(p, {}).items():
            out[f"{i}.{key}"] = value if torch.is_tensor(value) else torch.tensor(value)
    return out


def _set_optimizer_tensors(optimizer, tensors: dict[str, torch.Tensor]) -> None:
    if hasattr(optimizer, "exp_avg"):
        optimizer.exp_avg.copy_(tensors["exp_avg"])
        optimizer.exp_avg_sq.copy_(tensors["exp_avg_sq"])
        optimizer.step_count.copy_(tensors["step"])
        return
    params = optimizer.param_groups[0]["params"]
    for key, value in tensors.items():
        i, name = key.split(".", 1)
        p = params[int(i)]
        optimizer.state.setdefault(p, {})[name] = value.to(p.device) if name != "step" else value


def clear_stale(path: Path) -> None:
    """Remove temporary files that a killed run left beside checkpoint ``path``."""
    for stale in path.parent.glob(f".{path.stem}-*{path.suffix}"):
        stale.unlink(missing_ok=True)


def save_checkpoint(path: Path, module, optimizer, generator: torch.Generator, progress: dict,
                    best_state: dict | None) -> None:
    from safetensors.torch import save_file

    tensors = {f"module.{k}": v for k, v in module.state_dict().items()}
    tensors.update({f"optimizer.{k}": v for k, v in _optimizer_tensors(optimizer).items()})
    if best_state is not None:
        tensors.update({f"best.{k}": v for k, v in best_state.items()})
    tensors["rng.generator"] = generator.get_state()
    tensors["rng.torch"] = torch.get_rng_state()
    tensors = {k: v.detach().cpu().contiguous().clone() for k, v in tensors.items()}
    metadata = {"progress": json.dumps(progress, allow_nan=True)}
    atomic_write(path, lambda tmp: save_file(tensors, tmp, metadata=metadata), "checkpoint")


def load_checkpoint(path: Path, module, optimizer, generator: torch.Generator, fingerprint: str):
    """Restore a run from ``path``; returns (progress dict, best weights or None)."""
    from safetensors import SafetensorError, safe_open

    try:
        with safe_open(path, framework="pt") as f:
            progress = json.loads(f.metadata()["progress"])
            tensors = {k: f.get_tensor(k) for k in f.keys()}
    except (SafetensorError, OSError, KeyError, ValueError) as error:
        raise InputError(f"checkpoint {str(path)!r} cannot be read ({str(error).splitlines()[0]}); "
                         "delete it or pass resume=False") from None
    if progress.get("fingerprint") != fingerprint:
        raise InputError(f"checkpoint {str(path)!r} was written by a different configuration or "
                         "data; use another checkpoint_dir or pass resume=False")
    device = next(module.parameters()).device

    def part(prefix: str) -> dict[str, torch.Tensor]:
        return {k[len(prefix):]: v.to(device) for k, v in tensors.items() if k.startswith(prefix)}

    with torch.no_grad():
        module.load_state_dict(part("module."))  # copies into the (possibly flat) parameters
    _set_optimizer_tensors(optimizer, part("optimizer."))
    generator.set_state(tensors["rng.generator"])
    torch.set_rng_state(tensors["rng.torch"])
    best = part("best.") or None
    return progress, best
