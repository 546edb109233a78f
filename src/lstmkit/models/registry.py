"""Architecture name -> network, so ``arch="stacked"`` works everywhere.

Each entry names a module in ``lstmkit.models`` holding a config dataclass and a network
class that takes only that config; modules are imported when first built.
"""

from __future__ import annotations

import dataclasses
import importlib
import numbers

import numpy as np
from torch import nn

from lstmkit.errors import InputError, InputTypeError, check_choice, check_positive_int

SET_BY_ESTIMATORS = ("n_features", "n_outputs", "hidden_size", "n_steps", "vocab_size")

# name -> (module, config class, network class)
ARCHITECTURES: dict[str, tuple[str, str, str]] = {
    "vanilla": ("vanilla", "VanillaConfig", "VanillaLSTM"),
    "stacked": ("stacked", "StackedConfig", "StackedLSTM"),
    "bidirectional": ("bidirectional", "BidirectionalConfig", "BidirectionalLSTM"),
    "cnn-lstm": ("cnn_lstm", "CNNLSTMConfig", "CNNLSTM"),
    "covariate-lstm": ("covariate_lstm", "CovariateLSTMConfig", "CovariateLSTM"),  # with exogenous inputs
    "covariate-seq2seq": ("covariate_seq2seq", "CovariateSeq2SeqConfig", "CovariateSeq2Seq"),  # (decoder)
    "encoder-decoder": ("encoder_decoder", "EncoderDecoderConfig", "EncoderDecoder"),
    "generative": ("generative", "GenerativeConfig", "GenerativeLSTM"),
    "lstm-fcn": ("lstm_fcn", "LSTMFCNConfig", "LSTMFCN"),  # conv branch beside an LSTM (classifiers)
    "mlp": ("mlp", "MLPConfig", "MLP"),  # a windowed MLP, as a baseline (needs n_steps)
    # real-valued encoder-decoder: the forecasters' strategy="seq2seq" (not the Seq2Seq estimator)
    "seq2seq-regressor": ("seq2seq_regressor", "Seq2SeqRegressorConfig", "Seq2SeqRegressor"),
    "rnn": ("rnn", "RNNConfig", "PlainRNN"),  # a plain (Elman) RNN, as a baseline
    "language": ("language", "LanguageConfig", "LanguageLSTM"),  # next-token logits (generator)
}


# older names, still accepted: "seq2seq" also named the Seq2Seq estimator and a forecasting strategy
RENAMED = {"seq2seq": "seq2seq-regressor"}


def classes(arch: str) -> tuple[type, type[nn.Module]]:
    """(config dataclass, network class) of ``arch``."""
    arch = RENAMED.get(arch, arch)
    check_choice("arch", arch, sorted(ARCHITECTURES))
    module_name, config_name, net_name = ARCHITECTURES[arch]
    module = importlib.import_module(f"lstmkit.models.{module_name}")
    return getattr(module, config_name), getattr(module, net_name)


def config_fields(arch: str) -> set[str]:
    """The option names ``arch`` accepts."""
    return {f.name for f in dataclasses.fields(classes(arch)[0])}


def build(arch: str, **config) -> nn.Module:
    """Build the network ``arch`` from its config fields; unknown fields raise at once.

    Example: ``build("stacked", n_features=1, n_outputs=1, n_layers=3)``.
    """
    config_cls, net_cls = classes(arch)
    fields = config_fields(arch)
    unknown = sorted(set(config) - fields)
    if unknown:
        raise InputError(
            f"arch {arch!r} has no option {unknown[0]!r}; its options are {', '.join(sorted(fields))}"
        )
    config = {f.name: _check_option(arch, f, config[f.name])
              for f in dataclasses.fields(config_cls) if f.name in config}
    try:
        return net_cls(config_cls(**config))
    except InputError:
        raise
    except (TypeError, ValueError) as error:  # a value the checks above let through
        first = str(error).splitlines()[0]
        raise InputError(f"arch {arch!r} cannot be built with {config}: {first}") from None


def arch_options(options) -> dict:
    """An estimator's ``arch_options`` as a dict, checked: None or a dict of the network's own options."""
    if options is None:
        return {}
    if not isinstance(options, dict):
        raise InputTypeError(f"arch_options must be a dict of network options or None; received {options!r}")
    taken = [k for k in options if k in SET_BY_ESTIMATORS]
    if taken:
        raise InputError(f"arch_options cannot set {taken[0]!r}: the estimator sets it (pass "
                         f"{taken[0]}=... to the estimator where it has one); received {options!r}")
    return dict(options)


ZERO_ALLOWED = {("mlp", "n_layers"), ("covariate-lstm", "n_future"), ("covariate-lstm", "n_static"),
                ("covariate-seq2seq", "n_future"), ("covariate-seq2seq", "n_static")}
# (an MLP with no hidden layer: a linear autoregression; a covariate network without one kind)


def _check_option(arch: str, field: dataclasses.Field, value):
    """One config value checked against its annotated type (counts >= 1, dropouts in [0, 1),
    flags bool) and returned as that type (numpy numbers become Python ones)."""
    name, kind = field.name, field.type
    if value is None and "None" in kind:
        return None
    if kind.startswith("int"):
        zero = field.name.endswith("_token") or (arch, field.name) in ZERO_ALLOWED
        return check_positive_int(name, value, minimum=0 if zero else 1)
    if kind == "bool":
        if not isinstance(value, (bool, np.bool_)) and not (type(value) is int and value in (0, 1)):
            raise InputTypeError(f"{name} must be True or False; received {value!r}")
        return bool(value)
    if kind == "float":  # dropout (a rate below 1) or teacher forcing (a probability)
        below_one = "dropout" in field.name
        number = not isinstance(value, (bool, np.bool_)) and isinstance(value, numbers.Real)
        if not number or not (0 <= value < 1 if below_one else 0 <= value <= 1):
            allowed = "[0, 1)" if below_one else "[0, 1]"
            raise InputError(f"{name} must be a number in {allowed}; received {value!r}")
        return float(value)
    if kind.startswith("tuple[int, ...]"):
        if isinstance(value, (str, bytes)) or not hasattr(value, "__len__") or len(value) == 0:
            raise InputError(f"{name} must be a non-empty tuple of integers >= 1; received {value!r}")
        return tuple(check_positive_int(name, v) for v in value)
    return value


def check_arch(arch: str, allowed: tuple[str, ...], task: str) -> str:
    """Raise unless ``arch`` is one of the architectures that can serve ``task``."""
    if arch in ARCHITECTURES and arch not in allowed:
        raise InputError(
            f"arch {arch!r} cannot serve {task}; use one of {', '.join(repr(a) for a in allowed)}"
        )
    return check_choice("arch", arch, allowed)
