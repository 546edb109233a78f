"""Write output files atomically: a temporary file in the same folder, then a rename.

An interrupted or failed command never leaves a half-written file behind, and the
finished file gets ordinary permissions (0666 minus the umask, as ``open`` would give).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path


def atomic_write(path, write: Callable[[str], None]) -> Path:
    """Call ``write(temporary_path)``, then move the result to ``path``; returns ``path``."""
    path = Path(path)
    if path.is_dir():
        from lstmkit.errors import InputError

        raise InputError(f"cannot write {str(path)!r}: it is a directory")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    try:
        write(tmp)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return path
