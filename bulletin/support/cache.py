"""A small on-disk cache of derived data, each entry checked by its own SHA-256.

The folder is $BULLETIN_CACHE, else ~/.cache/bulletin. An entry that is missing,
unreadable or whose checksum does not match is ignored and recomputed; a folder that
cannot be written only costs the time of recomputing.
"""
from __future__ import annotations

import hashlib
import json
import os
import stat
import tempfile
from pathlib import Path
from typing import Any


def cache_dir() -> Path:
    """Where cached entries live."""
    configured = os.environ.get("BULLETIN_CACHE")
    return Path(configured) if configured else Path.home() / ".cache" / "bulletin"


def _checksum(payload: str) -> str:
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def load(name: str) -> Any | None:
    """The value stored under `name`, or None when absent or damaged."""
    try:
        entry = json.loads((cache_dir() / name).read_text(encoding="utf-8"))
        payload = entry["payload"]
        if not isinstance(payload, str) or entry.get("sha256") != _checksum(payload):
            return None
        return json.loads(payload)
    except (OSError, ValueError, KeyError, TypeError):
        return None


def store(name: str, value: Any) -> None:
    """Store `value` (JSON) under `name`, whole or not at all; failures are ignored."""
    payload = json.dumps(value, separators=(",", ":"), sort_keys=True)
    folder = cache_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=f".{name}.", suffix=".tmp")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                json.dump({"payload": payload, "sha256": _checksum(payload)}, stream)
            os.replace(temporary, folder / name)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    except OSError:
        pass


def file_state(path: Path) -> str:
    """A file's identity and state: any write or replacement changes one of them (ctime included)."""
    info = path.stat()
    return f"{path.resolve()}|{info.st_dev}|{info.st_ino}|{info.st_size}|{info.st_mtime_ns}|{info.st_ctime_ns}"


class FileDigests:
    """SHA-256 of files, known from their state when it is one seen before, so that unchanged files are never read.

    A file whose state is new is read (the bytes are kept in `read` for whoever needs
    them next) and hashed; its digest is remembered under that state only if the state
    did not change during the read. `save` stores what was used and learned.
    """

    #: at most this many states are kept; the least recently stored go first
    LIMIT = 50_000

    def __init__(self, name: str) -> None:
        self.name = name
        stored = load(name)
        self.known: dict[str, str] = (
            {str(k): v for k, v in stored.items() if isinstance(v, str)} if isinstance(stored, dict) else {}
        )
        self.learned: dict[str, str] = {}
        self.read: dict[Path, bytes] = {}

    def __call__(self, path: Path) -> str | None:
        """The SHA-256 of the file at `path`, or None when it cannot be read."""
        try:
            state = file_state(path)
            if state in self.known:
                return self.known[state]
            if not stat.S_ISREG(path.stat().st_mode):
                return None  # a FIFO or device is never opened: the build reports it
            data = path.read_bytes()
        except OSError:
            return None
        digest = hashlib.sha256(data).hexdigest()
        self.read[path.resolve()] = data
        try:
            if file_state(path) == state:
                self.learned[state] = digest
        except OSError:
            pass
        return digest

    def save(self) -> None:
        """Store the states learned in this run with those known before (nothing when nothing was learned)."""
        if not self.learned:
            return
        renewed = {state.rsplit("|", 5)[0] for state in self.learned}
        # a file keeps only its latest state: the ones before it can never match again
        merged = {state: sha for state, sha in self.known.items() if state.rsplit("|", 5)[0] not in renewed}
        merged.update(self.learned)
        if len(merged) > self.LIMIT:
            merged = dict(list(merged.items())[-self.LIMIT :])
        store(self.name, merged)
