"""The UCR/UEA classification archive sets shipped inside the ``aeon`` wheel (nothing is downloaded)."""

from __future__ import annotations

import numpy as np


def ucr_names() -> list[str]:
    """The UCR/UEA classification sets that the installed ``aeon`` wheel ships."""
    from pathlib import Path

    import aeon.datasets

    root = Path(aeon.datasets.__file__).parent / "data"
    return sorted(p.name for p in root.iterdir()
                  if (p / f"{p.name}_TRAIN.ts").exists() and (p / f"{p.name}_TEST.ts").exists()
                  and _has_class_labels(p / f"{p.name}_TRAIN.ts"))


def _has_class_labels(path) -> bool:
    """Whether a .ts file's header says ``@classLabel true`` (regression sets say ``@targetLabel``)."""
    with open(path, encoding="utf-8", errors="replace") as lines:
        for line in lines:
            words = line.strip().lower().split()
            if words[:1] == ["@data"]:
                return False
            if words[:2] == ["@classlabel", "true"]:
                return True
    return False


def load_ucr(name: str, split: str = "train"):
    """A UCR/UEA classification set shipped inside ``aeon`` (no download): ``(X, y)``.

    X is a list of (time, channels) float arrays when lengths vary (e.g. JapaneseVowels),
    else one (n, time, channels) array; y holds the labels as strings. ``split`` is
    "train" or "test" (the official split).
    """
    from lstmkit.errors import InputError, check_choice

    check_choice("split", split, ("train", "test"))
    names = ucr_names()
    if name not in names:
        raise InputError(f"unknown UCR/UEA dataset {name!r}; the installed aeon ships {', '.join(names)}")
    from aeon.datasets import load_classification

    X, y = load_classification(name, split=split, extract_path=None)
    if isinstance(X, np.ndarray):
        return X.transpose(0, 2, 1).astype(np.float32), np.asarray(y)  # (n, time, channels)
    return [np.asarray(s, dtype=np.float32).T for s in X], np.asarray(y)
