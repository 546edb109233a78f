"""Serve a saved model over HTTP as JSON: ``create_app(model_dir)`` builds the FastAPI app that
``lstmkit serve MODEL_DIR`` runs with uvicorn (see docs/serving.md).

    GET  /health    {"status": "ok", "estimator": "Forecaster", "kind": "forecaster", "fields": [...]}
    POST /predict   forecaster:      {"h": 12}, {"h": 12, "y": [...], "ds": [...]}, {"h": 6, "level": [80]}
                                     -> {"ds": [...], "forecast": [...], "lo-80": [...], "hi-80": [...]}
                    classifier:      {"X": [[...], ...]}  (sequences: numbers, or [time][channel])
                    text classifier: {"texts": ["...", ...]}
                                     -> {"predictions": [...], "classes": [...], "probabilities": [[...]]}
                    anomaly detector: {"y": [...], "threshold": 3.0} -> {"scores": [...], "flags": [...]}

The model is loaded once, when the app is built (a bad model folder fails then, not on the first
request). Requests are validated before the model sees them; a bad one gets status 400 (not a
JSON object) or 422 (a field's value) and one line, ``{"error": "..."}``, naming the field, what
was received and what is allowed (lstmkit's own ``InputError`` messages). Predictions run one at
a time, in batches on the event loop's thread (``Coalescer``: the requests that arrive during one
batch form the next; identical bodies in a batch are answered once): a small model answers in a
fraction of a millisecond, and one torch thread per process avoids oversubscribing the cores
(``lstmkit serve --threads``; benchmarks/serving.py measures it).

``Predictor`` (the validation and the answer, no web framework) is what ``lstmkit.mlflow``'s
pyfunc model uses too. FastAPI is imported only inside ``create_app`` (and this module has no
``from __future__ import annotations``: FastAPI reads the route functions' annotations).
"""

import json
import math
import threading
from pathlib import Path

from lstmkit.errors import InputError, InputTypeError

MAX_BODY_BYTES = 32 << 20  # a request body larger than this is refused (413) before it is parsed

KINDS = {"Forecaster": "forecaster", "GlobalForecaster": "forecaster", "EnsembleForecaster": "forecaster",
         "SequenceClassifier": "classifier", "TextClassifier": "text", "AnomalyDetector": "anomaly"}
# kind -> {field: what it holds}; the first field is required.
FIELDS = {
    "forecaster": {"h": "steps to forecast (an integer >= 1)",
                   "y": "a series to forecast after instead of the training series (a list of numbers)",
                   "ds": "the dates (or integer times) of y's values, as many as y",
                   "level": "prediction-interval levels in percent (a list, e.g. [80, 95])"},
    "classifier": {"X": "sequences: a list of lists of numbers, or of [time][channel] lists"},
    "text": {"texts": "a list of strings"},
    "anomaly": {"y": "the series to score (a list of numbers)",
                "threshold": "the score above which a value is flagged (a number)"},
}


def kind_of(model) -> str:
    """The serving kind of a loaded estimator, or a one-line error for estimators not served."""
    name = type(model).__name__
    if name not in KINDS:
        raise InputError(f"model is a {name}; lstmkit serve serves {', '.join(KINDS)}")
    return KINDS[name]


class Predictor:
    """A loaded model and how to answer one request for it: ``answer(payload)`` takes the
    decoded JSON body and returns a JSON-safe dict, or raises ``InputError`` (one line)."""

    def __init__(self, model, name: str = "model"):
        self.model = model
        self.name = name
        self.kind = kind_of(model)
        self.fields = FIELDS[self.kind]
        self.lock = threading.Lock()  # torch's thread count and a model's buffers are process-wide

    @classmethod
    def load(cls, model_dir) -> "Predictor":
        from lstmkit.persistence import load

        return cls(load(model_dir), Path(model_dir).name)

    def describe(self) -> dict:
        return {"status": "ok", "model": self.name, "estimator": type(self.model).__name__,
                "kind": self.kind, "fields": list(self.fields)}

    def answer(self, payload) -> dict:
        payload = self.check(payload)
        with self.lock:
            if self.kind == "forecaster":
                return _columns(self._forecast(**payload))
            return getattr(self, f"_{self.kind}")(**payload)

    def forecast(self, payload):
        """A forecaster's answer as the model gives it (a Series or DataFrame indexed by dates)."""
        payload = self.check(payload)
        with self.lock:
            return self._forecast(**payload)

    def check(self, payload) -> dict:
        """``payload`` as keyword arguments, or a one-line error for its shape (the values are
        checked by the model)."""
        allowed = ", ".join(self.fields)
        if not isinstance(payload, dict):
            raise InputTypeError(f"the request body must be a JSON object with fields {allowed}; received "
                                 f"{_json_type(payload)}")
        unknown = [k for k in payload if k not in self.fields]
        if unknown:
            raise InputError(f"unknown field {unknown[0]!r} for a {type(self.model).__name__}; allowed: "
                             f"{allowed}")
        required = next(iter(self.fields))
        if payload.get(required) is None:
            raise InputError(f"field {required!r} is required: {self.fields[required]}; received "
                             f"{'null' if required in payload else 'no ' + repr(required)}")
        for name in ("y", "ds", "level", "X", "texts"):
            if name in payload and payload[name] is not None and not isinstance(payload[name], list):
                raise InputTypeError(f"field {name!r} must be a JSON list: {self.fields[name]}; received "
                                     f"{_json_type(payload[name])}")
        return payload

    # one method per kind, called with the checked fields
    def _forecast(self, h, y=None, ds=None, level=None):
        if ds is not None and y is None:
            raise InputError("field 'ds' needs 'y': the dates of the series to forecast after")
        series = y if ds is None else _series(y, ds)  # (the model checks a list of numbers itself)
        kwargs = {"level": level} if level is not None else {}
        if series is not None:
            kwargs["y"] = series
        return self.model.predict(h, **kwargs)

    def _classifier(self, X) -> dict:
        import numpy as np

        for i, sequence in enumerate(X):
            if not isinstance(sequence, list):
                raise InputTypeError(f"X[{i}] must be a list (a sequence of numbers or of [channel] "
                                     f"lists); received {_json_type(sequence)}")
        sequences = []
        for i, sequence in enumerate(X):
            try:
                sequences.append(np.asarray(sequence, dtype=np.float32))
            except (TypeError, ValueError):
                raise InputTypeError(f"X[{i}] must hold numbers only (a list of numbers, or of equally "
                                     f"long [channel] lists); received {_short(sequence)}") from None
        return self._classes(sequences)

    def _text(self, texts) -> dict:
        from lstmkit.data.tokens import as_texts

        return self._classes(as_texts(texts, "texts"))  # (errors name the field: texts[3], not X[3])

    def _classes(self, X) -> dict:
        proba = self.model.predict_proba(X)
        classes = self.model.classes_
        return {"predictions": _plain(classes[proba.argmax(axis=1)].tolist()),
                "classes": _plain(classes.tolist()), "probabilities": _plain(proba.tolist())}

    def _anomaly(self, y, threshold=None) -> dict:
        from lstmkit.tasks.anomaly import _flags

        scores = self.model.score_samples(_series(y, None))
        return {"scores": _plain(scores.tolist()), "flags": _plain(_flags(scores, threshold).tolist())}


def _series(y: list, ds):
    import pandas as pd

    from lstmkit.data.series import as_series

    if ds is None:
        return as_series(y, "y")
    if len(ds) != len(y):
        raise InputError(f"field 'ds' must hold as many dates as 'y' has values ({len(y)}); received "
                         f"{len(ds)}")
    if all(isinstance(d, int) and not isinstance(d, bool) for d in ds):
        index = pd.Index(ds)
    elif all(isinstance(d, str) for d in ds):  # (read as CSV dates are: ambiguous day/month refused)
        from lstmkit.data.dates import parse_dates

        index = parse_dates(pd.Series(ds, name="ds", dtype=object), "field")
    else:
        raise InputError(f"field 'ds' must hold dates (e.g. '1961-01-01') or integers; received "
                         f"{_short(ds)}")
    return as_series(pd.Series(y, index=index, dtype=object), "y")


def _columns(result) -> dict:
    """A forecast (Series, or DataFrame of forecast and bounds, long or indexed by dates) as
    JSON columns: {"ds": [...], "forecast": [...], ...} (without pandas' frame operations, which
    cost twice what a small model's forecast does)."""
    import pandas as pd

    if isinstance(result, list):  # a list of series in, one answer per series out (arrays: steps only)
        return {"series": [_columns(part) if isinstance(part, (pd.Series, pd.DataFrame)) else
                           {"forecast": _plain([float(v) for v in part])} for part in result]}
    if isinstance(result, pd.Series):
        return {"ds": _values(result.index), str(result.name or "forecast"): _values(result)}
    out = {} if isinstance(result.index, pd.RangeIndex) and "ds" in result.columns else {
        "ds": _values(result.index)}
    for column in result.columns:
        out[str(column)] = _values(result[column])
    return out


def _values(values) -> list:
    """A Series' or Index's values as JSON values: dates as ISO strings, NaN as null."""
    if values.dtype.kind == "M":
        return [None if v is None or v != v else v.isoformat() for v in values]
    return _plain(values.tolist())


def _plain(values):
    """Lists of numpy/pandas values as JSON values (NaN and inf become null)."""
    if isinstance(values, list):
        return [_plain(v) for v in values]
    if isinstance(values, float):
        return values if math.isfinite(values) else None
    if hasattr(values, "item"):
        return _plain(values.item())
    if hasattr(values, "isoformat"):
        return values.isoformat()
    return values


def _json_type(value) -> str:
    names = {dict: "an object", list: "a list", str: "a string", bool: "a boolean", type(None): "null"}
    for kind, text in names.items():
        if isinstance(value, kind):
            return text
    return f"a number ({value!r})" if isinstance(value, (int, float)) else type(value).__name__


def _short(value) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= 60 else text[:57] + "..."


def respond(predictor: Predictor, body: bytes) -> tuple[int, bytes]:
    """The HTTP status and JSON body answering the request body ``body``; never raises."""
    fields = ", ".join(predictor.fields)
    try:
        payload = json.loads(body)
    except (ValueError, RecursionError) as exc:  # (JSONDecodeError, bad UTF-8, a 5,000-digit integer)
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return _error(400, f"the request body is not valid JSON ({reason}); send a JSON object with fields "
                           f"{fields}")
    if not isinstance(payload, dict):
        return _error(400, f"the request body must be a JSON object with fields {fields}; received "
                           f"{_json_type(payload)}")
    try:
        return 200, json.dumps(predictor.answer(payload)).encode()
    except InputError as exc:
        return _error(422, str(exc).splitlines()[0])
    except (ValueError, TypeError, OverflowError) as exc:  # a value the model's checks missed
        return _error(422, f"{type(exc).__name__}: {(str(exc) or repr(exc)).splitlines()[0]}")
    except Exception as exc:  # noqa: BLE001 (one line, status 500: the server keeps serving)
        return _error(500, f"the model failed on this request: {type(exc).__name__}: "
                           f"{(str(exc) or repr(exc)).splitlines()[0]}")


def _error(status: int, message: str) -> tuple[int, bytes]:
    return status, json.dumps({"error": message}).encode()


class Coalescer:
    """Answers requests in batches on the event loop's thread: the requests that arrive while one
    batch is answered form the next, and identical request bodies in a batch are answered once
    (a model's answer depends on the body alone), so a burst of the same forecast costs one
    prediction. Each answer is computed after its request arrived: nothing is cached."""

    def __init__(self, predictor: Predictor):
        self.predictor = predictor
        self.pending: dict = {}  # body -> future of (status, bytes)

    async def answer(self, body: bytes) -> tuple[int, bytes]:
        import asyncio

        future = self.pending.get(body)
        if future is None:
            loop = asyncio.get_running_loop()
            if not self.pending:  # the first of a batch: answer the batch once this loop turn ends
                loop.call_soon(self._flush)
            future = self.pending[body] = loop.create_future()
        return await asyncio.shield(future)  # a client that disconnects cancels only its own wait

    def _flush(self) -> None:
        batch, self.pending = self.pending, {}
        for body, future in batch.items():
            try:
                result = respond(self.predictor, body)
            except BaseException as exc:  # noqa: BLE001 (every waiting request gets an answer)
                result = _error(500, f"the server failed on this request: {type(exc).__name__}")
            if not future.done():
                future.set_result(result)


def create_app(model_dir, predictor: "Predictor | None" = None):
    """The FastAPI app serving the lstmkit model saved in ``model_dir`` (loaded now, once)."""
    from fastapi import FastAPI, Request
    from fastapi.responses import JSONResponse, Response
    from starlette.exceptions import HTTPException
    from starlette.requests import ClientDisconnect

    predictor = predictor or Predictor.load(model_dir)
    if predictor.kind == "forecaster":  # the first call is slower (torch's lazy init): pay it now
        predictor.answer({"h": 1})
    app = FastAPI(title=f"lstmkit: {predictor.name}", description=__doc__.split("\n\n")[0])
    app.state.predictor = predictor
    coalescer = Coalescer(predictor)

    def error(status: int, message: str) -> JSONResponse:
        return JSONResponse({"error": message}, status_code=status)

    @app.exception_handler(HTTPException)
    async def http_error(request, exc: HTTPException):  # 404, 405: the same {"error": ...} shape
        return error(exc.status_code, f"{request.method} {request.url.path}: {exc.detail}; this server "
                                      "answers GET /health and POST /predict")

    @app.get("/health")
    async def health():
        return predictor.describe()

    @app.post("/predict")
    async def predict(request: Request):
        size = request.headers.get("content-length")
        if size is not None and size.isdigit() and int(size) > MAX_BODY_BYTES:
            return error(413, f"the request body is {size} bytes; at most {MAX_BODY_BYTES} are accepted")
        try:
            body = await request.body()
        except ClientDisconnect:  # (the client left mid-body: no one to answer)
            return Response(status_code=400)
        if len(body) > MAX_BODY_BYTES:
            return error(413, f"the request body is {len(body)} bytes; at most {MAX_BODY_BYTES} are accepted")
        status, content = await coalescer.answer(body)
        return Response(content, status_code=status, media_type="application/json")

    return app
