"""Bundled real datasets (``from lstmkit import datasets``)."""

from lstmkit.data.datasets import load_airpassengers

__all__ = ["load_airpassengers"]
