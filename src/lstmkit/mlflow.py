"""MLflow support: an ``lstmkit`` model flavour with a pyfunc face, and an ``on_epoch`` logger.

    >>> import lstmkit.mlflow
    >>> with mlflow.start_run():
    ...     model = Forecaster().fit(y, on_epoch=lstmkit.mlflow.EpochLogger())   # loss, val_loss per epoch
    ...     info = lstmkit.mlflow.log_model(model, "model")
    >>> lstmkit.mlflow.load_model(info.model_uri).predict(12)                # the lstmkit estimator
    >>> mlflow.pyfunc.load_model(info.model_uri).predict(pd.DataFrame({"h": [12]}))

The logged model is the folder ``model.save`` writes (JSON and safetensors: no pickle, so
loading it runs no code from the file), under ``data/`` beside MLflow's ``MLmodel``. The pyfunc
model (``loader_module`` this module) takes a DataFrame (or a dict, or a list of dicts):

    forecasters        one request per row: columns h, and optionally y (a list: the series to
                       forecast after), ds (its dates), level (a list of percentages)
                       -> columns row, ds, forecast (lo-80, hi-80, ...)
    classifiers        a column X holding one sequence per row (a list of numbers, or of
                       [channel] lists), or numeric columns: one equal-length sequence per row
                       -> columns prediction, and one probability column per class
    text classifiers   a column text (or texts) of strings -> the same
    anomaly detectors  a column y: the series, one value per row -> columns score, flag

Bad input raises lstmkit's one-line ``InputError``s (those of ``lstmkit serve``: the same code,
``lstmkit.serving.Predictor``, checks and answers). This module imports mlflow only inside its
functions; its absolute imports (``import mlflow``) get the mlflow package, not this module.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

from lstmkit.errors import InputError, InputTypeError

FLAVOR_NAME = "lstmkit"
DATA = "data"  # the lstmkit model folder, inside the MLflow model folder


def _mlflow():
    try:
        import mlflow
        import mlflow.pyfunc  # noqa: F401 (the submodule, for mlflow.pyfunc.add_to_model)
    except ImportError:
        raise InputError("lstmkit.mlflow needs MLflow: pip install 'lstmkit[serve]' (mlflow-skinny) or "
                         "mlflow") from None
    return mlflow


def _requirements() -> list[str]:
    from importlib import metadata

    import torch

    from lstmkit import __version__

    wanted = [f"lstmkit=={__version__}", f"torch=={torch.__version__.split('+')[0]}"]
    for package in ("numpy", "pandas", "scikit-learn", "safetensors"):
        try:
            wanted.append(f"{package}=={metadata.version(package)}")
        except metadata.PackageNotFoundError:  # pragma: no cover (lstmkit's own dependencies)
            pass
    return wanted


def save_model(model, path, mlflow_model=None, signature=None, input_example=None, pip_requirements=None,
               extra_pip_requirements=None, metadata=None) -> Path:
    """Write the fitted lstmkit estimator ``model`` as an MLflow model in the new folder ``path``:
    ``MLmodel`` (flavours ``lstmkit`` and ``python_function``), its environment files, and the
    lstmkit model under ``data/``."""
    mlflow = _mlflow()
    import yaml
    from mlflow.models import Model
    from mlflow.utils.environment import _process_pip_requirements, _PythonEnv

    from lstmkit import __version__
    from lstmkit.persistence import _check_estimator

    _check_estimator(model)  # a fitted lstmkit estimator, or one line saying what it is
    path = Path(path)
    if path.exists() and any(path.iterdir()):
        raise InputError(f"path {str(path)!r} is a non-empty folder; an MLflow model is saved into a new one")
    path.mkdir(parents=True, exist_ok=True)
    model.save(path / DATA)
    mlflow_model = mlflow_model if mlflow_model is not None else Model()
    if signature is not None:
        mlflow_model.signature = signature
    if input_example is not None:  # saved, and (as MLflow's own flavours do) the signature inferred from it
        from mlflow.models import infer_signature
        from mlflow.models.utils import _save_example

        from lstmkit.serving import Predictor

        if signature is None:
            output = PyFuncModel(Predictor(model)).predict(input_example)
            mlflow_model.signature = infer_signature(input_example, output)
        _save_example(mlflow_model, input_example, str(path))
    if metadata is not None:
        mlflow_model.metadata = metadata
    conda_env, requirements, constraints = _process_pip_requirements(_requirements(), pip_requirements,
                                                                     extra_pip_requirements)
    (path / "conda.yaml").write_text(yaml.safe_dump(conda_env, default_flow_style=False))
    (path / "requirements.txt").write_text("\n".join(requirements) + "\n")
    if constraints:
        (path / "constraints.txt").write_text("\n".join(constraints) + "\n")
    _PythonEnv.current().to_yaml(str(path / "python_env.yaml"))
    mlflow.pyfunc.add_to_model(mlflow_model, loader_module=__name__, data=DATA, conda_env="conda.yaml",
                               python_env="python_env.yaml")
    mlflow_model.add_flavor(FLAVOR_NAME, lstmkit_version=__version__, estimator=type(model).__name__,
                            data=DATA)
    mlflow_model.save(str(path / "MLmodel"))
    return path


def log_model(model, name: str | None = None, *, artifact_path: str | None = None, registered_model_name=None,
              signature=None, input_example=None, pip_requirements=None, extra_pip_requirements=None,
              metadata=None, **kwargs):
    """Log the fitted lstmkit estimator ``model`` to the active MLflow run (one is started if none
    is) as the logged model ``name`` (``artifact_path``: its older spelling); returns MLflow's
    ``ModelInfo`` (``.model_uri`` loads it back). Other keywords go to ``mlflow.models.Model.log``."""
    _mlflow()
    from mlflow.models import Model

    if name is not None and artifact_path is not None and name != artifact_path:
        raise InputError(f"pass name or artifact_path, not both; received name {name!r} and artifact_path "
                         f"{artifact_path!r}")
    name = name or artifact_path or "model"
    if not isinstance(name, str) or not name or "/" in name:
        raise InputError(f"name must be a non-empty string without '/' (e.g. 'model'); received {name!r}")
    return Model.log(None, name=name, flavor=sys.modules[__name__], flavor_name=FLAVOR_NAME, model=model,
                     registered_model_name=registered_model_name, signature=signature,
                     input_example=input_example, pip_requirements=pip_requirements,
                     extra_pip_requirements=extra_pip_requirements, metadata=metadata, **kwargs)


def load_model(model_uri: str, dst_path=None):
    """The lstmkit estimator logged at ``model_uri`` ("runs:/<run id>/model", "models:/<id>", a
    path...), ready to predict: ``lstmkit.load`` of its ``data/`` folder."""
    _mlflow()
    from mlflow.artifacts import download_artifacts
    from mlflow.exceptions import MlflowException
    from mlflow.models import Model

    from lstmkit.persistence import load

    try:
        local = Path(download_artifacts(artifact_uri=str(model_uri), dst_path=dst_path))
    except (MlflowException, OSError) as error:
        reason = (str(error) or type(error).__name__).splitlines()[0]
        raise InputError(f"model_uri {str(model_uri)!r} cannot be read: {reason}") from None
    if not (local / "MLmodel").is_file():
        raise InputError(f"model_uri {str(model_uri)!r} holds no MLflow model (no MLmodel file)")
    flavors = Model.load(str(local / "MLmodel")).flavors
    if FLAVOR_NAME not in flavors:
        raise InputError(f"model_uri {str(model_uri)!r} is not an lstmkit model; its flavours: "
                         f"{', '.join(flavors) or 'none'}")
    return load(local / flavors[FLAVOR_NAME].get("data", DATA))


def _load_pyfunc(data_path):
    """MLflow's pyfunc loader (``loader_module``): ``data_path`` is the lstmkit model folder."""
    from lstmkit.serving import Predictor

    return PyFuncModel(Predictor.load(data_path))


class PyFuncModel:
    """The pyfunc face of an lstmkit estimator: ``predict(DataFrame) -> DataFrame`` (module docstring)."""

    def __init__(self, predictor):
        self.predictor = predictor
        self.model = predictor.model

    def predict(self, model_input, params: dict | None = None):
        import pandas as pd

        if params:
            raise InputError(f"params are not used by lstmkit models; received {sorted(params)}")
        kind = self.predictor.kind
        frame = _frame(model_input)
        if kind == "forecaster":
            parts = []
            for i, row in enumerate(_records(frame, self.predictor.fields)):
                result = self.predictor.forecast(row)
                result = result.to_frame() if isinstance(result, pd.Series) else result
                if not ("ds" in result.columns and isinstance(result.index, pd.RangeIndex)):
                    result = result.rename_axis("ds").reset_index()
                result.insert(0, "row", i)
                parts.append(result)
            return pd.concat(parts, ignore_index=True)
        if kind == "anomaly":
            y = _column(frame, ("y",), "a column y holding the series, one value per row")
            answer = self.predictor.answer({"y": _cells(y.tolist())})
            return pd.DataFrame({"score": answer["scores"], "flag": answer["flags"]})
        if kind == "text":
            texts = _column(frame, ("text", "texts"), "a column text holding one string per row")
            answer = self.predictor.answer({"texts": texts.tolist()})
        else:
            answer = self.predictor.answer({"X": _sequences(frame)})
        out = pd.DataFrame({"prediction": answer["predictions"]})
        for k, label in enumerate(answer["classes"]):
            out[f"proba_{label}"] = [p[k] for p in answer["probabilities"]]
        return out


def _frame(model_input):
    """A pyfunc input (DataFrame, dict of columns or of one request, list of dicts or strings,
    Series) as a DataFrame."""
    import numpy as np
    import pandas as pd

    if isinstance(model_input, pd.DataFrame):
        frame = model_input
    elif isinstance(model_input, pd.Series):
        frame = model_input.to_frame(model_input.name if model_input.name is not None else "text")
    elif isinstance(model_input, dict):  # one forecast request ({"h": 12, ...}), or columns
        one = "h" in model_input and not isinstance(model_input["h"], (list, tuple, np.ndarray))
        try:
            frame = pd.DataFrame({k: [v] for k, v in model_input.items()} if one else model_input)
        except ValueError as error:
            raise InputError(f"model_input: a dict must hold columns of one length ({error})") from None
    elif isinstance(model_input, list) and model_input and all(isinstance(r, dict) for r in model_input):
        frame = pd.DataFrame(model_input)
    elif isinstance(model_input, list) and model_input and all(isinstance(r, str) for r in model_input):
        frame = pd.DataFrame({"text": model_input})
    else:
        raise InputTypeError(f"model_input must be a pandas DataFrame (or a dict of columns, or a list of "
                             f"records); received {type(model_input).__name__}")
    if frame.empty:
        raise InputError("model_input holds no rows")
    return frame


def _records(frame, fields: dict) -> list[dict]:
    """One request per row; missing cells (None, NaN) leave the field out."""
    unknown = [c for c in frame.columns if c not in fields]
    if unknown:
        raise InputError(f"model_input has unknown column {unknown[0]!r}; allowed: {', '.join(fields)}")
    rows = []
    for record in frame.to_dict(orient="records"):
        rows.append({k: _cells(v) for k, v in record.items() if not _missing(v)})
    return rows


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _cells(value):
    """Numpy arrays and scalars in a cell as JSON-like lists and numbers."""
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, (list, tuple)):
        return [_cells(v) for v in value]
    return value


def _column(frame, names: tuple[str, ...], what: str):
    for name in names:
        if name in frame.columns:
            return frame[name]
    if len(frame.columns) == 1:
        return frame.iloc[:, 0]
    raise InputError(f"model_input needs {what}; received columns {list(frame.columns)[:5]}")


def _sequences(frame) -> list:
    """A classifier's input frame as a list of sequences: column X, or one sequence per row of
    numeric columns (trailing missing cells dropped, as ``lstmkit predict`` reads a CSV)."""
    import numpy as np

    if "X" in frame.columns:
        return [_cells(v) for v in frame["X"]]
    try:
        values = frame.to_numpy(dtype=np.float64)
    except (TypeError, ValueError):
        raise InputTypeError(f"model_input needs a column X of sequences, or numeric columns (one sequence "
                             f"per row); received columns {list(frame.columns)[:5]}") from None
    out = []
    for row in values:
        present = np.flatnonzero(~np.isnan(row))
        out.append(row[: present[-1] + 1].tolist() if len(present) else [])
    return out


class EpochLogger:
    """An ``on_epoch`` callback (``fit(..., on_epoch=EpochLogger())``) that logs every epoch's
    numbers (loss, val_loss) to MLflow at step = epoch: to ``run_id``, or the active run (MLflow
    starts one if none is). A model of several networks (``n_models``, ``n_folds``) trains them
    one after another; the second one's metrics are ``loss_1``, ``val_loss_1``, and so on.
    Never stops training (returns False); ``prefix`` goes before every name."""

    def __init__(self, prefix: str = "", run_id: str | None = None):
        if not isinstance(prefix, str):
            raise InputTypeError(f"prefix must be a string; received {type(prefix).__name__}")
        self.prefix = prefix
        self.run_id = run_id
        self.network = 0
        self._last_epoch = None

    def __call__(self, record: dict) -> bool:
        mlflow = _mlflow()
        epoch = int(record.get("epoch", 0))
        if self._last_epoch is not None and epoch <= self._last_epoch:
            self.network += 1  # the next network's first epoch
        self._last_epoch = epoch
        suffix = f"_{self.network}" if self.network else ""
        metrics = {f"{self.prefix}{key}{suffix}": float(value) for key, value in record.items()
                   if key != "epoch" and isinstance(value, (int, float)) and not isinstance(value, bool)}
        if metrics:
            mlflow.log_metrics(metrics, step=epoch, run_id=self.run_id)
        return False
