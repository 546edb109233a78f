"""Runnable demonstrations; each returns a result dict ``{task, metrics, timings, ...}``."""
