"""Bundled real datasets (``from lstmkit import datasets``)."""

from lstmkit.data.datasets import load_airpassengers, load_ucr, ucr_names

__all__ = ["load_airpassengers", "load_ucr", "ucr_names"]
