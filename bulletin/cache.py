"""A small on-disk cache of derived data, each entry checked by its own SHA-256.

The folder is $BULLETIN_CACHE, else ~/.cache/bulletin. An entry that is missing,
unreadable or whose checksum does not match is ignored and recomputed; a folder that
cannot be written only costs the time of recomputing.
"""
from __future__ import annotations

import hashlib
import json
import os
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
