"""Stage: the house configuration (bulletin.toml), typed and validated.

Every bad, missing or unknown key is reported at once, each with file and line.
"""
from __future__ import annotations

import typing
import difflib
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .errors import ConfigError, raise_all
from .house import DocxFonts
from .model import Contact, Series

CONFIG_NAME = "bulletin.toml"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class SeriesSchema(_Strict):
    """[series]: the bulletin itself."""

    name: str = Field(min_length=1, description="the masthead, e.g. 临江参阅")
    kind: str = Field(min_length=1, description="the kind of issue, e.g. 专报")
    publisher: str = Field(min_length=1, description="e.g. 临江发展研究院主办")
    tagline: str = Field("", description="optional line under the series, e.g. 市级重点新型智库")


class ContactSchema(_Strict):
    """[contact]: the colophon's contact lines."""

    phone: str = Field(min_length=1, description="联系电话")
    fax: str = Field("", description="传真, optional")
    address: str = Field(min_length=1, description="地址")


class DocxFontsSchema(_Strict):
    """[fonts.docx]: font names the DOCX asks Word or WPS for, per role."""

    title: str = DocxFonts.title
    masthead: str = DocxFonts.masthead
    body: str = DocxFonts.body
    heading1: str = DocxFonts.heading1
    heading2: str = DocxFonts.heading2
    page_number: str = DocxFonts.page_number
    latin: str = DocxFonts.latin


class FontsSchema(_Strict):
    """[fonts]: font settings."""

    docx: DocxFontsSchema = DocxFontsSchema()


class Gap(_Strict):
    """A known gap in the archive's numbering: totals that were never published here."""

    first_total: int = Field(ge=1, le=99_999)
    last_total: int = Field(ge=1, le=99_999)
    reason: str = ""


class ArchiveSchema(_Strict):
    """[archive]: numbering rules of the collection."""

    gaps: list[Gap] = Field(default_factory=list, max_length=1_000)


class LayoutSchema(_Strict):
    """[layout]: choices the house style leaves open."""

    colophon_on_even_page: bool = Field(
        False, description="put the colophon on an even page (the back of the sheet), as GB/T 9704 does"
    )


class DistributionSchema(_Strict):
    """[distribution]: who receives the copies after the issue's own recipients."""

    list: typing.List[str] = []  # noqa: UP006 (the key is called list)


class ConfigSchema(_Strict):
    """The whole of bulletin.toml."""

    series: SeriesSchema
    contact: ContactSchema
    fonts: FontsSchema = FontsSchema()
    archive: ArchiveSchema = ArchiveSchema()
    layout: LayoutSchema = LayoutSchema()
    distribution: DistributionSchema = DistributionSchema()


@dataclass(frozen=True)
class Config:
    """The validated house configuration and where it lives."""

    root: Path
    path: Path
    series: Series
    contact: Contact
    docx_fonts: DocxFonts
    gaps: tuple[tuple[int, int], ...]
    colophon_on_even_page: bool
    #: make a PDF even where a character has no glyph (`build --allow-missing-glyphs`, not bulletin.toml)
    allow_missing_glyphs: bool = False
    #: `[distribution] list`: recipients of the copies after the issue's own
    distribution: tuple[str, ...] = ()

    @property
    def issues_dir(self) -> Path:
        """Where the issues live: issues/ beside bulletin.toml."""
        return self.root / "issues"

    @property
    def build_dir(self) -> Path:
        """Where outputs go by default: build/ beside bulletin.toml."""
        return self.root / "build"


def find_root(start: Path) -> Path:
    """The nearest folder at or above `start` that holds bulletin.toml."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / CONFIG_NAME).is_file():
            return folder
    raise ConfigError(f"no {CONFIG_NAME} in {start} or any folder above it (use --project DIR)")


def key_line(text: str, loc: tuple[Any, ...]) -> int | None:
    """The line of TOML `text` that defines the dotted key `loc` (or its table), if found."""
    keys = [str(k) for k in loc if not isinstance(k, int)]
    if not keys:
        return None
    table: list[str] = []
    best: int | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        header = re.match(r"^\[\[?\s*([^\]]+?)\s*\]\]?", line)
        if header:
            table = [part.strip().strip('"') for part in header.group(1).split(".")]
            if table == keys[: len(table)] and best is None and len(table) == len(keys):
                best = number
            continue
        assignment = re.match(r'^("?)([A-Za-z0-9_\-]+)\1\s*=', line)
        if assignment and table + [assignment.group(2)] == keys:
            return number
        if assignment and table == keys[:-1] and best is None and len(keys) > 1 and not table:
            continue
    if best is None and len(keys) > 1:
        return key_line(text, tuple(keys[:-1]))
    return best


def _known_keys(schema: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """The keys allowed in the table that holds `loc`'s last key."""
    model: Any = schema
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        annotation = model.model_fields[part].annotation
        model = annotation.__args__[0] if getattr(annotation, "__origin__", None) is list else annotation
    return list(model.model_fields)


def _message(error: dict[str, Any], schema: type[BaseModel]) -> str:
    loc = ".".join(str(k) for k in error["loc"])
    if error["type"] == "extra_forbidden":
        known = _known_keys(schema, error["loc"])
        close = difflib.get_close_matches(str(error["loc"][-1]), known, n=1)
        hint = f"did you mean '{close[0]}'?" if close else f"known keys: {', '.join(known)}"
        return f"unknown key '{loc}' ({hint})"
    if error["type"] == "missing":
        return f"missing key '{loc}'"
    return f"'{loc}': {error['msg'].lower()}"


#: the largest bulletin.toml read; a real one is a few kilobytes
MAX_CONFIG_BYTES = 1024 * 1024
#: tables and arrays nested deeper than this are refused (a real configuration nests three deep)
MAX_TOML_DEPTH = 16


def _depth(value: Any) -> int:
    """How deeply tables and arrays nest in `value`, counted without recursion."""
    deepest, stack = 0, [(value, 0)]
    while stack:
        item, depth = stack.pop()
        deepest = max(deepest, depth)
        if isinstance(item, dict):
            stack.extend((child, depth + 1) for child in item.values())
        elif isinstance(item, list):
            stack.extend((child, depth + 1) for child in item)
    return deepest


def read_toml(path: Path, max_bytes: int = MAX_CONFIG_BYTES) -> tuple[dict[str, Any], str]:
    """(data, text) of the TOML file at `path`: bounded in size and nesting, every fault one located line."""
    from .source import read_bounded

    data = read_bounded(path, max_bytes, ConfigError)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = len(data[data.rfind(b"\n", 0, exc.start) + 1 : exc.start].decode("utf-8", "replace")) + 1
        raise ConfigError(
            f"not UTF-8 text (byte 0x{data[exc.start]:02x}); save the file as UTF-8", path, line, column
        ) from None
    try:
        parsed = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
        message = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
        line, col = (int(match.group(1)), int(match.group(2))) if match else (None, None)
        raise ConfigError(f"TOML syntax: {message}", path, line, col) from None
    except (RecursionError, MemoryError):
        parsed = None
    if parsed is None or _depth(parsed) > MAX_TOML_DEPTH:
        raise ConfigError(f"TOML nested too deeply (at most {MAX_TOML_DEPTH} levels)", path)
    return parsed, text


def load_config(root: Path) -> Config:
    """Read and validate `root/bulletin.toml`; raise every problem at once."""
    path = root / CONFIG_NAME
    if not path.exists() and not path.is_symlink():
        raise ConfigError(f"no {CONFIG_NAME} here", path)
    data, text = read_toml(path)
    try:
        schema = ConfigSchema.model_validate(data)
    except ValidationError as exc:
        raise_all(
            [
                ConfigError(_message(error, ConfigSchema), path, key_line(text, error["loc"]))
                for error in exc.errors()
            ]
        )
        raise AssertionError("unreachable")  # pragma: no cover
    return Config(
        root=root,
        path=path,
        series=Series(**schema.series.model_dump()),
        contact=Contact(**schema.contact.model_dump()),
        docx_fonts=DocxFonts(**schema.fonts.docx.model_dump()),
        gaps=tuple((gap.first_total, gap.last_total) for gap in schema.archive.gaps),
        colophon_on_even_page=schema.layout.colophon_on_even_page,
        distribution=tuple(schema.distribution.list),
    )
