"""Outputs never replace what is not a regular file: devices, FIFOs, sockets, symbolic links."""

import os

import pytest

from lstmkit.cli import main


def run(capsys, *args):
    code = main(["forecast", "--epochs", "1", "--no-plot", *args])
    return code, capsys.readouterr().err.strip()


def test_a_device_file_is_refused_before_training(capsys, monkeypatch):
    import lstmkit.tasks.forecaster

    monkeypatch.setattr(lstmkit.tasks.forecaster, "train", lambda *a, **k: pytest.fail("trained"))
    code, err = run(capsys, "--out", os.devnull)
    assert code == 2 and "is not a regular file (a device, FIFO or socket)" in err
    assert len(err.splitlines()) == 1
    assert os.path.exists(os.devnull) and not os.path.isfile(os.devnull)  # still the device


def test_a_symbolic_link_is_refused_and_its_target_kept(capsys, tmp_path):
    target = tmp_path / "precious.csv"
    target.write_text("keep me\n")
    link = tmp_path / "out.csv"
    link.symlink_to(target)
    for flag in ("--out", "--report"):
        code, err = run(capsys, flag, str(link))
        assert code == 2 and "is a symbolic link; lstmkit writes regular files only" in err
    assert link.is_symlink() and target.read_text() == "keep me\n"


def test_a_fifo_is_refused(capsys, tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    code, err = run(capsys, "--out", str(fifo))
    assert code == 2 and "not a regular file" in err


def test_a_symlinked_plot_is_refused_too(capsys, tmp_path):
    (tmp_path / "real.png").write_bytes(b"")
    (tmp_path / "plot.png").symlink_to(tmp_path / "real.png")
    code = main(["forecast", "--epochs", "1", "--plot", str(tmp_path / "plot.png")])
    err = capsys.readouterr().err
    assert code == 2 and "symbolic link" in err


def test_a_save_cleans_the_temporary_folder_a_killed_save_left_and_says_so(tmp_path):
    import subprocess
    import sys

    import numpy as np

    from lstmkit import Forecaster

    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = tmp_path / ".model-abcd1234"  # as a save killed with -9 leaves it
    stale.mkdir()
    (stale / ".lstmkit-writer").write_text(str(dead.pid))
    (stale / "weights.safetensors").write_bytes(b"half")
    running = tmp_path / ".model-efgh5678"  # another process's save, still running: left alone
    running.mkdir()
    (running / ".lstmkit-writer").write_text(str(os.getpid()))
    model = Forecaster(epochs=1, random_state=0).fit(np.arange(30.0) + 1)
    message = r"removed 1 temporary folder\(s\) an interrupted save left .*abcd1234"
    with pytest.warns(UserWarning, match=message):
        model.save(tmp_path / "model")
    assert not stale.exists() and running.exists()
    assert sorted(p.name for p in (tmp_path / "model").iterdir()) == [
        "config.json", "preprocessing.json", "weights.safetensors"]


def test_a_full_disk_is_one_line_and_leaves_nothing_half_written(tmp_path, capsys, monkeypatch):
    import errno

    import numpy as np

    import lstmkit.persistence
    from lstmkit import Forecaster, InputError

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    model = Forecaster(epochs=1, random_state=0).fit(np.arange(30.0) + 1)
    monkeypatch.setattr(lstmkit.persistence, "write_model", lambda estimator, folder: full())
    with pytest.raises(InputError, match=r"could not be written: No space left on device$"):
        model.save(tmp_path / "m")
    assert list(tmp_path.iterdir()) == []  # no model, no temporary folder
    code = main(["forecast", "--epochs", "1", "--no-plot", "--save", str(tmp_path / "m")])
    err = [line for line in capsys.readouterr().err.splitlines() if "epoch" not in line]  # (progress)
    assert code == 2 and len(err) == 1 and "No space left on device" in err[0] and "Traceback" not in err[0]
    assert list(tmp_path.iterdir()) == []


def test_a_full_disk_inside_safetensors_is_one_line_naming_the_save(tmp_path, capsys, monkeypatch):
    """safetensors reports a full disk as its own SafetensorError, not an OSError (the hunt's
    full_save case: a 23-line traceback and exit 1)."""
    import numpy as np
    import safetensors.torch
    from safetensors import SafetensorError

    from lstmkit import Forecaster, InputError

    def full(*args, **kwargs):
        raise SafetensorError("Error while serializing: I/O error: No space left on device (os error 28)")

    monkeypatch.setattr(safetensors.torch, "save_file", full)
    model = Forecaster(epochs=1, random_state=0).fit(np.arange(30.0) + 1)
    target = tmp_path / "full" / "m"
    with pytest.raises(InputError, match=rf"^path {str(target)!r} could not be written: No space left on "
                                         "device$"):
        model.save(target)
    assert list(tmp_path.iterdir()) == []  # no model, no temporary folder, no created parent
    code = main(["forecast", "--epochs", "1", "--no-plot", "--save", str(target)])
    err = [line for line in capsys.readouterr().err.splitlines() if "epoch" not in line]  # (progress)
    assert code == 2 and err == [f"lstmkit forecast: error: --save {str(target)!r} could not be written: No "
                                 "space left on device"]
    assert list(tmp_path.iterdir()) == []


def test_a_full_disk_writing_the_json_files_names_the_save_too(tmp_path, capsys, monkeypatch):
    import errno

    import lstmkit.persistence

    def full(path, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(lstmkit.persistence, "_write_json", full)
    code = main(["forecast", "--epochs", "1", "--no-plot", "--save", str(tmp_path / "m")])
    err = [line for line in capsys.readouterr().err.splitlines() if "epoch" not in line]
    assert code == 2 and err == [f"lstmkit forecast: error: --save {str(tmp_path / 'm')!r} could not be "
                                 "written: No space left on device"]
    assert list(tmp_path.iterdir()) == []


def test_a_full_disk_while_checkpointing_is_one_line_and_leaves_no_temporary_file(tmp_path, monkeypatch):
    import numpy as np
    import safetensors.torch
    from safetensors import SafetensorError

    from lstmkit import Forecaster, InputError

    def full(*args, **kwargs):
        raise SafetensorError("Error while serializing: I/O error: No space left on device (os error 28)")

    monkeypatch.setattr(safetensors.torch, "save_file", full)
    with pytest.raises(InputError, match=r"^checkpoint '.*network-0.safetensors' could not be written: No "
                                         "space left on device$"):
        Forecaster(epochs=2, random_state=0).fit(np.arange(30.0) + 1, checkpoint_dir=tmp_path / "ck")
    assert not (tmp_path / "ck").exists() or list((tmp_path / "ck").iterdir()) == []
