"""``lstmkit diagnose``: underfit, good fit, overfit or unstable? (a saved model)."""

from __future__ import annotations

import time

from lstmkit.cli.common import check_outputs, diagnosis, honest
from lstmkit.comparison import validation_comparison
from lstmkit.errors import InputError


def diagnose_command(args) -> dict:
    from lstmkit.persistence import load

    start = time.perf_counter()
    check_outputs({"--plot": args.plot})
    model = load(args.model)
    if not hasattr(model, "diagnose"):
        raise InputError(f"model {args.model!r} is a {type(model).__name__}, which keeps no "
                         "training history to diagnose")
    result = {"task": "diagnose", "data": {"model": args.model, "estimator": type(model).__name__},
              "diagnosis": diagnosis(model, args.plot), "metrics": {}}
    checked = validation_comparison(model)
    if checked is not None:  # one series: is it better than naive on its own last training values?
        result["metrics"] = {k: v["one_step"] for k, v in checked.items()}
        scored = {**result, "metrics": checked}
        honest(scored, "on its last training values (validation): ")
        result["comparison"], result["diagnosis"] = scored["comparison"], scored["diagnosis"]
    if args.plot:
        result["files"] = {"learning curves": result["diagnosis"]["facts"].pop("plot")}
    result["timings"] = {"total": time.perf_counter() - start}
    return result
