"""The house fonts: the pinned manifest, its verification and fontconfig isolation."""
from __future__ import annotations

import hashlib
import os
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TypedDict

from bulletin.support import boundary, cache
from bulletin.errors import ConfigError
from bulletin import PACKAGE_DIR

#: the fonts shipped with the tool, used when a project has no fonts/ folder of its own
TOOL_FONTS = (PACKAGE_DIR / "fonts").resolve()


@dataclass(frozen=True)
class FontFile:
    """One pinned font file and the CSS face it provides."""

    path: Path
    face: str
    weight: int
    role: str
    sha256: str


def fonts_dir(root: Path) -> Path:
    """The project's fonts/ folder, or the tool's own."""
    own = root / "fonts"
    return own if (own / "fonts.toml").is_file() else TOOL_FONTS


@lru_cache(maxsize=4)
def load_fonts(folder: Path) -> tuple[FontFile, ...]:
    """The fonts listed in `folder/fonts.toml`, each verified against its SHA-256 pin."""
    manifest = folder / "fonts.toml"
    entries = read_font_manifest(manifest)
    fonts: list[FontFile] = []
    digests: dict[Path, str] = {}
    known = _known_digests()
    learned = dict(known)
    for entry in entries:
        path = folder / entry["file"]
        if not boundary.inside(path, folder):
            raise ConfigError(f"font file {entry['file']} lies outside {folder.name}/ (a link or '..'); not read", manifest)
        if path not in digests:
            try:
                digests[path] = file_digest(path, known, learned)
            except OSError:
                raise ConfigError(f"font file {entry['file']} is missing", manifest) from None
        if digests[path] != entry["sha256"]:
            raise ConfigError(
                f"font file {entry['file']} differs from its pinned SHA-256; restore it from the repository",
                manifest,
            )
        fonts.append(FontFile(path, entry["face"], entry["weight"], entry["role"], entry["sha256"]))
    if learned != known:
        cache.store(_PINS, learned)
    return tuple(fonts)


#: the largest font manifest read; a real one is a few kilobytes
MAX_MANIFEST_BYTES = 256 * 1024
#: the keys of one [[font]] entry and their types
_FONT_KEYS = {"file": str, "face": str, "weight": int, "role": str, "sha256": str}


class FontEntry(TypedDict):
    """One [[font]] table of a font manifest, checked: the keys of `_FONT_KEYS` with their kinds."""

    file: str
    face: str
    weight: int
    role: str
    sha256: str


def read_font_manifest(manifest: Path) -> list[FontEntry]:
    """The [[font]] entries of a font manifest, validated: one located line for anything malformed."""
    from bulletin.config import read_toml

    data, _ = read_toml(manifest, MAX_MANIFEST_BYTES)
    fonts = data.get("font", [])
    if not isinstance(fonts, list):
        raise ConfigError("'font' must be a list of [[font]] tables", manifest)
    unknown = sorted(set(data) - {"font"})
    if unknown:
        raise ConfigError(f"unknown key '{unknown[0]}' (a font manifest holds [[font]] tables only)", manifest)
    checked: list[FontEntry] = []
    for number, entry in enumerate(fonts, start=1):
        if not isinstance(entry, dict):
            raise ConfigError(f"font entry {number} must be a [[font]] table", manifest)
        for key, kind in _FONT_KEYS.items():
            if key not in entry:
                raise ConfigError(f"font entry {number} lacks '{key}'", manifest)
            if not isinstance(entry[key], kind) or isinstance(entry[key], bool):
                raise ConfigError(f"font entry {number}: '{key}' must be {'a whole number' if kind is int else 'text'}", manifest)
        if not 1 <= entry["weight"] <= 1000:
            raise ConfigError(f"font entry {number}: 'weight' must be between 1 and 1000", manifest)
        checked.append(FontEntry(file=entry["file"], face=entry["face"], weight=entry["weight"], role=entry["role"],
                                 sha256=entry["sha256"]))
    return checked


#: the cache entry mapping a font file's state to the SHA-256 of its bytes in that state
_PINS = "font-states.json"


def _state(path: Path) -> str:
    """The file's identity and state: any write or replacement changes one of them (ctime included)."""
    info = path.stat()
    return f"{path.resolve()}|{info.st_dev}|{info.st_ino}|{info.st_size}|{info.st_mtime_ns}|{info.st_ctime_ns}"


def _known_digests() -> dict[str, str]:
    stored = cache.load(_PINS)
    if isinstance(stored, dict) and all(isinstance(v, str) for v in stored.values()):
        return {str(k): v for k, v in stored.items()}
    return {}


def file_digest(path: Path, known: dict[str, str], learned: dict[str, str]) -> str:
    """The SHA-256 of `path`, hashed in full only when the file's state is not one seen before."""
    state = _state(path)
    if state in known:
        return known[state]
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if _state(path) == state:
        learned[state] = digest
    return digest


def isolate_fontconfig(folder: Path) -> None:
    """Let fontconfig (and so WeasyPrint and Pango) see only the fonts in `folder`.

    Must run before WeasyPrint creates its first FontConfiguration.
    """
    # resolved: a folder reached through a link (verify's temporary project links the
    # project's fonts) must not leave fontconfig pointing into a folder deleted after it
    os.environ["FONTCONFIG_FILE"] = str((folder / "fonts.conf").resolve())
