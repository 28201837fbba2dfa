"""The house fonts: the pinned manifest, its verification and fontconfig isolation."""
from __future__ import annotations

import hashlib
import os
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

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
    for entry in data.get("font", []):
        path = folder / entry["file"]
        if path not in digests:
            try:
                digests[path] = hashlib.sha256(path.read_bytes()).hexdigest()
            except OSError:
                raise ConfigError(f"font file {entry['file']} is missing", manifest) from None
        if digests[path] != entry["sha256"]:
            raise ConfigError(
                f"font file {entry['file']} differs from its pinned SHA-256; restore it from the repository",
                manifest,
            )
        fonts.append(FontFile(path, entry["face"], int(entry["weight"]), entry["role"], entry["sha256"]))
    return tuple(fonts)


def isolate_fontconfig(folder: Path) -> None:
    """Let fontconfig (and so WeasyPrint and Pango) see only the fonts in `folder`.

    Must run before WeasyPrint creates its first FontConfiguration.
    """
    os.environ["FONTCONFIG_FILE"] = str(folder / "fonts.conf")
