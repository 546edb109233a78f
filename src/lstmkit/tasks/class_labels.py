"""A classifier's targets: labels ``y``, ``sample_weight`` and ``class_weight``, checked with
scikit-learn's conventions and lstmkit's one-line errors, and the weighted loss they make.

``y`` may be any hashable labels, also as a column (n, 1) (raveled, with scikit-learn's
``DataConversionWarning``); continuous values are refused (``type_of_target``).
``class_weight``: None, "balanced" (n / (n_classes * count), as scikit-learn) or a dict
{label: weight} (labels it leaves out weigh 1). ``sample_weight`` multiplies each sequence's
loss; the loss is the weighted mean, so weights that are all equal change nothing.
"""

from __future__ import annotations

import math
import numbers
import warnings
from dataclasses import dataclass

import numpy as np
import torch

from lstmkit.errors import InputError, InputTypeError

__all__ = ["ClassWeight", "check_labels", "check_sample_weight", "check_weighted_classes",
           "class_weight_from_json", "class_weight_to_json", "class_weights", "weighted_cross_entropy"]


@dataclass(frozen=True)
class ClassWeight:
    """None, "balanced" or a dict of label -> finite number >= 0 (a ``_parameter_constraints`` entry)."""

    def check(self, name: str, value) -> None:
        if value is None or (isinstance(value, str) and value == "balanced"):
            return
        if not isinstance(value, dict):
            raise InputError(f"{name} must be one of None, 'balanced' or a dict {{label: weight}}; "
                             f"received {value!r}")
        for label, weight in value.items():
            ok = isinstance(weight, numbers.Real) and not isinstance(weight, bool)
            if not ok or not math.isfinite(weight) or weight < 0:
                raise InputError(f"{name}[{label!r}] must be a finite number >= 0; received {weight!r}")


def check_labels(y, n: int, name: str = "y") -> np.ndarray:
    """``y`` as a 1-D array of ``n`` labels, or a one-line error (None, a wrong shape or length,
    missing labels, text mixed with numbers, continuous values, a single sequence)."""
    if y is None:
        raise InputError(f"this classifier requires y to be passed, but the target {name} is None; "
                         "pass one label per sequence")
    labels = np.asarray(y)
    given = y.tolist() if hasattr(y, "tolist") else list(y) if isinstance(y, (list, tuple)) else None
    if labels.ndim == 2 and labels.shape[1] == 1 and labels.shape[0] > 1:
        from sklearn.exceptions import DataConversionWarning

        warnings.warn("A column-vector y was passed when a 1d array was expected. Please change the shape "
                      "of y to (n_samples, ), for example using ravel().", DataConversionWarning,
                      stacklevel=3)
        labels = labels.ravel()
        given = [row[0] if isinstance(row, (list, tuple)) else row for row in given] if given else None
    if labels.ndim != 1:
        raise InputError(f"{name} must be 1-D (one label per sequence); received shape {labels.shape}")
    if len(labels) != n:
        raise InputError(f"X and {name} must have the same length; received {n} sequences and "
                         f"{len(labels)} labels")
    missing = [i for i, v in enumerate(labels.tolist()) if v is None or v != v]  # None or NaN
    if missing:
        raise InputError(f"{name} must hold a label for every sequence; {name}[{missing[0]}] is "
                         f"{labels[missing[0]]!r}")
    given = labels.tolist() if given is None else given  # (before numpy turns 1 into "1")
    text = [isinstance(v, (str, bytes)) for v in given]
    if any(text) and not all(text):
        raise InputError(f"{name} mixes text and number labels (e.g. {given[text.index(True)]!r} and "
                         f"{given[text.index(False)]!r}); give labels of one kind")
    if labels.dtype.kind == "c":
        raise InputTypeError(f"{name} holds complex numbers (Complex data not supported); pass class labels")
    if labels.dtype.kind == "f" and not np.all(labels == np.round(labels)):
        from sklearn.utils.multiclass import type_of_target

        if type_of_target(labels) == "continuous":
            value = labels[labels != np.round(labels)][0].item()
            raise InputError(f"{name} holds continuous values (e.g. {value!r}); a classifier needs class "
                             "labels: bin or round them, or use a regressor")
    if n == 1:
        raise InputError("X holds 1 sequence (one sample); a classifier needs at least 2, of 2 classes")
    return labels


def check_sample_weight(sample_weight, n: int) -> np.ndarray | None:
    """``sample_weight`` as float64 (n,), or None when it is None or all weights are equal (the
    weighted mean is then the plain mean). One-line errors otherwise."""
    if sample_weight is None:
        return None
    try:
        weights = np.asarray(sample_weight, dtype=np.float64)
    except (TypeError, ValueError):
        raise InputTypeError(f"sample_weight must hold numbers, one per sequence; received "
                             f"{type(sample_weight).__name__}") from None
    if weights.shape != (n,):
        raise InputError(f"sample_weight must be 1-D with one weight per sequence ({n}); received shape "
                         f"{weights.shape}")
    if not np.isfinite(weights).all() or (weights < 0).any():
        raise InputError("sample_weight must hold finite numbers >= 0; received "
                         f"{weights[~np.isfinite(weights) | (weights < 0)][0].item()!r}")
    if not weights.any():
        raise InputError("sample_weight are all zero; at least one weight must be positive")
    return None if np.all(weights == weights[0]) else weights


def check_weighted_classes(classes: np.ndarray, codes: np.ndarray, weights: np.ndarray | None) -> None:
    """At least 2 classes keep a positive weight."""
    if weights is None:
        return
    kept = np.unique(codes[weights > 0])
    if len(kept) < 2:
        only = classes[kept[0]].item()
        raise InputError(f"sample_weight leaves only one class with weight > 0 ({only!r}); y needs at "
                         "least 2 classes of positive weight")


def class_weights(class_weight, classes: np.ndarray, codes: np.ndarray) -> np.ndarray | None:
    """None, or one weight per class: "balanced" (n / (n_classes * count)) or from a dict."""
    if class_weight is None:
        return None
    if isinstance(class_weight, dict):
        known = set(classes.tolist())
        unknown = [k for k in class_weight if k not in known]
        if unknown:
            listed = ", ".join(repr(c) for c in classes.tolist()[:12])
            raise InputError(f"class_weight names {unknown[0]!r}, which is not a class of y ({listed})")
        weights = np.array([float(class_weight.get(c, 1.0)) for c in classes.tolist()])
        if len(np.unique(codes[weights[codes] > 0])) < 2:
            raise InputError(f"class_weight {class_weight!r} gives weight 0 to all classes but at most one; "
                             "a classifier needs two classes with weight > 0 to learn anything")
        return weights
    counts = np.bincount(codes, minlength=len(classes))
    return len(codes) / (len(counts) * np.maximum(counts, 1))


def weighted_cross_entropy(output: torch.Tensor, target: torch.Tensor, weight: torch.Tensor | None = None):
    """Cross-entropy of ``target`` (n, 2): class codes and sample weights, the weighted mean
    (class weights times sample weights), as PyTorch weighs classes."""
    codes, weights = target[:, 0].long(), target[:, 1].to(output.dtype)
    losses = torch.nn.functional.cross_entropy(output, codes, weight=weight, reduction="none")
    total = weights if weight is None else weights * weight[codes]
    return (losses * weights).sum() / total.sum().clamp_min(1e-12)


def class_weight_to_json(params: dict) -> dict:
    """Parameters as JSON values; a class_weight dict as its labels and weights (JSON keys are text)."""
    from lstmkit.persistence import jsonable

    weight = params.get("class_weight")
    if isinstance(weight, dict):
        params = params | {"class_weight": {"labels": list(weight), "weights": list(weight.values())}}
    return jsonable(params)


def class_weight_from_json(params: dict) -> dict:
    """The parameters ``class_weight_to_json`` wrote, the class_weight dict rebuilt."""
    weight = params.get("class_weight")
    if isinstance(weight, dict):
        labels, values = weight.get("labels"), weight.get("weights")
        if not (isinstance(labels, list) and isinstance(values, list) and len(labels) == len(values)
                and all(isinstance(label, (str, int, float)) for label in labels)):
            raise InputError("config.json: class_weight must hold 'labels' and 'weights' lists of one "
                             f"length; received {str(weight)[:200]}")
        params = params | {"class_weight": dict(zip(labels, values))}
    return params
