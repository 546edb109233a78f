"""What a saved model's JSON files may hold, checked strictly before any estimator reads them.

``lstmkit.load`` calls ``check_config`` on config.json and ``check_state`` on
preprocessing.json: every field an estimator's ``_set_state`` reads must have its JSON type
(a boolean is ``true``/``false``, never ``"yes"`` or ``1``; an integer is not ``2.0`` or
``true``; stored numbers are finite). A bad field is one error line naming the file and the
field, e.g. ``preprocessing.json: scaler.log must be true or false; received 'yes'``. Fields
a newer lstmkit might add are ignored; fields this one reads are never guessed at.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path

from lstmkit.errors import LIMITS, InputError, InputTypeError

Check = Callable[[object, str, str], None]  # (value, field path, file name) -> None, or raise


def _shown(value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _fail(file: str, path: str, wanted: str, value, error=InputTypeError):
    raise error(f"{file}: {path} must be {wanted}; received {_shown(value)}")


def _bool(value, path, file):
    if type(value) is not bool:
        _fail(file, path, "true or false", value)


def _int(minimum: int = 0) -> Check:
    def check(value, path, file):
        if type(value) is not int:
            _fail(file, path, f"an integer >= {minimum}", value)
        if value < minimum:
            _fail(file, path, f"an integer >= {minimum}", value, InputError)
    return check


def _is_finite(value) -> bool:
    try:
        return math.isfinite(value)
    except OverflowError:  # an integer of hundreds of digits
        return False


def _finite(value, path, file):
    if type(value) is bool or not isinstance(value, (int, float)):
        _fail(file, path, "a finite number", value)
    if not _is_finite(value):
        _fail(file, path, "a finite number", value, InputError)


def _positive(value, path, file):
    _finite(value, path, file)
    if value <= 0:
        _fail(file, path, "a finite number > 0", value, InputError)


def _str(value, path, file):
    if not isinstance(value, str):
        _fail(file, path, "a string", value)


def _scalar(value, path, file):  # a label: text, an integer or a finite number (None: a nameless series)
    if value is None or isinstance(value, (str, bool, int)):
        return
    _finite(value, path, file)


def _any(value, path, file):
    return


def _opt(check: Check) -> Check:
    def opt(value, path, file):
        if value is not None:
            check(value, path, file)
    return opt


def _list(item: Check, length: int | None = None) -> Check:
    def check(value, path, file):
        if not isinstance(value, list):
            _fail(file, path, "a list", value)
        if length is not None and len(value) != length:
            _fail(file, path, f"a list of {length}", value, InputError)
        fine = FAST.get(item)
        if fine is not None:  # (stored series, vocabularies: no per-item path strings)
            bad = next((i for i, v in enumerate(value) if not fine(v)), None)
            if bad is not None:
                item(value[bad], f"{path}[{bad}]", file)
            return
        for i, v in enumerate(value):
            item(v, f"{path}[{i}]", file)
    return check


FAST: dict[Check, Callable[[object], bool]] = {  # what the checks accept, as one test per item
    _finite: lambda v: (type(v) is float or type(v) is int) and _is_finite(v),
    _str: lambda v: type(v) is str,
    _scalar: lambda v: v is None or type(v) in (str, bool, int) or type(v) is float and math.isfinite(v)}


def _nested_finite(value, path, file):  # numbers, or lists of them to any depth (conformal scores)
    if isinstance(value, list):
        _list(_nested_finite)(value, path, file)
    else:
        _finite(value, path, file)


def _dict(fields: dict[str, Check], optional: tuple[str, ...] = (), extra: Check | None = None) -> Check:
    """A JSON object holding ``fields`` (those in ``optional`` may be missing); ``extra`` checks
    the whole object after its fields (relations between them)."""
    def check(value, path, file):
        if not isinstance(value, dict):
            _fail(file, path or "the file", "a JSON object", value)
        for key, field in fields.items():
            where = f"{path}.{key}" if path else key
            if key not in value:
                if key in optional:
                    continue
                raise InputError(f"{file} is incomplete: it lacks {where} (is it an lstmkit model's?)")
            field(value[key], where, file)
        if extra is not None:
            extra(value, path, file)
    return check


def _index_length(index: dict) -> int:
    if "range" in index:
        return len(range(*index["range"]))
    return len(index["dates"]) if "dates" in index else index["n"]


def _index(value, path, file):
    """A series' dates (ISO strings, or a start, a length and a frequency) or its range."""
    if not isinstance(value, dict):
        _fail(file, path, "a JSON object", value)
    if "range" in value:
        _dict({"range": _list(_int(-(1 << 62)))})(value, path, file)
        if len(value["range"]) not in (2, 3) or (len(value["range"]) == 3 and value["range"][2] == 0):
            _fail(file, f"{path}.range", "[start, stop] or [start, stop, step != 0]", value["range"],
                  InputError)
    elif "dates" in value:
        _dict({"dates": _list(_str), "freq": _opt(_str), "tz": _opt(_str)}, ("freq", "tz"))(value, path, file)
    elif "labels" in value:
        _dict({"labels": _list(_scalar)})(value, path, file)
    else:
        _dict({"start": _str, "n": _int(1), "freq": _str, "tz": _opt(_str)}, ("tz",))(value, path, file)


def _series_fits(value, path, file):
    length = _index_length(value["index"])
    if length != len(value["values"]):
        raise InputError(f"{file}: {path}.index holds {length} labels for {len(value['values'])} values; "
                         "the file is damaged")


SERIES = _dict({"values": _list(_finite), "index": _index, "name": _scalar}, extra=_series_fits)
SCALER = _dict({"log": _bool, "lag": _int(0), "mean": _finite, "scale": _positive})
HISTORY = _list(_any)
SCORES = _opt(_nested_finite)
FORECASTER = _dict({"scaler": SCALER, "lookback": _int(1), "season": _int(1), "n_models": _int(1),
                    "y": SERIES, "history": HISTORY, "conformal_scores": SCORES}, ("conformal_scores",))


def _panel_fits(value, path, file):
    """One index per series, each as long as its series (an index is never built longer)."""
    panel, values = value["panel"], value["values"]
    if not len(panel["ids"]) == len(panel["indexes"]) == len(values):
        raise InputError(f"{file}: {path}.panel has {len(panel['ids'])} ids and {len(panel['indexes'])} "
                         f"indexes for {len(values)} series; the file is damaged")
    for k, (index, series) in enumerate(zip(panel["indexes"], values)):
        if _index_length(index) != len(series):
            raise InputError(f"{file}: {path}.panel.indexes[{k}] holds {_index_length(index)} labels for "
                             f"{len(series)} values; the file is damaged")


PANEL = _dict({"ids": _list(_scalar), "form": _str, "columns": _list(_str), "indexes": _list(_index),
               "order": _opt(_list(_scalar))}, ("order",))
STORED_PANEL = _dict({"panel": PANEL, "values": _list(_list(_finite))}, extra=_panel_fits)
COVARIATES = _dict({"futr": _list(_str), "hist": _list(_str), "static": _list(_str), "mean": _list(_finite),
                    "std": _list(_finite), "relative": _list(_bool), "calendar": _list(_str),
                    "static_mean": _list(_finite), "static_std": _list(_finite), "static_ids": _list(_scalar),
                    "static_rows": _list(_list(_finite))}, ("calendar", "static_mean", "static_std"))


def _global_state(value, path, file):
    _dict({"season": _int(1), "lookback": _int(1), "horizon": _int(1), "columns": _opt(_list(_str)),
           "n_series": _opt(_int(0)), "freq": _opt(_str), "log": _bool, "covariates": COVARIATES,
           "steps": _list(_nested_finite)},
          ("columns", "n_series", "freq", "log", "covariates", "steps"))(value, path, file)
    if "panel" in value:
        STORED_PANEL(value, path, file)
        _dict({"indices": _list(_list(_finite))})(value, path, file)


GLOBAL = _dict({"global": _global_state, "n_models": _int(1), "history": HISTORY, "conformal_scores": SCORES,
                "covariate_selection": _any, "network_params": _dict({})},
               ("conformal_scores", "covariate_selection", "network_params"))


def _forecaster(value, path, file):
    (GLOBAL if isinstance(value, dict) and "global" in value else FORECASTER)(value, path, file)


CLASSIFIER_BASE = {"classes": _list(_scalar), "classes_dtype": _str, "n_modules": _int(1),
                   "oof_score": _opt(_finite), "history": HISTORY}
SEQUENCE_CLASSIFIER = _dict({**CLASSIFIER_BASE, "n_channels": _int(1), "mean": _list(_finite),
                             "scale": _list(_finite), "n_features_in": _int(1), "n_columns": _opt(_int(1))},
                            ("n_features_in", "n_columns"))
TEXT_CLASSIFIER = _dict({**CLASSIFIER_BASE, "tokens": _list(_str)})
SEQ2SEQ = _dict({"source_tokens": _list(_str), "target_tokens": _list(_str), "target_kind": _str,
                 "max_output_length": _int(1), "history": HISTORY})
GENERATOR = _dict({"tokens": _list(_str), "char_level": _bool, "context": _int(1), "history": HISTORY})
ANOMALY = _dict({"forecaster_params": _dict({}), "forecaster": _forecaster, "train_size": _int(1),
                 "width": _int(1), "error_mean": _finite, "error_scale": _finite})


def _member_state(value, path, file):
    _dict({"estimator": _str, "params": _dict({}), "n_networks": _int(1), "state": _any})(value, path, file)
    name = value["estimator"]
    members = sorted(n for n in SCHEMAS if n != "EnsembleForecaster")
    if name not in members:
        raise InputError(f"{file}: {path} names estimator {name!r}; an ensemble member is one of "
                         f"{', '.join(members)}")
    SCHEMAS[name](value["state"], f"{path}.state", file)


ENSEMBLE = _dict({"members": _list(_member_state), "panel": _opt(STORED_PANEL), "season": _opt(_int(1)),
                  "conformal_scores": SCORES})

SCHEMAS: dict[str, Check] = {
    "Forecaster": _forecaster, "GlobalForecaster": GLOBAL, "AnomalyDetector": ANOMALY,
    "EnsembleForecaster": ENSEMBLE, "SequenceClassifier": SEQUENCE_CLASSIFIER,
    "TextClassifier": TEXT_CLASSIFIER, "Seq2Seq": SEQ2SEQ, "SequenceGenerator": GENERATOR}


def check_state(estimator: str, state) -> None:
    """Raise one line unless ``state`` (preprocessing.json) fits ``estimator``'s schema."""
    SCHEMAS.get(estimator, _dict({}))(state, "", "preprocessing.json")


CONFIG = _dict({"format": _str, "format_version": _int(0), "estimator": _str, "params": _dict({}),
                "weights_sha256": _str, "lstmkit_version": _str}, ("lstmkit_version",))

# Parameters that no ``_parameter_constraints`` entry checks (those are checked by check_params)
PARAMS = {"random_state": _opt(_int(0)), "verbose": _bool, "reverse_input": _bool, "reverse_target": _bool,
          "val_size": _opt(_finite), "alias": _str, "arch_options": _opt(_dict({})),
          "forecaster_params": _dict({}),
          "members": _list(_dict({"estimator": _str, "params": _dict({})}))}


def check_config(config) -> None:
    """Raise one line unless ``config`` (config.json) has its fields' types (checked before any
    other use), and the parameters outside ``_parameter_constraints`` theirs."""
    CONFIG(config, "", "config.json")
    for name, check in PARAMS.items():
        if name in config["params"]:
            check(config["params"][name], f"params.{name}", "config.json")


def read_json(path: Path, limit: str, what: str):
    """A model file's JSON object: at most ``LIMITS[limit]`` bytes (checked before reading), not
    nested past Python's limit, no number with thousands of digits; anything else is one line."""
    size, most = path.stat().st_size, LIMITS[limit]
    if size > most:
        raise InputError(f"{path.name} is {size:,} bytes, more than an lstmkit model's {path.name} holds "
                         f"({most:,}; raise lstmkit.errors.LIMITS[{limit!r}] for a model that big)")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InputError(f"{path.name} is not valid JSON: {error}") from None
    except (RecursionError, ValueError) as error:  # nesting too deep; an integer too long to convert
        raise InputError(f"{path.name} is not a model file ({type(error).__name__} reading it)") from None
    if not isinstance(data, dict):
        kind = {list: "a JSON array", str: "a JSON string", bool: "a JSON boolean", int: "a JSON number",
                float: "a JSON number", type(None): "JSON null"}[type(data)]
        raise InputError(f"{path.name} in {str(path.parent)!r} is not an lstmkit model's {what} ({kind}, "
                         "not an object)")
    return data


SAFETENSORS_HEADER_BYTES = 100 << 20  # safetensors' own limit on a header (names, shapes, metadata)
DTYPES = {"F64": "float64", "F32": "float32", "F16": "float16", "BF16": "bfloat16", "I64": "int64",
          "I32": "int32", "I16": "int16", "I8": "int8", "U8": "uint8", "BOOL": "bool"}


def weights_header(path) -> dict:
    """The tensors weights.safetensors declares, as empty tensors on the meta device (no memory),
    read from its header alone; the file must be exactly as long as the header says (a file
    extended or truncated is refused here, before anything reads it whole)."""
    import torch

    def bad(reason: str):
        raise InputError(f"weights.safetensors cannot be read: {reason}; it is not an lstmkit model's "
                         "weights")

    size = path.stat().st_size
    with open(path, "rb") as f:
        head = f.read(8)
        n = int.from_bytes(head, "little") if len(head) == 8 else -1
        if n < 2 or n > min(size - 8, SAFETENSORS_HEADER_BYTES):
            bad(f"its header length ({n} bytes) does not fit a file of {size} bytes")
        try:
            header = json.loads(f.read(n))
        except (UnicodeDecodeError, ValueError, RecursionError):
            bad("its header is not JSON")
    if not isinstance(header, dict):
        bad("its header is not a JSON object")
    tensors, end = {}, 0
    for key, entry in header.items():
        if key == "__metadata__":
            continue
        try:
            dtype, shape, (start, stop) = DTYPES[entry["dtype"]], entry["shape"], entry["data_offsets"]
            if not all(type(d) is int and d >= 0 for d in [*shape, start, stop]):
                raise TypeError
            tensor = torch.empty(shape, dtype=getattr(torch, dtype), device="meta")
        except (KeyError, TypeError, ValueError, RuntimeError):
            bad(f"tensor {key!r} has a malformed entry {_shown(entry)}")
        if stop - start != tensor.numel() * tensor.element_size():
            bad(f"tensor {key!r} of shape {tuple(shape)} {dtype} spans {stop - start} bytes")
        tensors[key], end = tensor, max(end, stop)
    if size != 8 + n + end:
        raise InputError(f"weights.safetensors is {size:,} bytes, and its header describes {8 + n + end:,}: "
                         "the file was truncated or extended")
    return tensors
