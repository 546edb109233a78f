"""``lstmkit train CONFIG.yaml``: train as a YAML config says (data-parallel under torchrun)."""

from __future__ import annotations


def train_command(args) -> dict:
    from lstmkit.train_config import run

    return run(args.config)
