"""Anomaly-detection series shipped inside the ``aeon`` wheel (read offline, never downloaded).

``load_anomaly(name)`` returns ``(y, labels, train_size)``: the values, 0/1 labels (1 inside
a labelled anomaly) and how many leading values are taken as normal for training.

- "KDD-TSAD_135" (UCR anomaly archive 135, InternalBleeding16): 7501 values, one labelled
  anomaly at 4187..4198. The archive's normal training prefix is the shipped ``_TRAIN``
  file (its name in the original archive ends in ``_1200_4187_4199``): train_size 1200.
- "Daphnet_S06R02E0": 7040 readings of 9 accelerometer channels at 64 Hz. TimeEval treats
  Daphnet as unsupervised (no normal training split), and this shipped excerpt holds no
  labelled freeze-of-gait episode at all: every label is 0, so it can only measure false
  alarms. One channel is returned (the first, ``ankle_horiz_fwd``, unless ``channel`` says
  otherwise) and the first half is taken as the normal start: the first ~1400 readings
  (22 s) are the patient standing still before walking, so a shorter start would teach a
  model that walking itself is abnormal.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from lstmkit.errors import InputError, check_choice

ANOMALY_SETS = ("KDD-TSAD_135", "Daphnet_S06R02E0")
_FILES = {
    "KDD-TSAD_135": "135_UCR_Anomaly_InternalBleeding16",
    "Daphnet_S06R02E0": "S06R02E0",
}


def _folder(name: str) -> Path:
    import aeon.datasets

    return Path(aeon.datasets.__file__).parent / "data" / name


def load_anomaly(name: str, channel: int | str = 0) -> tuple[np.ndarray, np.ndarray, int]:
    """One series of an anomaly set shipped with aeon: ``(y, labels, train_size)``.

    Parameters
    ----------
    name: one of ``ANOMALY_SETS`` ("KDD-TSAD_135", "Daphnet_S06R02E0").
    channel: for multivariate sets, the column to return (position or name).

    Returns
    -------
    y: float64 values, shape (n,); labels: int 0/1, shape (n,); train_size: the number of
    leading values treated as normal (anomaly-free) training data.
    """
    check_choice("name", name, ANOMALY_SETS)
    folder = _folder(name)
    suffix = "_TEST" if name == "KDD-TSAD_135" else ""
    frame = pd.read_csv(folder / f"{_FILES[name]}{suffix}.csv", index_col=0)
    values, labels = frame.iloc[:, :-1], frame.iloc[:, -1].to_numpy(dtype=np.int64)
    if isinstance(channel, str):
        check_choice("channel", channel, list(values.columns))
        column = values[channel]
    elif (isinstance(channel, (int, np.integer)) and not isinstance(channel, bool)
          and 0 <= channel < values.shape[1]):
        column = values.iloc[:, int(channel)]
    else:
        raise InputError(
            f"channel must be a column name or a position in [0, {values.shape[1] - 1}] for "
            f"{name}; received {channel!r}"
        )
    if name == "KDD-TSAD_135":
        train_size = len(pd.read_csv(folder / f"{_FILES[name]}_TRAIN.csv", index_col=0))
    else:
        train_size = len(frame) // 2
    return column.to_numpy(dtype=np.float64), labels, train_size
