"""lstmkit: LSTM networks that work on sequence problems, fast and honestly measured.

The names below are imported when first used (PEP 562), so that ``import lstmkit`` and
``lstmkit --help`` do not pay for torch, scikit-learn and pandas until a model is needed.
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

# public name -> module that defines it
_EXPORTS = {
    "AnomalyDetector": "lstmkit.tasks.anomaly",
    "EnsembleForecaster": "lstmkit.tasks.ensemble",
    "Forecaster": "lstmkit.tasks.forecaster",
    "GlobalForecaster": "lstmkit.tasks.global_forecaster",
    "InputError": "lstmkit.errors",
    "NotFittedError": "lstmkit.errors",
    "RollingZScore": "lstmkit.tasks.anomaly",
    "Seq2Seq": "lstmkit.tasks.seq2seq",
    "SequenceClassifier": "lstmkit.tasks.classifier",
    "SequenceGenerator": "lstmkit.tasks.generator",
    "TextClassifier": "lstmkit.tasks.text",
    "TrainingError": "lstmkit.errors",
    "load": "lstmkit.persistence",
}
_MODULES = ("baselines", "datasets", "metrics")

__all__ = sorted([*_EXPORTS, *_MODULES, "__version__"])


def __getattr__(name: str):
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
    elif name in _MODULES:
        value = importlib.import_module(f"lstmkit.{name}")
    else:
        raise AttributeError(f"module 'lstmkit' has no attribute {name!r}")
    globals()[name] = value  # (looked up once)
    return value


def import_all() -> None:
    """Import every module behind the names above (and so register every estimator that
    ``lstmkit.load`` can build)."""
    for name in (*_EXPORTS, *_MODULES):
        __getattr__(name)


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS, *_MODULES])
