"""``lstmkit generate``: sample text from a saved SequenceGenerator."""

from __future__ import annotations

import time

from lstmkit.errors import InputError


def generate_command(args) -> dict:
    from lstmkit.persistence import load

    start = time.perf_counter()
    model = load(args.model)
    if type(model).__name__ != "SequenceGenerator":
        raise InputError(f"--model {args.model!r} holds a {type(model).__name__}, not a SequenceGenerator")
    text = model.sample(args.length, prompt=args.prompt, temperature=args.temperature, top_k=args.top_k,
                        random_state=args.seed)
    return {"task": "generate", "data": {"model": args.model, "prompt": args.prompt}, "metrics": {},
            "config": {"length": args.length, "temperature": args.temperature, "top_k": args.top_k},
            "text": args.prompt + text, "timings": {"total": time.perf_counter() - start}}
