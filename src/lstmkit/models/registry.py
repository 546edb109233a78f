"""Architecture name -> network, so ``arch="stacked"`` works everywhere.

Each entry names a module in ``lstmkit.models`` holding a config dataclass and a network
class that takes only that config; modules are imported when first built.
"""

from __future__ import annotations

import dataclasses
import importlib

from torch import nn

from lstmkit.errors import InputError, check_choice

# name -> (module, config class, network class)
ARCHITECTURES: dict[str, tuple[str, str, str]] = {
    "vanilla": ("vanilla", "VanillaConfig", "VanillaLSTM"),
    "stacked": ("stacked", "StackedConfig", "StackedLSTM"),
    "bidirectional": ("bidirectional", "BidirectionalConfig", "BidirectionalLSTM"),
    "cnn-lstm": ("cnn_lstm", "CNNLSTMConfig", "CNNLSTM"),
    "encoder-decoder": ("encoder_decoder", "EncoderDecoderConfig", "EncoderDecoder"),
    "generative": ("generative", "GenerativeConfig", "GenerativeLSTM"),
    "lstm-fcn": ("lstm_fcn", "LSTMFCNConfig", "LSTMFCN"),  # conv branch beside an LSTM (classifiers)
    "mlp": ("mlp", "MLPConfig", "MLP"),  # a windowed MLP, as a baseline (needs n_steps)
    "seq2seq": ("seq2seq_regressor", "Seq2SeqRegressorConfig", "Seq2SeqRegressor"),  # real-valued
    "rnn": ("rnn", "RNNConfig", "PlainRNN"),  # a plain (Elman) RNN, as a baseline
    "language": ("language", "LanguageConfig", "LanguageLSTM"),  # next-token logits (generator)
}


def classes(arch: str) -> tuple[type, type[nn.Module]]:
    """(config dataclass, network class) of ``arch``."""
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
    return net_cls(config_cls(**config))


def check_arch(arch: str, allowed: tuple[str, ...], task: str) -> str:
    """Raise unless ``arch`` is one of the architectures that can serve ``task``."""
    if arch in ARCHITECTURES and arch not in allowed:
        raise InputError(
            f"arch {arch!r} cannot serve {task}; use one of {', '.join(repr(a) for a in allowed)}"
        )
    return check_choice("arch", arch, allowed)
