"""Export a fitted Forecaster, GlobalForecaster or SequenceClassifier to one ONNX file,
preprocessing included.

The graph takes raw inputs and gives what the estimator's own method gives, so a service
can run it in onnxruntime without lstmkit, numpy scaling code or torch:

- SequenceClassifier: ``sequences`` (batch, time, channels) float32 -> ``proba``
  (batch, n_classes) float32, equal to ``predict_proba`` (channel standardisation, every
  fold's network, mean of their softmax probabilities). Batch and time are dynamic axes.
- Forecaster: ``window`` (batch, lookback + lag) float64, the last raw values of each
  series, oldest first -> ``forecast`` (batch, 1) float64, the next raw value: one step of
  ``predict`` (log, differencing, scaling, mean of the networks, decoding, exp). Feed each
  forecast back into the window for more steps. Batch is a dynamic axis.
- GlobalForecaster (and a Forecaster of many series, of one series with covariates, or of
  several targets), strategies "direct" and "seq2seq": raw windows, their seasonal indices
  and covariates -> ``forecast`` (batch, horizon); see ``onnx_global.py``.

The file's metadata (``metadata_props``) records the estimator, class labels (in the
order of the ``proba`` columns) or lookback and lag, and the lstmkit version.
"""

from __future__ import annotations

import copy
import importlib.util
import json
import os
import warnings
from pathlib import Path

import torch
from torch import nn

from lstmkit import __version__
from lstmkit.errors import InputError, InputTypeError, NotFittedError, check_positive_int
from lstmkit.files import atomic_write
from lstmkit.onnx_global import global_graph
from lstmkit.tasks.classifier import SequenceClassifier
from lstmkit.tasks.forecaster import Forecaster
from lstmkit.tasks.global_forecaster import GlobalForecaster
from lstmkit.tasks.text import TextClassifier

OPSETS = range(11, 21)  # what torch's TorchScript exporter writes (and our networks need)


def export_onnx(model, path, opset: int | None = None) -> Path:
    """Write ``model`` (a fitted Forecaster, GlobalForecaster or SequenceClassifier) to ``path``;
    returns the path.

    ONNX inputs are unpadded: the sequences of one classifier batch share one length (run
    other lengths as other batches; the length may change from call to call).
    ``opset``: ONNX opset version, 11 to 20; None takes torch's default (20). The file is
    written atomically: a failed export leaves no file behind and an existing file at
    ``path`` untouched.
    """
    if getattr(model, "ensemble_members_", None):
        raise InputError("export_onnx exports networks; this Forecaster(pretrained='ensemble') also takes "
                         "the median with a damped trend: export a Forecaster(pretrained=False)")
    graph, example, inputs, outputs, axes, meta = _graph(model)
    if not isinstance(path, (str, os.PathLike)) or os.path.isdir(path):
        raise InputTypeError(f"path must be a file path (str or Path); received {path!r}")
    if opset is not None and check_positive_int("opset", opset) not in OPSETS:
        raise InputError(f"opset must be in [{OPSETS[0]}, {OPSETS[-1]}]; received {opset}")
    if importlib.util.find_spec("onnx") is None:
        raise ImportError("export_onnx needs the onnx package; install it with pip install onnx")

    def write(tmp: str) -> None:
        with warnings.catch_warnings():
            # We chose the TorchScript exporter (fast, no onnxscript); the LSTM batch-size warning
            # is about fixed initial states, which these graphs do not have (tests run other sizes).
            warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"torch\.onnx")
            warnings.filterwarnings("ignore", message=r".*TorchScript-based ONNX export")
            warnings.filterwarnings("ignore", category=torch.jit.TracerWarning, module=r"torch\.nn")
            warnings.filterwarnings("ignore", message=r"Exporting a model to ONNX with a batch_size")
            torch.onnx.export(graph, example, tmp, dynamo=False, opset_version=opset, input_names=inputs,
                              output_names=outputs, dynamic_axes=axes)
        _add_metadata(tmp, meta)

    return atomic_write(path, write)


def _graph(model) -> tuple[nn.Module, tuple, list[str], list[str], dict, dict]:
    """(wrapper module, example inputs, input names, output names, dynamic axes, metadata)."""
    if not isinstance(model, (Forecaster, GlobalForecaster, SequenceClassifier)) or isinstance(
            model, TextClassifier):
        raise InputTypeError(f"model must be a Forecaster, GlobalForecaster or SequenceClassifier; received "
                             f"{type(model).__name__}")
    if not hasattr(model, "modules_"):
        raise NotFittedError(f"model must be fitted before export; this {type(model).__name__} is "
                             f"not fitted (call fit first)")
    nets = [copy.deepcopy(m).cpu().eval() for m in model.modules_]  # the model itself stays as it is
    meta = {"estimator": type(model).__name__, "lstmkit_version": __version__}
    if isinstance(model, GlobalForecaster) or getattr(model, "global_", None) is not None:
        return (*global_graph(getattr(model, "global_", None) or model, nets, meta), meta)
    if isinstance(model, Forecaster):
        s = model.scaler_
        meta.update(lookback=model.lookback_, lag=s.lag, width=model._width)
        example = torch.ones(2, model._width, dtype=torch.float64)
        axes = {"window": {0: "batch"}, "forecast": {0: "batch"}}
        return _NextValue(nets, s.log, s.lag, s.mean_, s.scale_, model.lookback_), (example,), \
            ["window"], ["forecast"], axes, meta
    meta.update(classes=json.dumps(model.classes_.tolist(), default=str), n_channels=model.n_channels_)
    example = torch.zeros(2, 8, model.n_channels_)
    axes = {"sequences": {0: "batch", 1: "time"}, "proba": {0: "batch"}}
    return _Proba(nets, model.mean_, model.scale_), (example,), ["sequences"], ["proba"], axes, meta


class _Proba(nn.Module):
    """Raw (B, T, C) sequences -> mean softmax probabilities (B, n_classes) of the networks."""

    def __init__(self, nets: list[nn.Module], mean, scale):
        super().__init__()
        self.nets = nn.ModuleList(nets)
        self.register_buffer("mean", torch.as_tensor(mean, dtype=torch.float32))
        self.register_buffer("scale", torch.as_tensor(scale, dtype=torch.float32))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = (x - self.mean) / self.scale
        return torch.stack([torch.softmax(net(x), dim=1) for net in self.nets]).mean(0)


class _NextValue(nn.Module):
    """Raw (B, lookback + lag) float64 windows -> the next raw value (B, 1): DiffScaler around the nets."""

    def __init__(self, nets: list[nn.Module], log: bool, lag: int, mean: float, scale: float, lookback: int):
        super().__init__()
        self.nets = nn.ModuleList(nets)
        self.log, self.lag, self.mean, self.scale, self.lookback = log, lag, mean, scale, lookback

    def forward(self, window: torch.Tensor) -> torch.Tensor:
        z = torch.log(window) if self.log else window
        if self.lag == 0:
            d, base = (z - self.mean) / self.scale, self.mean
        else:
            d, base = (z[:, self.lag :] - z[:, : -self.lag]) / self.scale, z[:, -self.lag :][:, :1]
        x = d[:, -self.lookback :].float().unsqueeze(-1)  # (B, lookback, 1), float32 as in predict
        out = torch.stack([net(x) for net in self.nets]).mean(0).double()  # (B, 1)
        nxt = base + out * self.scale
        return torch.exp(nxt) if self.log else nxt


def _add_metadata(path: str, meta: dict) -> None:
    import onnx

    proto = onnx.load(path)
    for key, value in meta.items():
        proto.metadata_props.add(key=key, value=str(value))
    onnx.save(proto, path)
