"""Data-parallel training under torchrun (gloo on loopback): same weights as one process.

Each test launches real processes with ``python -m torch.distributed.run`` (torchrun).
"""

from __future__ import annotations

import socket
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from safetensors.numpy import load_file

from lstmkit.train_config import read_config

PARAMS = {"strategy": "direct", "horizon": 4, "epochs": 6, "batch_size": 8, "hidden_size": 8,
          "random_state": 0, "device": "cpu"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _config(tmp_path, name: str, **extra) -> str:
    import yaml

    rng = np.random.default_rng(0)
    t = np.arange(50)
    frame = pd.concat([pd.DataFrame({"unique_id": f"s{k}", "ds": t,
                                     "y": 50 + k + 0.3 * t + 3 * np.sin(t / 2) + rng.normal(0, 0.5, 50)})
                       for k in range(10)])
    data = tmp_path / "data.csv"
    frame.to_csv(data, index=False)
    config = {"task": "forecast", "data": str(data), "output": str(tmp_path / name), "params": PARAMS} | extra
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(config))
    return str(path)


def _train(args: list[str], timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, timeout=timeout)


def _weights(folder) -> dict:
    return load_file(str(folder / "weights.safetensors"))


def test_two_processes_reach_the_weights_of_one(tmp_path):
    one = _train(["-m", "lstmkit.cli", "train", _config(tmp_path, "one")])
    assert one.returncode == 0, one.stderr
    two = _train(["-m", "torch.distributed.run", "--nproc_per_node", "2", "--master_addr", "127.0.0.1",
                  "--master_port", str(_free_port()), "-m", "lstmkit.cli", "train", _config(tmp_path, "two"),
                  "--json"])
    assert two.returncode == 0, two.stderr[-2000:]
    assert two.stdout.count('"world_size": 2') == 1  # one process group of two; rank 0 alone prints
    a, b = _weights(tmp_path / "one"), _weights(tmp_path / "two")
    assert a.keys() == b.keys()
    for key in a:
        np.testing.assert_allclose(a[key], b[key], atol=1e-5, err_msg=key)
    assert not np.allclose(a["0.head.weight"], 0)


def test_two_processes_train_from_parquet_to_the_weights_of_one(tmp_path):
    """Each rank reads the Parquet file into its own memory-mapped store; same weights as one."""
    import yaml

    _config(tmp_path, "csv")
    pd.read_csv(tmp_path / "data.csv").to_parquet(tmp_path / "data.parquet", index=False)
    for name in ("one", "two"):
        config = yaml.safe_load((tmp_path / "csv.yaml").read_text())
        config.update(data=str(tmp_path / "data.parquet"), output=str(tmp_path / name))
        (tmp_path / f"{name}.yaml").write_text(yaml.safe_dump(config))
    one = _train(["-m", "lstmkit.cli", "train", str(tmp_path / "one.yaml")])
    assert one.returncode == 0, one.stderr
    two = _train(["-m", "torch.distributed.run", "--nproc_per_node", "2", "--master_addr", "127.0.0.1",
                  "--master_port", str(_free_port()), "-m", "lstmkit.cli", "train",
                  str(tmp_path / "two.yaml")])
    assert two.returncode == 0, two.stderr[-2000:]
    a, b = _weights(tmp_path / "one"), _weights(tmp_path / "two")
    for key in a:
        np.testing.assert_allclose(a[key], b[key], atol=1e-5, err_msg=key)


def test_two_nodes_on_loopback_train_one_model(tmp_path):
    port = str(_free_port())
    config = _config(tmp_path, "nodes")
    launches = [subprocess.Popen([sys.executable, "-m", "torch.distributed.run", "--nnodes", "2",
                                  "--node_rank", str(rank), "--nproc_per_node", "1", "--master_addr",
                                  "127.0.0.1", "--master_port", port, "-m", "lstmkit.cli", "train", config],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                for rank in (0, 1)]
    outputs = [p.communicate(timeout=180) for p in launches]
    assert all(p.returncode == 0 for p in launches), [o[1][-1500:] for o in outputs]
    assert (tmp_path / "nodes" / "weights.safetensors").exists()
    single = _train(["-m", "lstmkit.cli", "train", _config(tmp_path, "single")])
    assert single.returncode == 0, single.stderr
    a, b = _weights(tmp_path / "single"), _weights(tmp_path / "nodes")
    for key in a:
        np.testing.assert_allclose(a[key], b[key], atol=1e-5, err_msg=key)


@pytest.mark.parametrize("text, message", [
    ("task: forecast\ndata: x.csv\noutput: m\nepochs: 3\n", "unknown key 'epochs'; valid keys: task, data"),
    ("task: forecast\noutput: m\n", "lacks the key 'data'"),
    ("task: classify\ndata: x.csv\noutput: m\n", "'task' must be one of forecast"),
    ("task: forecast\ndata: x.csv\noutput: m\nparams: 3\n", "'params' must be a mapping"),
    ("[1, 2\n", "not valid YAML"),
])
def test_bad_configs_get_one_line_errors(tmp_path, text, message):
    path = tmp_path / "c.yaml"
    path.write_text(text)
    with pytest.raises(ValueError, match=message):
        read_config(path)


def test_cli_train_reports_a_bad_config_with_exit_status_2(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("task: forecast\ndata: x.csv\n")
    proc = _train(["-m", "lstmkit.cli", "train", str(path)])
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and "lacks the key 'output'" in proc.stderr


def _children(pid: int) -> list[int]:
    from pathlib import Path

    kids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                kids.append(int(stat.parent.name))
        except (OSError, IndexError, ValueError):
            continue
    return kids


def test_a_dead_rank_fails_the_job_promptly_and_a_relaunch_resumes(tmp_path):
    import os
    import signal
    import time

    settings = {"checkpoint_dir": str(tmp_path / "ckpt"), "resume": True}
    long_params = {"params": PARAMS | {"epochs": 800}}
    config = _config(tmp_path, "resumed", **settings, **long_params)
    launch = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2", "--master_addr",
              "127.0.0.1", "--master_port", str(_free_port()), "-m", "lstmkit.cli", "train", config]
    job = subprocess.Popen(launch, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not list((tmp_path / "ckpt").glob("*.safetensors")) and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(1.0)
    workers = _children(job.pid)
    assert len(workers) == 2 and job.poll() is None
    os.kill(workers[1], signal.SIGKILL)
    killed = time.monotonic()
    job.communicate(timeout=90)
    assert job.returncode != 0 and time.monotonic() - killed < 60
    assert not (tmp_path / "resumed").exists()  # no model from a failed job
    port = launch.index("--master_port") + 1  # a fresh port: the killed job's may linger
    relaunch = _train(launch[1:port] + [str(_free_port())] + launch[port + 1 : -1] + [config], timeout=300)
    assert relaunch.returncode == 0, relaunch.stderr[:3000] + " ... " + relaunch.stderr[-1500:]
    whole = _train(["-m", "lstmkit.cli", "train", _config(tmp_path, "whole", **long_params)], timeout=300)
    assert whole.returncode == 0, whole.stderr
    a, b = _weights(tmp_path / "whole"), _weights(tmp_path / "resumed")
    for key in a:
        np.testing.assert_allclose(a[key], b[key], atol=1e-5, err_msg=key)


def test_predict_command_forecasts_every_series_of_a_trained_global_model(tmp_path):
    config = _config(tmp_path, "model")
    assert _train(["-m", "lstmkit.cli", "train", config]).returncode == 0
    out = tmp_path / "f.parquet"
    proc = _train(["-m", "lstmkit.cli", "predict", str(tmp_path / "model"), str(tmp_path / "data.csv"),
                   "--horizon", "3", "--out", str(out)])
    assert proc.returncode == 0, proc.stderr
    frame = pd.read_parquet(out)
    assert list(frame.columns) == ["unique_id", "ds", "lstmkit"] and len(frame) == 30
    assert list(frame[frame.unique_id == "s0"].ds) == [50, 51, 52]
