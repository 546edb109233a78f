"""Scikit-learn-style estimators: they own framing, scaling, loss and decoding."""
