"""Writing result files so that a reader, or a crash, never sees half of one."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path


def write_atomically(path: Path, write: Callable[[Path], object]) -> None:
    """Call ``write`` on a temporary name beside ``path``, then rename it into place.

    A rename within one folder is atomic on POSIX file systems: ``path`` is either the old
    file, or the whole new one.
    """
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        write(temporary)
        temporary.replace(path)
    finally:
        temporary.unlink(missing_ok=True)


def write_text_atomically(path: Path, text: str) -> None:
    """``path.write_text(text)`` (UTF-8), atomically."""
    write_atomically(path, lambda temporary: temporary.write_text(text, encoding="utf-8"))
