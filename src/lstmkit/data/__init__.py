"""Data: framing, scaling, encoding, bundled datasets and synthetic problems."""
