"""Write output files atomically: a temporary file in the same folder, then a rename.

An interrupted or failed command never leaves a half-written file behind, and the
finished file gets ordinary permissions (0666 minus the umask, as ``open`` would give).
Folders that a write had to create are removed again when it fails.

A command that writes several outputs checks every target first (``check_file_target``,
before any training) and writes them through ``Outputs``: each is finished under a
temporary name, and only when all are done are they moved into place, so a failure
leaves none of them (and any file they would have replaced is kept).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path

from lstmkit.errors import InputError


def umask() -> int:
    """The process's umask (read without changing it for longer than a moment)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


def check_parents(path, name: str) -> Path:
    """Raise naming ``name`` unless ``path``'s folder exists or can be created: its nearest
    existing ancestor must be a folder we may write in. Returns ``path`` as a Path."""
    path = Path(path)
    for parent in path.parents:
        if not os.path.lexists(parent):
            continue
        if not parent.is_dir():
            raise InputError(f"{name} {str(path)!r} cannot be written: {str(parent)!r} is a file, "
                             "not a folder")
        if not os.access(parent, os.W_OK | os.X_OK):
            raise InputError(f"{name} {str(path)!r} cannot be written: no permission to write in "
                             f"folder {str(parent)!r}")
        break
    return path


def check_file_target(path, name: str) -> Path:
    """Raise naming ``name`` (e.g. "--out") unless a file can be written at ``path``: a new
    path or a regular file (never a folder, a symbolic link, a device, a FIFO or a socket,
    which the rename that finishes a write would replace), in a folder that exists or can
    be created. Returns ``path`` as a Path."""
    path = Path(path)
    if path.is_symlink():
        raise InputError(f"{name} {str(path)!r} is a symbolic link; lstmkit writes regular files only (name "
                         f"the file it points to, {os.path.realpath(path)!r}, or remove the link)")
    if path.is_dir():
        raise InputError(f"{name} {str(path)!r} is a folder; give a file name")
    if os.path.lexists(path) and not stat.S_ISREG(os.lstat(path).st_mode):
        raise InputError(f"{name} {str(path)!r} is not a regular file (a device, FIFO or socket); give a "
                         "file name")
    return check_parents(path, name)


# What an output can be written as, by its extension (lower case; "": none, the default format).
TABLE_FORMATS = {".csv": "csv", ".txt": "csv", ".tsv": "tsv", ".parquet": "parquet", ".pq": "parquet",
                 "": "csv"}
TABLE_NAMES = ".csv, .txt, .tsv (tab-separated), .parquet or .pq (Parquet), or no extension (CSV)"
REPORT_FORMATS = {".html": "html", ".htm": "html", "": "html"}
REPORT_NAMES = ".html or .htm, or no extension (HTML)"


def figure_formats() -> dict[str, str]:
    """Extension -> the format matplotlib's savefig writes for it (no extension: PNG)."""
    from matplotlib.backend_bases import FigureCanvasBase

    return {"": "png", **{f".{kind}": kind for kind in FigureCanvasBase.get_supported_filetypes()}}


def output_format(path, name: str, formats: dict[str, str], names: str | None = None) -> str:
    """The format (a value of ``formats``) that ``path``'s extension names; raise naming ``name``
    (e.g. "--out") when the extension is none of them: a file is never written in a format its
    name does not say (CSV text in a .parquet, a PNG in a .csv)."""
    suffix = Path(path).suffix
    if suffix.lower() in formats:
        return formats[suffix.lower()]
    if names is None:
        listed = sorted(s for s in formats if s)
        names = ", ".join(listed[:-1]) + f" or {listed[-1]}, or no extension ({formats[''].upper()})"
    raise InputError(f"{name} {str(path)!r} must end in {names}; received the extension {suffix!r}")


def check_not_input(path, name: str, inputs) -> None:
    """Raise naming ``name`` when output ``path`` is one of the ``inputs`` (files or folders, None
    skipped) or lies inside an input folder: an output must never replace the data it came from."""
    out = Path(os.path.realpath(path))
    for given in inputs:
        if given is None:
            continue
        source = Path(os.path.realpath(given))
        within = source.is_dir() and source in out.parents  # e.g. into a Parquet input folder
        holds = out.is_dir() and out in source.parents  # e.g. a --save folder holding the input
        if out == source or within or holds:
            raise InputError(f"{name} {str(path)!r} would overwrite the input {str(given)!r}; "
                             "write elsewhere")


def check_folder_target(path, name: str) -> Path:
    """Raise naming ``name`` (e.g. "checkpoint_dir") unless ``path`` is a folder or can be
    created as one: not a file, and its nearest existing ancestor a folder we may write in."""
    path = Path(path)
    if os.path.lexists(path) and not path.is_dir():
        raise InputError(f"{name} {str(path)!r} is a file, not a folder; give a folder")
    if path.is_dir():
        if not os.access(path, os.W_OK | os.X_OK):
            raise InputError(f"{name} {str(path)!r} cannot be written: no permission to write in it")
        return path
    return check_parents(path, name)


def make_parents(path, name: str = "file") -> list[Path]:
    """Create the missing folders above ``path``; returns those created, outermost first."""
    path = check_parents(path, name)
    missing = []
    parent = path.parent
    while not os.path.lexists(parent) and parent != parent.parent:
        missing.append(parent)
        parent = parent.parent
    created: list[Path] = []
    for folder in reversed(missing):
        try:
            folder.mkdir()
        except FileExistsError:
            continue
        except OSError as error:
            remove_folders(created)
            raise InputError(f"{name} {str(path)!r} cannot be written: cannot create folder "
                             f"{str(folder)!r} ({error.strerror})") from None
        created.append(folder)
    return created


def remove_folders(created: list[Path]) -> None:
    """Remove the folders ``make_parents`` created (innermost first), where still empty."""
    for folder in reversed(created):
        try:
            folder.rmdir()
        except OSError:
            pass


def atomic_write(path, write: Callable[[str], None], name: str = "file") -> Path:
    """Call ``write(temporary_path)``, then move the result to ``path``; returns ``path``."""
    path = check_file_target(path, name)
    created = make_parents(path, name)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    done = False
    try:
        with write_errors(path, name):
            write(tmp)
        os.chmod(tmp, 0o666 & ~umask())
        os.replace(tmp, path)
        done = True
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
        if not done:
            remove_folders(created)
    return path


@contextlib.contextmanager
def write_errors(path, name: str):
    """A write that fails for the disk's sake (full, read-only, a vanished folder: an OSError, or
    safetensors' SafetensorError wrapping one) becomes one line naming ``name`` and ``path``:
    "--save 'm' could not be written: No space left on device"."""
    try:
        yield
    except Exception as error:
        reason = write_error_reason(error)
        if reason is None:
            raise
        raise InputError(f"{name} {str(path)!r} could not be written: {reason}") from None


def write_error_reason(error: BaseException) -> str | None:
    """Why a write failed, in words ("No space left on device"), or None for an error that is not
    about writing (a bug, which must keep its traceback)."""
    import re
    import sys

    if isinstance(error, OSError):
        return error.strerror or str(error).splitlines()[0]
    safetensors = sys.modules.get("safetensors")
    if safetensors is not None and isinstance(error, safetensors.SafetensorError):
        code = re.search(r"\(os error (\d+)\)", str(error))
        return os.strerror(int(code.group(1))) if code else (str(error).splitlines() or [""])[0]
    return None


WRITER = ".lstmkit-writer"  # the pid of the process writing a temporary output folder
STALE_OLD_S = 3600  # a moved-aside previous output ('-old-') older than this was left by a killed commit


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # (another user's process: alive)
        return True
    return True


def clean_stale(path: Path) -> list[Path]:
    """Remove the temporary folders that an interrupted write of ``path`` left beside it (a
    writer that no longer runs, or a moved-aside old output over an hour old), warning with
    their names; a write still running in another process is left alone."""
    import time
    import warnings

    removed, name = [], Path(path).name
    for entry in Path(path).parent.glob(f".{name}-*"):
        if not entry.is_dir() or entry.is_symlink():
            continue
        writer = entry / WRITER
        try:
            if writer.exists():
                stale = not _alive(int(writer.read_text().strip() or 0))
            else:
                stale = entry.name.startswith(f".{name}-old-") and \
                    time.time() - entry.stat().st_mtime > STALE_OLD_S
        except (OSError, ValueError):
            continue
        if stale:
            shutil.rmtree(entry, ignore_errors=True)
            removed.append(entry)
    if removed:
        warnings.warn(f"removed {len(removed)} temporary folder(s) an interrupted save left beside "
                      f"{str(path)!r}: {', '.join(p.name for p in removed)}", UserWarning, stacklevel=3)
    return removed


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    elif os.path.lexists(path):
        path.unlink()


class Outputs:
    """Several output files (or folders) of one command, written all or nothing.

        outputs = Outputs()
        outputs.file(args.report, lambda tmp: write_report(tmp, ...))
        outputs.folder(args.save, lambda tmp: write_model(model, tmp))
        outputs.commit()          # every output moves into place, or none does

    ``file``/``folder`` finish each output under a temporary name beside its target.
    ``commit`` moves them into place; if one move fails, the outputs already moved are
    removed and the files they replaced are put back. Leaving a ``with Outputs()`` block
    with an error discards everything not committed.
    """

    def __init__(self):
        self._staged: list[tuple[Path, Path]] = []  # (temporary, target)
        self._created: list[Path] = []

    def __enter__(self) -> Outputs:
        return self

    def __exit__(self, *exc) -> None:
        self.discard()

    def file(self, path, write: Callable[[str], object], name: str = "file") -> Path:
        """Run ``write(temporary_path)`` now; the file moves to ``path`` at ``commit``."""
        path = check_file_target(path, name)
        self._created += make_parents(path, name)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=path.suffix, dir=path.parent)
        os.close(fd)
        self._staged.append((Path(tmp), path))
        with write_errors(path, name):
            write(tmp)
        os.chmod(tmp, 0o666 & ~umask())
        return path

    def folder(self, path, write: Callable[[Path], object], name: str = "folder") -> Path:
        """Run ``write(temporary_empty_folder)`` now; the folder moves to ``path`` at ``commit``,
        replacing what is there (the caller has checked that it may)."""
        path = Path(path)
        self._created += make_parents(path, name)
        clean_stale(path)
        tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}-", dir=path.parent))
        (tmp / WRITER).write_text(str(os.getpid()))  # (removed at commit; tells a later save if it died)
        self._staged.append((tmp, path))
        with write_errors(path, name):
            write(tmp)
        os.chmod(tmp, 0o777 & ~umask())
        return path

    def commit(self) -> None:
        """Move every finished output into place: all of them, or (if a move fails) none."""
        done: list[list] = []  # [target, its previous content moved aside (or None), moved in?]
        try:
            for tmp, path in self._staged:
                entry = [path, None, False]
                done.append(entry)
                if os.path.lexists(path):
                    entry[1] = Path(tempfile.mkdtemp(prefix=f".{path.name}-old-", dir=path.parent)) / "old"
                    os.replace(path, entry[1])
                if (tmp / WRITER).exists():
                    (tmp / WRITER).unlink()
                os.replace(tmp, path)
                entry[2] = True
        except BaseException:
            for path, aside, moved_in in reversed(done):
                if moved_in:
                    _remove(path)
                if aside is not None:
                    if os.path.lexists(aside):
                        os.replace(aside, path)
                    shutil.rmtree(aside.parent, ignore_errors=True)
            raise
        for _, aside, _ in done:
            if aside is not None:
                shutil.rmtree(aside.parent, ignore_errors=True)
        self._staged, self._created = [], []

    def discard(self) -> None:
        """Remove every output not yet committed, and the folders created for them."""
        for tmp, _ in self._staged:
            _remove(tmp)
        remove_folders(self._created)
        self._staged, self._created = [], []
