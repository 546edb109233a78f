"""Seq2Seq on addition and date normalisation: accuracy on fresh held-out samples, speed, ablations.

    python benchmarks/seq2seq.py                    # writes the 'seq2seq' section of BENCHMARKS.md
    python benchmarks/seq2seq.py --no-write --only addition

Addition ("123+456" -> "579") trains the addition demo's Seq2Seq (lstmkit.demos.addition)
on sums drawn once, and is scored on distinct sums excluded from every training draw.
Dates ("3rd of March 1998", "03/03/98", ... -> "1998-03-03") are scored on dates whose
source strings never occur in training. The ablation retrains addition without attention
and/or without reversing the source, everything else equal.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from _report import machine, table, write_section

from lstmkit.data.problems.dates import FORMATS, dates
from lstmkit.demos.addition import Sums, addition_model
from lstmkit.metrics import exact_match, token_accuracy
from lstmkit.tasks.seq2seq import Seq2Seq

N_TEST = 2000
BEAM = 4
ADDITION = {"n_train": 30_000, "epochs": 12}
DATES = {"n_train": 15_000, "epochs": 10}
ABLATION = [  # (label, Seq2Seq overrides of the demo's settings)
    ("Luong attention, reversed source (the demo)", {}),
    ("Luong attention, source as written", {"reverse_input": False}),
    ("no attention, reversed source", {"attention": None, "arch_options": None}),
    ("no attention, source as written", {"attention": None, "arch_options": None, "reverse_input": False}),
]


def addition_data(seed: int = 0):
    sums = Sums(n_terms=2, digits=3, rng=np.random.default_rng(seed))
    test = sums.draw_distinct(N_TEST)  # distinct, and never drawn for training
    return sums.draw(ADDITION["n_train"]), test


def dates_data(seed: int = 0):
    train = dates(DATES["n_train"], rng=seed)
    seen = set(train[0])
    test = [(s, t) for s, t in zip(*dates(N_TEST + 200, rng=seed + 1)) if s not in seen][:N_TEST]
    return train, tuple(map(list, zip(*test)))


def evaluate(model: Seq2Seq, train, test, beam: bool = True) -> dict:
    """Fit on ``train``; exact match and token accuracy on ``test``, greedy (and beam), and speed."""
    start = time.perf_counter()
    model.fit(*train)
    seconds = time.perf_counter() - start
    start = time.perf_counter()
    greedy = model.predict(test[0])
    predict_seconds = time.perf_counter() - start
    n_fit = len(train[0]) - round(model.val_size * len(train[0]))  # pairs trained on per epoch
    per_pair = np.mean([len(s) + len(t) + 2 for s, t in zip(*train)])  # + end and start tokens
    result = {"exact": exact_match(test[1], greedy), "tokens": token_accuracy(test[1], greedy),
              "epochs": len(model.history_), "train_s": seconds,
              "tokens_per_s": n_fit * per_pair * len(model.history_) / seconds,
              "predict_per_s": len(test[0]) / predict_seconds}
    if beam:
        result["beam_exact"] = exact_match(test[1], model.predict(test[0], beam_width=BEAM))
    return result


def percent(x: float) -> str:
    return f"{100 * x:.2f}%"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=("addition", "dates", "ablation"), nargs="*",
                        help="parts to run (default: all)")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    parts = args.only or ["addition", "dates", "ablation"]
    started = time.perf_counter()
    main_rows, ablation_rows, demo = [], [], None
    if "addition" in parts or "ablation" in parts:
        train, test = addition_data()
        demo = evaluate(addition_model(epochs=ADDITION["epochs"], patience=3, seed=0, max_output_length=4),
                        train, test)
        print("addition", demo, flush=True)
    if "addition" in parts:
        main_rows.append(["addition, 2 terms x 3 digits", "char, Luong (dot) attention, reversed source "
                          "and answer, hidden 64", f"{ADDITION['n_train']:,}", percent(demo["exact"]),
                          percent(demo["beam_exact"]), percent(demo["tokens"]), demo["epochs"],
                          f"{demo['train_s']:.0f}", f"{demo['tokens_per_s']:,.0f}",
                          f"{demo['predict_per_s']:,.0f}", ">= 99.5%"])
    if "dates" in parts:
        train, test = dates_data()
        model = Seq2Seq(hidden_size=64, embedding_dim=32, attention="luong", bidirectional=True,
                        batch_size=256, lr=5e-3, epochs=DATES["epochs"], patience=2, random_state=0,
                        device="cpu")
        result = evaluate(model, train, test)
        print("dates", result, flush=True)
        main_rows.append([f"dates, {len(FORMATS)} formats -> ISO 8601", "char, bidirectional encoder, "
                          "Luong (general) attention, hidden 64", f"{DATES['n_train']:,}",
                          percent(result["exact"]),
                          percent(result["beam_exact"]), percent(result["tokens"]), result["epochs"],
                          f"{result['train_s']:.0f}", f"{result['tokens_per_s']:,.0f}",
                          f"{result['predict_per_s']:,.0f}", ">= 99.5%"])
    if "ablation" in parts:
        train, test = addition_data()
        for label, overrides in ABLATION:
            result = demo if not overrides else evaluate(
                addition_model(epochs=ADDITION["epochs"], patience=3, seed=0, max_output_length=4,
                               **overrides), train, test, beam=False)
            print(label, result, flush=True)
            ablation_rows.append([label, percent(result["exact"]), percent(result["tokens"]),
                                  result["epochs"], f"{result['train_s']:.0f}"])
    body = (f"## Seq2Seq: addition and dates (`python benchmarks/seq2seq.py`)\n\n"
            f"Machine: {machine()}. Seed 0. Scores on {N_TEST:,} fresh held-out samples (addition: "
            f"distinct sums never drawn for training; dates: source strings never seen in training). "
            f"Greedy decoding unless marked beam (width {BEAM}). Training tokens/s counts source and "
            f"target tokens (with start/end) over the epochs run; predictions/s is greedy, batched.\n")
    if main_rows:
        body += "\n" + table(["task", "model", "training pairs", "exact match", f"exact (beam {BEAM})",
                              "token accuracy", "epochs", "train s", "training tokens/s",
                              "predictions/s", "bar"], main_rows) + "\n"
    if ablation_rows:
        body += ("\nAblation on addition (same data, settings and epoch budget; answers written "
                 "lowest digit first throughout):\n\n"
                 + table(["decoder, source order", "exact match", "token accuracy", "epochs", "train s"],
                         ablation_rows) + "\n")
    body += f"\nWhole script: {time.perf_counter() - started:.0f} s.\n"
    print(body)
    if not args.no_write:
        print(f"wrote {write_section('seq2seq', body)}")


if __name__ == "__main__":
    main()
