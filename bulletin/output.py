"""Stage: writing outputs. Every file is replaced whole or not at all."""
from __future__ import annotations

import contextlib
import os
import re
import stat
import sys
import tempfile
from pathlib import Path
from typing import Iterator

from .errors import UsageError


def atomic_write(path: Path, data: bytes) -> None:
    """Write `data` to `path` through a temporary file in the same folder, fsync and rename.

    A reader (or a crash) sees the old file or the new one, never a mix; on failure the
    temporary file is removed and the old file is left untouched. A file rewritten keeps
    its mode (0600 stays 0600); a read-only file, a symbolic link or a special file
    (FIFO, device, socket) at `path` is refused, so a write never goes through a link.
    """
    mode = 0o644
    try:
        existing = os.lstat(path)
    except FileNotFoundError:
        existing = None
    except OSError as exc:
        raise UsageError(f"cannot write here: {exc.strerror or exc}", path) from None
    if existing is not None:
        if stat.S_ISLNK(existing.st_mode):
            raise UsageError("is a symbolic link; it is not written through", path)
        if not stat.S_ISREG(existing.st_mode) and not stat.S_ISDIR(existing.st_mode):
            raise UsageError("is not a regular file (a FIFO, device or socket); not written", path)
        if stat.S_ISREG(existing.st_mode):
            if not existing.st_mode & stat.S_IWUSR:
                raise UsageError("is read-only; not rewritten", path)
            mode = stat.S_IMODE(existing.st_mode)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # the writer's process id in the name lets a later build tell a dead writer's leftover
        fd, temp = tempfile.mkstemp(prefix=f".{path.name}.{os.getpid()}.", suffix=".part", dir=path.parent)
    except OSError as exc:
        raise UsageError(f"cannot write here: {exc.strerror or exc}", path) from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, mode)
        os.replace(temp, path)
    except BaseException as exc:
        try:
            os.unlink(temp)
        except FileNotFoundError:
            pass
        if isinstance(exc, OSError):
            raise UsageError(f"cannot write here: {exc.strerror or exc}", path) from None
        raise
    try:
        folder = os.open(path.parent, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(folder)
    finally:
        os.close(folder)


_TEMPORARY = re.compile(r"^\..+\.(\d+)\.[A-Za-z0-9_]+\.part$")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale_temporaries(folder: Path) -> list[Path]:
    """Delete the temporary files of writers that were killed mid-write below `folder`; return them."""
    removed: list[Path] = []
    for part in folder.rglob(".*.part") if folder.is_dir() else []:
        match = _TEMPORARY.match(part.name)
        if match and not _alive(int(match.group(1))):
            try:
                part.unlink()
            except OSError:
                continue
            removed.append(part)
    return removed


LOCK_NAME = ".bulletin.lock"


@contextlib.contextmanager
def folder_lock(folder: Path) -> Iterator[None]:
    """Hold an exclusive lock on `folder` (a build folder) while its shared records are merged.

    POSIX: fcntl.flock on `folder/.bulletin.lock`, released when the holder exits or dies.
    Windows: msvcrt.locking on the same file. The lock file is empty and stays in place.
    """
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder / LOCK_NAME, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o644)
    try:
        if sys.platform == "win32":  # pragma: no cover
            import msvcrt

            msvcrt.locking(fd, msvcrt.LK_LOCK, 1)
        else:
            import fcntl

            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock
