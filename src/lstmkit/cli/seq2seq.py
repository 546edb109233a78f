"""``lstmkit seq2seq``: train and score Seq2Seq on addition or date normalisation."""

from __future__ import annotations

import time

from lstmkit.cli.common import progress


def seq2seq_command(args) -> dict:
    options = {k: v for k, v in (("epochs", args.epochs), ("n_train", args.n_train)) if v is not None}
    shown = progress(args)
    start = time.perf_counter()
    if args.task == "addition":
        from lstmkit.demos.addition import run_addition

        result = run_addition(seed=args.seed, progress=shown, **options)
    else:
        from lstmkit.demos.dates import run_dates

        result = run_dates(seed=args.seed, progress=shown, **options)
    result["timings"]["total"] = time.perf_counter() - start
    return result
