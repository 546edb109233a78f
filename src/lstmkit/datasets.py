"""Bundled real datasets (``from lstmkit import datasets``)."""

from lstmkit.data.anomaly import ANOMALY_SETS, load_anomaly
from lstmkit.data.datasets import load_airpassengers, load_ucr, ucr_names

__all__ = ["ANOMALY_SETS", "load_airpassengers", "load_anomaly", "load_ucr", "ucr_names"]
