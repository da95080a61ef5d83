"""Writing result files so that a reader, a crash or another user of the machine never sees
half of one, or one that is not theirs to see.

Run folders, the runs index, annual reports and board papers hold OFFICIAL-SENSITIVE data:
folders are made ``0750`` and files ``0640`` (owner and group; nobody else) whatever the
umask, and nothing is ever written with wider modes first (docs/decisions.md).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

FOLDER_MODE = 0o750
FILE_MODE = 0o640
PRIVATE_UMASK = 0o027
"""The umask under which notebooks run: what papermill, nbconvert and the kernel create is
``0640`` / ``0750`` from the first byte."""


def make_folder(path: Path) -> Path:
    """Make ``path`` (and its missing parents) with mode ``0750``; an existing folder is left
    as it is (the runs folder a co-ordinator made keeps the modes they gave it).

    ``mkdir(mode=0o750)`` can only give less than ``0750`` under any umask, so the folder is
    never open to others, not even for a moment; ``chmod`` then gives the group its bits.
    """
    if path.is_dir():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        path.mkdir(mode=FOLDER_MODE)
    except FileExistsError:
        if not path.is_dir():
            raise
        return path  # made by someone else in the meantime: theirs
    _chmod_folder(path)
    return path


def new_folder(path: Path) -> None:
    """Make ``path`` with mode ``0750``; raises :class:`FileExistsError` when it exists."""
    path.mkdir(mode=FOLDER_MODE)
    _chmod_folder(path)


def _chmod_folder(path: Path) -> None:
    """``0750``, keeping the set-group-id bit a folder inherits from a parent that has it (a
    runs folder shared by a group: what is made in it keeps the group)."""
    os.chmod(path, FOLDER_MODE | (path.stat().st_mode & stat.S_ISGID))


def restrict(paths: Iterable[Path]) -> None:
    """Give each regular file ``0640`` and each folder ``0750`` (symbolic links are not
    followed, and a path that is gone is skipped)."""
    for path in paths:
        if path.is_symlink() or not path.exists():
            continue
        if path.is_dir():
            _chmod_folder(path)
        else:
            os.chmod(path, FILE_MODE)


@contextmanager
def private_umask() -> Iterator[None]:
    """Run a block under umask ``027``: files it creates (papermill's notebook, nbconvert's
    HTML, files written by a kernel started in it) are ``0640`` at most from the start.

    The umask belongs to the whole process; it is restored when the block ends.
    """
    previous = os.umask(PRIVATE_UMASK)
    try:
        yield
    finally:
        os.umask(previous)


def write_atomically(path: Path, write: Callable[[Path], object]) -> None:
    """Call ``write`` on a temporary name beside ``path``, then rename it into place.

    A rename within one folder is atomic on POSIX file systems: ``path`` is either the old
    file, or the whole new one. The file is ``0640``: the temporary is created with that mode
    before anything is written to it.
    """
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        os.close(os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE))
        write(temporary)
        os.chmod(temporary, FILE_MODE)  # the umask may have taken the group's bit
        temporary.replace(path)
    finally:
        temporary.unlink(missing_ok=True)


def write_text_atomically(path: Path, text: str) -> None:
    """``path.write_text(text)`` (UTF-8), atomically, mode ``0640``."""
    write_atomically(path, lambda temporary: temporary.write_text(text, encoding="utf-8"))


def write_bytes_atomically(path: Path, data: bytes) -> None:
    """``path.write_bytes(data)``, atomically, mode ``0640``."""
    write_atomically(path, lambda temporary: temporary.write_bytes(data))
