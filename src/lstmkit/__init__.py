"""lstmkit: LSTM networks that work on sequence problems, fast and honestly measured."""

from lstmkit import baselines, datasets, metrics
from lstmkit.errors import InputError, NotFittedError, TrainingError
from lstmkit.persistence import load
from lstmkit.tasks.anomaly import AnomalyDetector, RollingZScore
from lstmkit.tasks.classifier import SequenceClassifier
from lstmkit.tasks.ensemble import EnsembleForecaster
from lstmkit.tasks.forecaster import Forecaster
from lstmkit.tasks.generator import SequenceGenerator
from lstmkit.tasks.global_forecaster import GlobalForecaster
from lstmkit.tasks.seq2seq import Seq2Seq
from lstmkit.tasks.text import TextClassifier

__version__ = "0.1.0"

__all__ = [
    "AnomalyDetector",
    "EnsembleForecaster",
    "Forecaster",
    "GlobalForecaster",
    "InputError",
    "NotFittedError",
    "RollingZScore",
    "Seq2Seq",
    "SequenceClassifier",
    "SequenceGenerator",
    "TextClassifier",
    "TrainingError",
    "baselines",
    "datasets",
    "load",
    "metrics",
    "__version__",
]
