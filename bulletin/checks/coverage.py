"""Check stage: glyph coverage — the characters of an issue that no house font can draw.

A character is drawn from the first face of its role's chain (the CSS font-family
list of the PDF template) that has it; one that none has would print as an empty box.
Every chain ends in the wide-coverage fallback, as the template's lists do.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from bulletin.support import cache
from bulletin.config import Config, key_line
from bulletin.errors import BulletinError, ConfigError, ContentError
from bulletin.support.fonts import fonts_dir, load_fonts
from bulletin.house import COVERAGE_CHAINS
from bulletin.source import Source

#: role -> the faces that draw it, in the order the renderers try them (from the house)
CHAINS: dict[str, tuple[str, ...]] = COVERAGE_CHAINS

#: characters that are never drawn as glyphs: controls, format characters, separators
_INVISIBLE = {"Cc", "Cf", "Zs", "Zl", "Zp"}


@dataclass(frozen=True)
class Missing:
    """A character no face of its role has, and where it stands in the issue file."""

    char: str
    line: int
    column: int
    role: str

    def error(self, path: Path, refusing: bool = False, kind: type[BulletinError] = ContentError) -> BulletinError:
        """The problem as a located error; `refusing` adds how to build anyway."""
        anyway = "; 'bulletin build --allow-missing-glyphs' makes the PDF anyway" if refusing else ""
        return kind(
            f"no house font has '{self.char}' (U+{ord(self.char):04X}) for the {self.role}: "
            f"it would print as an empty box{anyway}",
            path,
            self.line,
            self.column,
        )


@lru_cache(maxsize=4)
def face_coverage(folder: Path) -> dict[str, frozenset[int]]:
    """The code points each house face covers, over all its weights."""
    faces: dict[str, set[int]] = {}
    for font in load_fonts(folder):
        faces.setdefault(font.face, set()).update(font_points(font.path, font.sha256))
    return {face: frozenset(points) for face, points in faces.items()}


def font_points(path: Path, sha256: str) -> list[int]:
    """The code points of the font file whose verified SHA-256 is `sha256`.

    Computed once per font (fontTools decompiles the cmap) and cached under that hash.
    """
    name = f"cmap-{sha256}.json"
    cached = cache.load(name)
    if isinstance(cached, list) and all(isinstance(point, int) for point in cached):
        return cached
    from fontTools.ttLib import TTFont

    with TTFont(path, lazy=True) as loaded:
        points = sorted(loaded.getBestCmap())
    cache.store(name, points)
    return points


def drawn_by(char: str, role: str, folder: Path, chains: dict[str, tuple[str, ...]] | None = None) -> str | None:
    """The face that draws `char` in `role` (by the house's `chains`), or None when none can."""
    faces = face_coverage(folder)
    return next((face for face in (chains or CHAINS)[role] if ord(char) in faces.get(face, ())), None)


def _roles(source: Source) -> list[str]:
    """The role of each line of the file (1-based: index 0 is line 1)."""
    roles: list[str] = []
    in_note = False
    for number, line in enumerate(source.text.split("\n"), start=1):
        if source.front_line <= number < source.body_line - 1:
            if line[:1] not in (" ", "\t", ""):
                in_note = line.startswith("editor_note:")
            roles.append("title" if line.startswith("title:") else "editor's note" if in_note else "body")
        elif line.startswith("## "):
            roles.append("level-1 heading")
        elif line.startswith("### "):
            roles.append("level-2 heading")
        else:
            roles.append("body")
    return roles


def missing_glyphs(source: Source, folder: Path, chains: dict[str, tuple[str, ...]] | None = None) -> list[Missing]:
    """Every character of the file, front matter included, that no face of its role covers
    (by the house's `chains`, the default house's when not given)."""
    missing = []
    for number, (line, role) in enumerate(zip(source.text.split("\n"), _roles(source)), start=1):
        for column, char in enumerate(line, start=1):
            if unicodedata.category(char) in _INVISIBLE:
                continue
            if drawn_by(char, role, folder, chains) is None:
                missing.append(Missing(char, number, column, role))
    return missing


def coverage_problems(
    source: Source, folder: Path, refusing: bool = False, chains: dict[str, tuple[str, ...]] | None = None
) -> list[BulletinError]:
    """The missing glyphs of the file as located errors."""
    return [missing.error(source.path, refusing) for missing in missing_glyphs(source, folder, chains)]


#: the bulletin.toml values the PDF prints, and the role that prints each
CONFIG_ROLES: dict[tuple[str, str], str] = {
    ("series", "name"): "title",
    ("series", "kind"): "title",
    ("series", "publisher"): "body",
    ("series", "tagline"): "editor's note",
    ("contact", "phone"): "body",
    ("contact", "fax"): "body",
    ("contact", "address"): "body",
}


def config_coverage_problems(config: Config, refusing: bool = False) -> list[BulletinError]:
    """The characters of the printed bulletin.toml values that no face of their role has."""
    folder = fonts_dir(config.root)
    chains = config.house.coverage_chains()
    try:
        lines = config.path.read_text(encoding="utf-8-sig").split("\n")
    except OSError:
        lines = []
    problems: list[BulletinError] = []
    for (table, key), role in CONFIG_ROLES.items():
        value: str = getattr(getattr(config, table), key)
        number = key_line("\n".join(lines), (table, key))
        text = lines[number - 1] if number and number <= len(lines) else ""
        start = text.find(value) if value else -1
        for offset, char in enumerate(value):
            if unicodedata.category(char) in _INVISIBLE or drawn_by(char, role, folder, chains) is not None:
                continue
            column = start + offset + 1 if start >= 0 else None
            missing = Missing(char, number or 0, column or 0, role)
            problem = missing.error(config.path, refusing, ConfigError)
            problem.line, problem.column = number, column
            problems.append(problem)
    return problems
