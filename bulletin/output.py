"""Stage: writing outputs. Every file is replaced whole or not at all."""
from __future__ import annotations

import contextlib
import os
import re
import shutil
import stat
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from bulletin.errors import UsageError


#: the register of temporary files the tool created in a build folder: one entry per temporary
REGISTER_NAME = ".bulletin-temporaries"
#: how far above a written file a build folder's register is looked for (out/print/2026/x.pdf)
_REGISTER_DEPTH = 3


def _register_of(path: Path) -> Path | None:
    """The register of the build folder `path` is written into, if it lies in one."""
    for folder in list(path.parents)[:_REGISTER_DEPTH]:
        register = folder / REGISTER_NAME
        try:
            if stat.S_ISDIR(os.lstat(register).st_mode):
                return register
        except OSError:
            continue
    return None


def _refuse(path: Path, existing: os.stat_result | None) -> int:
    """The mode a new file at `path` gets; a link, special file, folder or read-only file is refused."""
    if existing is None:
        return 0o644
    if stat.S_ISLNK(existing.st_mode):
        raise UsageError("is a symbolic link; it is not written through", path)
    if stat.S_ISDIR(existing.st_mode):
        raise UsageError("cannot write here: Is a directory", path)
    if not stat.S_ISREG(existing.st_mode):
        raise UsageError("is not a regular file (a FIFO, device or socket); not written", path)
    if not existing.st_mode & stat.S_IWUSR:
        raise UsageError("is read-only; not rewritten", path)
    return stat.S_IMODE(existing.st_mode)


def _lstat(path: Path) -> os.stat_result | None:
    try:
        return os.lstat(path)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise UsageError(f"cannot write here: {exc.strerror or exc}", path) from None


def _inside(path: Path, folder: Path) -> None:
    """Refuse `path` when its folder, links followed, lies outside `folder` (a subfolder linked elsewhere)."""
    parent = path.parent
    while parent != folder and parent.is_relative_to(folder) and not os.path.lexists(parent):
        parent = parent.parent  # not made yet: what exists of it must be inside
    if parent != folder and not parent.resolve().is_relative_to(folder.resolve()):
        where = next((p for p in (path.parent, *path.parent.parents) if p.is_symlink()), path.parent)
        raise UsageError(f"is a link to {where.resolve()}, outside {folder}; nothing is written through it", where)


@dataclass
class _Staged:
    """A temporary file written beside its target, not yet renamed over it."""

    target: Path
    temp: Path
    entry: Path | None
    backup: Path | None = None


def _stage(path: Path, data: bytes) -> _Staged:
    """Write `data` to a registered temporary file beside `path`, flushed to disk."""
    mode = _refuse(path, _lstat(path))
    register = _register_of(path)
    entry: Path | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # the writer's process id in the name lets a later build tell a dead writer's leftover
        fd, temp = tempfile.mkstemp(prefix=f".{path.name}.{os.getpid()}.", suffix=".part", dir=path.parent)
    except OSError as exc:
        raise UsageError(f"cannot write here: {exc.strerror or exc}", path) from None
    staged = _Staged(path, Path(temp), None)
    try:
        if register is not None:
            entry = register / f"{os.getpid()}.{Path(temp).name}"
            entry.write_text(os.path.relpath(temp, register.parent), encoding="utf-8")
            staged.entry = entry
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, mode)
    except BaseException as exc:
        _discard(staged)
        if isinstance(exc, OSError):
            raise UsageError(f"cannot write here: {exc.strerror or exc}", path) from None
        raise
    return staged


def _discard(staged: _Staged) -> None:
    """Remove a staged temporary (and its backup and register entry) that is not needed any more."""
    for leftover in (staged.temp, staged.backup, staged.entry):
        if leftover is not None:
            try:
                os.unlink(leftover)
            except FileNotFoundError:
                pass


def _replace(staged: _Staged) -> None:
    """Rename the temporary over its target; a file locked by another program is one clear line."""
    try:
        os.replace(staged.temp, staged.target)
    except PermissionError:
        raise UsageError(
            "cannot replace the file: another program has it open or locked (or the folder is not writable); "
            "close it and try again",
            staged.target,
        ) from None
    except OSError as exc:
        raise UsageError(f"cannot write here: {exc.strerror or exc}", staged.target) from None


def _sync_folder(folder: Path) -> None:
    try:
        handle = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


def write_all(files: dict[Path, bytes], inside: Path | None = None) -> None:
    """Replace every file of `files` or none: all are staged first, then renamed in turn.

    When a rename fails (a file locked by another program, say), the files already
    replaced get their old bytes back, so the outputs of one issue never mix two builds.
    With `inside`, every file must lie in that folder with links followed.
    """
    if inside is not None:
        for path in files:
            _inside(path, inside)
    staged: list[_Staged] = []
    try:
        for path, data in files.items():
            staged.append(_stage(path, data))
        if len(staged) > 1:
            for item in staged:
                if os.path.lexists(item.target):
                    item.backup = item.temp.with_suffix(".old")
                    try:
                        os.link(item.target, item.backup)  # the old bytes, kept until every rename is done
                    except OSError:
                        shutil.copy2(item.target, item.backup)
        done: list[_Staged] = []
        try:
            for item in staged:
                _replace(item)
                done.append(item)
        except BaseException:
            for item in reversed(done):
                if item.backup is not None:
                    os.replace(item.backup, item.target)
                    item.backup = None
                else:
                    os.unlink(item.target)
            raise
    except OSError as exc:
        raise UsageError(f"cannot write here: {exc.strerror or exc}", staged[-1].target if staged else None) from None
    finally:
        for item in staged:
            _discard(item)
    for folder in sorted({item.target.parent for item in staged}):
        _sync_folder(folder)


def atomic_write(path: Path, data: bytes, inside: Path | None = None) -> None:
    """Write `data` to `path` through a temporary file in the same folder, fsync and rename.

    A reader (or a crash) sees the old file or the new one, never a mix; on failure the
    temporary file is removed and the old file is left untouched. A file rewritten keeps
    its mode (0600 stays 0600); a read-only file, a symbolic link or a special file
    (FIFO, device, socket) at `path` is refused, so a write never goes through a link.
    In a build folder, the temporary is registered so that only it can be swept later.
    """
    write_all({path: data}, inside)


_TEMPORARY = re.compile(r"^\..+\.(\d+)\.[A-Za-z0-9_]+\.part$")


def _alive(pid: int) -> bool:
    """Whether process `pid` still runs (psutil: the same answer on POSIX and Windows)."""
    import psutil

    return psutil.pid_exists(pid)


def remove_stale_temporaries(folder: Path) -> list[Path]:
    """Delete the temporaries of writers killed mid-write in build folder `folder`; return them.

    Only files in the folder's register (`.bulletin-temporaries`, one entry per temporary
    the tool created) are considered: a file that merely looks like a temporary is never
    touched. The register is created here, so later writes into `folder` are registered.
    """
    register = folder / REGISTER_NAME
    removed: list[Path] = []
    try:
        if folder.is_symlink() or not folder.is_dir():
            return removed
        register.mkdir(exist_ok=True)
        if not stat.S_ISDIR(os.lstat(register).st_mode):
            return removed
        names = sorted(os.listdir(register))
    except OSError:
        return removed
    for name in names:
        pid, _, _ = name.partition(".")
        if not pid.isdigit() or _alive(int(pid)):
            continue
        entry = register / name
        try:
            relative = entry.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError):
            relative = ""
        part = (folder / relative) if relative else None
        if (
            part is not None
            and _TEMPORARY.match(part.name)
            and part.name.split(".")[-3] == pid
            and part.parent.resolve().is_relative_to(folder.resolve())
        ):
            try:
                if stat.S_ISREG(os.lstat(part).st_mode):
                    os.unlink(part)
                    removed.append(part)
            except OSError:
                pass
            backup = part.with_suffix(".old")
            try:
                if stat.S_ISREG(os.lstat(backup).st_mode):
                    os.unlink(backup)
            except OSError:
                pass
        try:
            os.unlink(entry)
        except OSError:
            pass
    return removed


LOCK_NAME = ".bulletin.lock"


@contextlib.contextmanager
def directory_lock(folder: Path) -> Iterator[None]:
    """Hold an exclusive lock on the existing folder `folder` itself, leaving no file in it (a project, which is committed).

    POSIX: fcntl.flock on the directory, released when the holder exits or dies.
    Windows, where a directory cannot be locked: `folder_lock`'s lock file.
    """
    if sys.platform == "win32":  # pragma: no cover
        with folder_lock(folder):
            yield
        return
    import fcntl

    fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


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
