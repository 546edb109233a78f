"""Save and load fitted estimators as a directory, with no pickle anywhere.

    model/
      config.json            format and lstmkit versions, estimator name and parameters,
                             the SHA-256 of the weights file
      weights.safetensors    every network's tensors ("<k>.<name>" for network k)
      preprocessing.json     fitted state: scalers, vocabularies, class labels, history

Loading reads JSON and safetensors only, so a model file can never run code. It checks the
format version, the parameter names, the weights' checksum, names and shapes before it
touches an estimator: a bad file gives one error line and no half-loaded model.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import os
from pathlib import Path

import torch

from lstmkit.errors import LIMITS, InputError, InputTypeError, NotFittedError

FORMAT_VERSION = 1
FILES = ("config.json", "weights.safetensors", "preprocessing.json")
JSON_LIMITS = {"config.json": "config_json_bytes", "preprocessing.json": "preprocessing_json_bytes"}


_REGISTRY: dict[str, type] = {}  # estimator name -> class: every Persistable registers itself


def _estimators() -> dict[str, type]:
    """The estimators ``load`` can build, by name (each registers itself when its module is
    imported; ``lstmkit`` imports its modules on first use, so they are imported here)."""
    import lstmkit

    lstmkit.import_all()
    return dict(sorted(_REGISTRY.items()))


def estimator_class(name, where: str = "the model") -> type:
    """The registered estimator class called ``name``, or a one-line error naming ``where``."""
    estimators = _estimators()
    if not isinstance(name, str) or name not in estimators:
        raise InputError(f"{where} names estimator {name!r}; known: {', '.join(estimators)}")
    return estimators[name]


class Persistable:
    """Mixin: ``save(path)``. Estimators provide ``_get_state``/``_set_state`` (their JSON-safe
    fitted state, networks aside), ``_fitted_modules`` (their networks), ``_fresh_modules``
    (untrained networks of the same shapes, once the state is set) and ``_set_modules``.
    Subclasses register themselves for ``load`` by their class name. Estimators whose
    parameters hold other estimators (``EnsembleForecaster.members``) also provide
    ``_params_to_json`` and ``_params_from_json``."""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        _REGISTRY[cls.__name__] = cls

    def save(self, path) -> Path:
        """Write this fitted estimator to the directory ``path``; ``lstmkit.load`` reads it back."""
        return save(self, path)


def save(estimator, path, name: str = "path") -> Path:
    """Write ``estimator`` to the directory ``path`` atomically (replacing an earlier model).

    ``path`` must be a new folder, an empty one or one that holds an lstmkit model and
    nothing else (other files are never deleted: that is an error, as is a file in the way).
    ``name`` is how errors call ``path`` (e.g. "--save")."""
    from safetensors import SafetensorError

    from lstmkit.files import Outputs, write_error_reason

    _check_estimator(estimator)
    path = check_save_path(path, name)
    try:
        with Outputs() as outputs:
            outputs.folder(path, lambda folder: write_model(estimator, folder), name)
            outputs.commit()
    except (OSError, SafetensorError) as error:  # a full disk: nothing half-written stays
        raise InputError(f"{name} {str(path)!r} could not be written: {write_error_reason(error)}") from None
    return path


def _check_estimator(estimator) -> list[torch.nn.Module]:
    name = type(estimator).__name__
    if name not in _estimators():
        raise InputError(f"model must be one of {', '.join(_estimators())}; received {name}")
    try:
        return estimator._fitted_modules()
    except AttributeError:
        raise NotFittedError(f"this {name} is not fitted yet; call fit first, then save") from None


def check_save_path(path, name: str = "path") -> Path:
    """Raise naming ``name`` unless a model can be saved at ``path``: a folder that does not
    exist yet (and can be created), an empty folder, or an lstmkit model's folder holding
    only the model's own files. Call it before training; returns ``path`` as a Path."""
    from lstmkit.files import check_parents

    path = Path(path)
    shown = repr(str(path))
    if os.path.lexists(path) and not path.is_dir():
        raise InputError(f"{name} {shown} is a file; a model is saved as a folder: pick a new or "
                         "empty folder")
    check_parents(path, name)
    if not path.is_dir():
        return path
    if os.path.samefile(path, os.getcwd()):
        raise InputError(f"{name} {shown} is the current folder; save the model into a new or empty "
                         "folder inside it (e.g. 'model')")
    try:
        entries = sorted(p.name for p in path.iterdir())
    except OSError as error:
        raise InputError(f"{name} {shown} cannot be read ({error.strerror})") from None
    if entries and "config.json" not in entries:
        raise InputError(f"{name} {shown} is a non-empty folder that holds no lstmkit model; pick a "
                         "new or empty folder")
    foreign = [e for e in entries if e not in FILES]
    if foreign:
        raise InputError(f"{name} {shown} holds an lstmkit model and other files ({', '.join(foreign[:3])}"
                         f"{', ...' if len(foreign) > 3 else ''}), which saving over the model would "
                         "delete; move them, or pick a new or empty folder")
    if not os.access(path, os.W_OK | os.X_OK):
        raise InputError(f"{name} {shown} cannot be written: no permission to write in it")
    return path


def write_model(estimator, folder) -> None:
    """Write ``estimator``'s model files into the existing, empty ``folder`` (not atomic: ``save``
    writes into a temporary folder and moves it into place). Files get ordinary permissions
    (0666 minus the umask)."""
    from safetensors.torch import save_file

    from lstmkit import __version__
    from lstmkit.files import umask

    modules = _check_estimator(estimator)
    folder = Path(folder)
    tensors = {f"{k}.{key}": value.detach().cpu().contiguous().clone()
               for k, module in enumerate(modules) for key, value in module.state_dict().items()}
    save_file(tensors, folder / "weights.safetensors", metadata={"format": "pt"})
    _write_json(folder / "preprocessing.json", estimator._get_state())
    config = {"format": "lstmkit-model", "format_version": FORMAT_VERSION,
              "lstmkit_version": __version__, "estimator": type(estimator).__name__,
              "params": _params_to_json(estimator),
              "weights_sha256": _sha256(folder / "weights.safetensors")}
    _write_json(folder / "config.json", config)
    _warn_if_over_limits(folder)
    for file in FILES:
        os.chmod(folder / file, 0o666 & ~umask())


def load(path):
    """The estimator saved at ``path`` (a directory written by ``save``), ready to predict.

    Cheap checks come first: the files' sizes, config.json's and preprocessing.json's types
    (``model_schema``), the weights' header against the networks the saved settings describe
    (built on the meta device: no memory). Only then is the weights file hashed and read."""
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    from lstmkit.model_schema import check_config, check_state, read_json, weights_header

    if not isinstance(path, (str, os.PathLike)):
        raise InputTypeError(f"path must be a folder path (str or os.PathLike); received "
                             f"{type(path).__name__}")
    path = Path(path)
    missing = [f for f in FILES if not os.path.lexists(path / f)]
    if missing:
        raise InputError(f"path {str(path)!r} is not an lstmkit model: it lacks {missing[0]}")
    _check_files(path)
    config = read_json(path / "config.json", JSON_LIMITS["config.json"], "config")
    check_config(config)
    version = config["format_version"]
    if config["format"] != "lstmkit-model" or version != FORMAT_VERSION:
        raise InputError(f"config.json has format version {version!r}; this lstmkit reads version "
                         f"{FORMAT_VERSION} only")
    cls = estimator_class(config["estimator"], "config.json")
    params, allowed = config["params"], inspect.signature(cls).parameters
    unknown = sorted(set(params) - set(allowed))
    if unknown:
        raise InputError(f"config.json has unknown {cls.__name__} parameter {unknown[0]!r}; known: "
                         f"{', '.join(allowed)}")
    header = weights_header(path / "weights.safetensors")
    state = read_json(path / "preprocessing.json", JSON_LIMITS["preprocessing.json"], "preprocessing state")
    check_state(cls.__name__, state)
    estimator = _configured(cls, params)
    try:
        estimator._set_state(state)
    except InputError as error:
        raise InputError(f"preprocessing.json: {error}") from None
    except (KeyError, TypeError, IndexError, ValueError, AttributeError) as error:
        raise InputError(f"preprocessing.json is incomplete or malformed for {cls.__name__}: "
                         f"{error!r}") from None
    _check_inner(estimator)
    _check_sizes(estimator)
    _probe(estimator, header)  # the weights' names and shapes, before the file is read whole
    if _sha256(path / "weights.safetensors") != config["weights_sha256"]:
        raise InputError("weights.safetensors does not match the checksum in config.json: the file "
                         "was truncated or modified")
    try:
        tensors = load_file(path / "weights.safetensors")
    except (SafetensorError, OSError, ValueError) as error:
        raise InputError(f"weights.safetensors cannot be read: {str(error).splitlines()[0]}") from None
    bad = next((k for k, t in tensors.items() if t.is_floating_point() and not torch.isfinite(t).all()), None)
    if bad is not None:
        raise InputError(f"weights.safetensors tensor {bad!r} holds NaN or infinite values")
    try:
        modules = estimator._fresh_modules()
    except (KeyError, TypeError, IndexError, ValueError, AttributeError) as error:
        raise InputError(f"preprocessing.json is incomplete or malformed for {cls.__name__}: "
                         f"{error!r}") from None
    _load_weights(modules, tensors)
    estimator._set_modules(modules)
    return estimator


def _configured(cls, params: dict):
    """An unfitted ``cls`` with the saved ``params``, checked as fit would check them."""
    params = on_this_machine(params)
    device = params.get("device", "auto")
    if not isinstance(device, str) or not (device in ("auto", "cpu") or device.startswith("cuda")):
        raise InputError(f"config.json has device {device!r}; allowed: 'auto', 'cpu', 'cuda'")
    inner = params.get("forecaster_params")  # an anomaly detector's forecaster
    if isinstance(inner, dict):
        params = params | {"forecaster_params": on_this_machine(inner)}
    try:
        estimator = cls(**(cls._params_from_json(params) if hasattr(cls, "_params_from_json") else params))
        if hasattr(estimator, "_parameter_constraints"):  # the saved settings, as fit would check them
            from lstmkit.tasks._base import check_params

            check_params(estimator)
    except (InputError, TypeError) as error:
        raise InputError(f"config.json: {error}") from None
    return estimator


def _check_inner(estimator) -> None:
    """The estimators a saved state builds inside another (an anomaly detector's forecaster, a
    model of many series' GlobalForecaster, an ensemble's members) get fit's checks too."""
    from lstmkit.tasks._base import check_params

    inner = [getattr(estimator, name, None) for name in ("forecaster_", "global_")]
    inner += [m for m in getattr(estimator, "members_", None) or []]
    inner += [getattr(m, "global_", None) for m in getattr(estimator, "members_", None) or []]
    for model in inner:
        if model is not None and hasattr(model, "_parameter_constraints"):
            try:
                check_params(model)
            except (InputError, TypeError) as error:
                raise InputError(f"preprocessing.json: {error}") from None


def _warn_if_over_limits(folder: Path) -> None:
    """A model whose JSON files exceed the sizes ``load`` reads by default says so when saved."""
    import warnings

    for file, limit in JSON_LIMITS.items():
        size = (folder / file).stat().st_size
        if size > LIMITS[limit]:
            warnings.warn(f"this model's {file} is {size:,} bytes, above lstmkit.errors.LIMITS[{limit!r}] "
                          f"({LIMITS[limit]:,}): loading it needs that limit raised", UserWarning,
                          stacklevel=4)


def on_this_machine(params: dict) -> dict:
    """Saved settings whose ``device`` names CUDA get "cpu" where CUDA is missing, so a model
    trained on a GPU loads on a CPU-only machine."""
    if "cuda" in str(params.get("device")) and not torch.cuda.is_available():
        return params | {"device": "cpu"}
    return params


def _load_weights(modules: list[torch.nn.Module], tensors: dict[str, torch.Tensor], check_only=False) -> None:
    """Load ``tensors`` into ``modules`` (``check_only``: compare names, shapes and dtypes only)."""
    expected = {f"{k}.{key}": value for k, m in enumerate(modules) for key, value in m.state_dict().items()}
    for key in sorted(set(expected) | set(tensors)):
        if key not in tensors:
            raise InputError(f"weights.safetensors lacks tensor {key!r} that this model needs")
        if key not in expected:
            raise InputError(f"weights.safetensors holds tensor {key!r} that this model does not have")
        if tensors[key].shape != expected[key].shape or tensors[key].dtype != expected[key].dtype:
            raise InputError(f"weights.safetensors tensor {key!r} has shape {tuple(tensors[key].shape)} "
                             f"{tensors[key].dtype}; the model needs {tuple(expected[key].shape)} "
                             f"{expected[key].dtype}")
    if check_only:
        return
    for k, module in enumerate(modules):
        module.load_state_dict({key[len(f"{k}."):]: value for key, value in tensors.items()
                                if key.startswith(f"{k}.")})
        module.eval()


def _params_to_json(estimator) -> dict:
    if hasattr(estimator, "_params_to_json"):
        return estimator._params_to_json()
    return jsonable(estimator.get_params(deep=False))


def jsonable(value):
    """Parameters as JSON values (tuples become lists)."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    raise InputError(f"parameter value {value!r} of type {type(value).__name__} cannot be saved as JSON")


def _write_json(path: Path, data) -> None:
    path.write_text(json.dumps(data, indent=1, allow_nan=True) + "\n", encoding="utf-8")


def _check_files(path: Path) -> None:
    """The model's files are regular files inside its folder: a symbolic link (which could
    point anywhere, and be read and hashed whole) is refused."""
    for name in FILES:
        file = path / name
        if file.is_symlink() or not file.is_file():
            raise InputError(f"{name} in {str(path)!r} is a symbolic link or not a regular file; a model "
                             "folder holds its own files")


def _check_sizes(estimator) -> None:
    """The fitted sizes a saved state sets (lookback, season, horizon, networks) are integers >= 1."""
    state = getattr(estimator, "state_", None)
    sizes = {name: getattr(estimator, name, None) for name in ("lookback_", "season_", "n_models_")}
    sizes |= {f"state.{name}": getattr(state, name, None) for name in ("lookback", "season", "horizon")}
    for name, value in sizes.items():
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
            raise InputError(f"preprocessing.json sets {name.rstrip('_')} to {value!r}; it must be an "
                             "integer >= 1")


def _probe(estimator, tensors: dict) -> None:
    """Before any allocation: the networks the saved state describes, built on the meta device
    (no memory), must have the shapes of the saved weights, and as many networks as the file."""
    count = len({key.split(".", 1)[0] for key in tensors})
    wanted = getattr(estimator, "n_models_", None)
    if isinstance(wanted, int) and wanted != count:
        raise InputError(f"preprocessing.json describes {wanted} networks; weights.safetensors holds "
                         f"{count}: the files do not belong together")
    try:
        with torch.device("meta"):
            probes = estimator._fresh_modules()
    except InputError:
        raise
    except Exception:  # noqa: BLE001 (a network that cannot be built on meta: the real build checks it)
        return
    _load_weights(probes, tensors, check_only=True)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
