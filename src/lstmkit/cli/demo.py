"""``lstmkit demo NAME``: the classic problems, each with the options that apply to it."""

from __future__ import annotations

import time

from lstmkit.cli.common import check_outputs, progress
from lstmkit.errors import InputError

# The problem options of the parser (argparse names); each demo accepts those its function takes.
OPTIONS = ("seed_config", "length", "n_features", "out_index", "n_terms", "digits", "limit",
           "n_frames", "size", "decoder", "epochs", "hidden_size", "plot")


def demo_command(args) -> dict:
    import importlib
    import inspect

    from lstmkit.demos import DEMOS, run_demo

    start = time.perf_counter()
    options = {k: getattr(args, k) for k in OPTIONS if getattr(args, k) not in (None, False)}
    module_name, function_name = DEMOS[args.name].split(":")
    accepted = inspect.signature(getattr(importlib.import_module(module_name), function_name)).parameters
    unknown = sorted(k for k in options if k not in accepted and k != "plot")
    if unknown:  # list the command-line options this demo takes (not all its Python arguments)
        flags = ", ".join("--" + k.replace("_", "-") for k in accepted if k in OPTIONS)
        raise InputError(f"demo {args.name!r} has no option --{unknown[0].replace('_', '-')}; "
                         + (f"its options are {flags}" if flags else "it takes no options"))
    if args.plot and "plot" in accepted:
        check_outputs({"--plot": args.plot})
    result = run_demo(args.name, seed=args.seed, progress=progress(args), **options)
    result["timings"]["total"] = time.perf_counter() - start
    return result
