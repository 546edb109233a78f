"""Runnable demonstrations of each architecture on its classic problem.

Each demo is a function ``run(..., seed, progress, plot) -> dict`` returning
``{"task", "config", "metrics", "timings"[, "files"]}`` (the CLI's JSON schema). Demos
train on freshly generated data and score on further fresh samples never trained on.
"""

from __future__ import annotations

import importlib
import inspect

from lstmkit.errors import InputError, check_choice

# demo name -> "module:function" (imported when run)
DEMOS: dict[str, str] = {
    "airline": "lstmkit.demos.airline:run_airline",
    "echo": "lstmkit.demos.echo:run_echo",
    "damped-sine": "lstmkit.demos.damped_sine:run_damped_sine",
    "moving-line": "lstmkit.demos.moving_line:run_moving_line",
    "addition": "lstmkit.demos.addition:run_addition",
    "cumsum": "lstmkit.demos.cumsum:run_cumsum",
    "shapes": "lstmkit.demos.shapes:run_shapes",
}


def run_demo(name: str, **options) -> dict:
    """Run demo ``name``; an option it does not take is a one-line error listing those it does."""
    check_choice("demo", name, list(DEMOS))
    module_name, function_name = DEMOS[name].split(":")
    function = getattr(importlib.import_module(module_name), function_name)
    accepted = inspect.signature(function).parameters
    for key in ("progress", "plot"):  # generic options a demo may ignore
        if key not in accepted:
            if key == "plot" and options.get("plot"):
                raise InputError(f"demo {name!r} draws no plot; drop --plot")
            options.pop(key, None)
    unknown = sorted(set(options) - set(accepted))
    if unknown:
        allowed = ", ".join("--" + k.replace("_", "-") for k in accepted
                            if k not in ("seed", "progress", "plot"))
        raise InputError(f"demo {name!r} has no option --{unknown[0].replace('_', '-')}; "
                         f"its options are {allowed}")
    return function(**options)
