"""The house fonts: the pinned manifest, its verification and fontconfig isolation."""
from __future__ import annotations

import hashlib
import os
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from . import cache
from .errors import ConfigError

#: the fonts shipped with the tool, used when a project has no fonts/ folder of its own
TOOL_FONTS = Path(__file__).resolve().parent.parent / "fonts"


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
    try:
        data = tomllib.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read the font manifest: {exc}", manifest) from None
    fonts: list[FontFile] = []
    digests: dict[Path, str] = {}
    known = _known_digests()
    learned = dict(known)
    for entry in data.get("font", []):
        path = folder / entry["file"]
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
        fonts.append(FontFile(path, entry["face"], int(entry["weight"]), entry["role"], entry["sha256"]))
    if learned != known:
        cache.store(_PINS, learned)
    return tuple(fonts)


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
    os.environ["FONTCONFIG_FILE"] = str(folder / "fonts.conf")
