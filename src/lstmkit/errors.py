"""Exceptions raised for bad input.

Every message is one line that names the argument, what was received and what is
allowed. They subclass ValueError / TypeError, so ordinary ``except ValueError``
code keeps working; the CLI turns them into one line on stderr and exit status 2.
"""


class InputError(ValueError):
    """An argument has a bad value."""


class InputTypeError(InputError, TypeError):
    """An argument has a bad type."""


def __getattr__(name: str):
    """``NotFittedError``, defined on first use: it subclasses scikit-learn's, and importing
    scikit-learn costs most of a second that ``lstmkit --help`` should not pay."""
    if name != "NotFittedError":
        raise AttributeError(f"module 'lstmkit.errors' has no attribute {name!r}")
    if name in globals():  # (called directly by check_fitted)
        return globals()[name]
    from sklearn.exceptions import NotFittedError as SklearnNotFitted

    class NotFittedError(InputError, SklearnNotFitted):
        """A method that needs a fitted estimator was called before ``fit`` (scikit-learn's
        ``NotFittedError`` too, so ``check_is_fitted`` users and ``except AttributeError`` agree)."""

    NotFittedError.__module__, NotFittedError.__qualname__ = __name__, name
    globals()[name] = NotFittedError
    return NotFittedError


class TrainingError(RuntimeError):
    """Training could not go on (for example the loss became NaN or inf)."""


def check_fitted(estimator, attribute: str, call: str = "fit") -> None:
    """Raise ``NotFittedError`` unless ``estimator`` has the fitted ``attribute`` (one message for
    every estimator: "this X is not fitted yet; call fit(...) first")."""
    if not hasattr(estimator, attribute):
        raise __getattr__("NotFittedError")(f"this {type(estimator).__name__} is not fitted yet; "
                                            f"call {call} first")


# Upper bounds on the sizes a tiny input could blow up into hours or gigabytes (a network's width,
# depth and members, tokens to sample, beams, epochs; a saved model's JSON files: a config.json holds
# settings only, a preprocessing.json about 25 bytes per stored training value, so 64 MB is some
# 2.5 million values). Raise one on purpose:
# ``lstmkit.errors.LIMITS["hidden_size"] = 16384``.
LIMITS = {"hidden_size": 8192, "n_layers": 64, "n_models": 1000, "n_tokens": 10_000_000,
          "beam_width": 1000, "epochs": 1_000_000, "embedding_dim": 8192, "conv_channels": 8192,
          "batch_size": 1 << 20, "lookback": 1_000_000, "csv_columns": 100_000, "csv_bytes": 1 << 30,
          "csv_line_bytes": 1 << 25, "text_chars": 1_000_000,
          "sample_seconds": 120, "source_length": 100_000,  # (seconds a sample may take; Seq2Seq tokens)
          "memory_share": 0.8, "config_json_bytes": 1 << 20, "preprocessing_json_bytes": 64 << 20}


def check_positive_int(name: str, value, minimum: int = 1) -> int:
    """Return ``value`` as an int, or raise naming ``name`` if it is not an int >= minimum
    (or above its ``LIMITS`` entry)."""
    if isinstance(value, bool) or not isinstance(value, (int,)) and not _is_integral(value):
        raise InputTypeError(f"{name} must be an integer >= {minimum}; received {value!r}")
    if int(value) < minimum:
        raise InputError(f"{name} must be an integer >= {minimum}; received {value!r}")
    limit = LIMITS.get(name)
    if limit is not None and int(value) > limit:
        raise InputError(f"{name} must be at most {limit} (a limit against exhausting the machine: raise "
                         f"lstmkit.errors.LIMITS[{name!r}] on purpose); received {value!r}")
    return int(value)


def check_number(name: str, value, minimum: float = 0.0, strict: bool = True) -> float:
    """Return ``value`` as a float, or raise naming ``name`` unless it is a finite real number
    above ``minimum`` (at least ``minimum`` when ``strict`` is False)."""
    import math
    import numbers

    bound = f"> {minimum:g}" if strict else f">= {minimum:g}"
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise InputTypeError(f"{name} must be a number {bound}; received {value!r}")
    if not math.isfinite(value) or (value <= minimum if strict else value < minimum):
        raise InputError(f"{name} must be a finite number {bound}; received {value!r}")
    return float(value)


def check_choice(name: str, value, allowed) -> str:
    """Raise naming ``name`` unless ``value`` is one of ``allowed``."""
    if value not in allowed:
        listed = ", ".join(repr(a) for a in allowed)
        raise InputError(f"{name} must be one of {listed}; received {value!r}")
    return value


def _is_integral(value) -> bool:
    try:
        import numpy as np

        return isinstance(value, np.integer)
    except ImportError:  # pragma: no cover
        return False
