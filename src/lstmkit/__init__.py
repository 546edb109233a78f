"""lstmkit: LSTM networks that work on sequence problems, fast and honestly measured."""

from lstmkit import baselines, datasets, metrics
from lstmkit.errors import InputError, NotFittedError, TrainingError
from lstmkit.tasks.classifier import SequenceClassifier
from lstmkit.tasks.forecaster import Forecaster

__version__ = "0.1.0"

__all__ = [
    "Forecaster",
    "InputError",
    "NotFittedError",
    "SequenceClassifier",
    "TrainingError",
    "baselines",
    "datasets",
    "metrics",
    "__version__",
]
