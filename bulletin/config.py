"""The house configuration (bulletin.toml), typed and validated.

Every bad, missing or unknown key is reported at once, each with file and line.
"""
from __future__ import annotations

import typing
import datetime as dt
import difflib
import re
import tomllib
from dataclasses import dataclass, replace
from collections.abc import Sequence
from dataclasses import fields as dataclass_fields
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model, model_validator
from pydantic_core import ErrorDetails

from bulletin.errors import ConfigError, raise_all
from bulletin.house import ALIGNMENTS, DEFAULT_ROLES, FACES, HOUSE, DocxFonts, Geometry, House, Labels, Rules
from bulletin.model import Contact, Series

CONFIG_NAME = "bulletin.toml"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


# --- House values that change from a date on: [[series.from]], [[contact.from]] ---------------
#
# An issue prints the values in force on its date: the table's own values, overridden by
# every `from` entry dated on or before the issue. Earlier issues keep the old values.


class _From(_Strict):
    date: dt.date = Field(description="the first issue date the values below apply to")

    @model_validator(mode="after")
    def _sets_something(self) -> "_From":
        if not any(value is not None for name, value in self if name != "date"):
            raise ValueError(f"the change from {self.date} sets no value")
        return self

    def values(self) -> dict[str, str]:
        """The values this change sets."""
        return {name: value for name, value in self if name != "date" and value is not None}


class SeriesFrom(_From):
    """[[series.from]]: series values from a date on."""

    name: str | None = Field(None, min_length=1)
    kind: str | None = Field(None, min_length=1)
    publisher: str | None = Field(None, min_length=1)
    tagline: str | None = None


class ContactFrom(_From):
    """[[contact.from]]: contact values from a date on (a new phone number from 2026-01-01)."""

    phone: str | None = Field(None, min_length=1)
    fax: str | None = None
    address: str | None = Field(None, min_length=1)


class _Twice(ValueError):
    """A date given twice; `index` is the second entry's place in the table."""

    def __init__(self, message: str, index: int) -> None:
        super().__init__(message)
        self.index = index


def _changes(table: str, entries: Sequence[_From]) -> tuple[tuple[dt.date, tuple[tuple[str, str], ...]], ...]:
    """The dated changes of one table, in date order; two on one date are an error."""
    seen: set[dt.date] = set()
    for index, entry in enumerate(entries):
        if entry.date in seen:
            raise _Twice(f"[[{table}.from]] date {entry.date} is given twice", index)
        seen.add(entry.date)
    return tuple((e.date, tuple(sorted(e.values().items()))) for e in sorted(entries, key=lambda e: e.date))


#: the dated tables of bulletin.toml ([[series.from]], [[contact.from]])
_Dated = typing.TypeVar("_Dated", Series, Contact)


def _on(base: _Dated, changes: tuple[tuple[dt.date, tuple[tuple[str, str], ...]], ...], date: dt.date) -> _Dated:
    """`base` with every change dated on or before `date` applied, in date order."""
    values: dict[str, str] = {}
    for start, change in changes:
        if start <= date:
            values.update(change)
    return replace(base, **values) if values else base


# ---------------------------------------------------------------------------------------------


class SeriesSchema(_Strict):
    """[series]: the bulletin itself."""

    name: str = Field(min_length=1, description="the masthead, e.g. 临江参阅")
    kind: str = Field(min_length=1, description="the kind of issue, e.g. 专报")
    publisher: str = Field(min_length=1, description="e.g. 临江发展研究院主办")
    tagline: str = Field("", description="optional line under the series, e.g. 市级重点新型智库")
    changes: list[SeriesFrom] = Field(default_factory=list, alias="from", max_length=1_000)


class ContactSchema(_Strict):
    """[contact]: the colophon's contact lines."""

    phone: str = Field(min_length=1, description="联系电话")
    fax: str = Field("", description="传真, optional")
    address: str = Field(min_length=1, description="地址")
    changes: list[ContactFrom] = Field(default_factory=list, alias="from", max_length=1_000)


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
        default=False, description="put the colophon on an even page (the back of the sheet), as GB/T 9704 does"
    )


class DistributionSchema(_Strict):
    """[distribution]: who receives the copies after the issue's own recipients."""

    list: typing.List[str] = []  # noqa: UP006 (the key is called list)


#: 密级 GB/T 9704 names, and the house's own 内部 / 内部资料
DEFAULT_CLASSIFICATIONS = ("绝密", "机密", "秘密", "内部", "内部资料")
#: 紧急程度 GB/T 9704 names
DEFAULT_URGENCIES = ("特急", "加急")


class MarksSchema(_Strict):
    """[marks]: the classifications (密级) and urgencies (紧急程度) an issue may carry."""

    classifications: typing.List[typing.Annotated[str, Field(min_length=1)]] = list(DEFAULT_CLASSIFICATIONS)  # noqa: UP006
    urgencies: typing.List[typing.Annotated[str, Field(min_length=1)]] = list(DEFAULT_URGENCIES)  # noqa: UP006
# ---------------------------------------------------------------- [house]
# Overrides of the house style (bulletin/house.py): `[house.roles.title] size = 24`,
# `[house.geometry]`, `[house.rules]`, `[house.labels]`. Unknown keys are reported with a
# did-you-mean like every other table.

_COLOUR = r"^[0-9A-Fa-f]{6}$"
_Length = Annotated[float, Field(ge=-1000, le=1000)]
# The tables below are made at import time from house.py's names and dataclasses, which a
# type checker cannot read: to it, a face and an alignment are text and each table a model.
if typing.TYPE_CHECKING:
    _Face: typing.TypeAlias = str
    _Align: typing.TypeAlias = str
else:
    _Face = Literal[tuple(FACES)]
    _Align = Literal[ALIGNMENTS]


class RoleOverride(_Strict):
    """[house.roles.NAME]: one kind of text."""

    face: _Face | None = None
    size: Annotated[float, Field(gt=0, le=200)] | None = None
    leading: Annotated[float, Field(gt=0, le=400)] | None = None
    tracking: _Length | None = None
    before: _Length | None = None
    after: _Length | None = None
    align: _Align | None = None
    color: Annotated[str, Field(pattern=_COLOUR)] | None = None
    bold: bool | None = None


def _overrides(name: str, doc: str, source: type, **types: Any) -> type[BaseModel]:
    """A table whose keys are the fields of `source` (a dataclass of house.py), each optional."""
    def kind(field: Any) -> Any:
        if field.name in types:
            return types[field.name]
        return {"float": Annotated[float, Field(ge=0)], "int": Annotated[int, Field(ge=1)],
                "str": str, "bool": bool}[str(field.type)]
    fields: dict[str, Any] = {field.name: (kind(field) | None, None) for field in dataclass_fields(source)}
    return create_model(name, __base__=_Strict, __doc__=doc, **fields)


_roles: dict[str, Any] = {name: (RoleOverride, RoleOverride()) for name in DEFAULT_ROLES}
_Counted = Annotated[str, Field(pattern=r"\{n\}")]
if typing.TYPE_CHECKING:
    RolesOverride: typing.TypeAlias = _Strict
    GeometryOverride: typing.TypeAlias = _Strict
    RulesOverride: typing.TypeAlias = _Strict
    LabelsOverride: typing.TypeAlias = _Strict
else:
    RolesOverride = create_model(
        "RolesOverride", __base__=_Strict, __doc__="[house.roles]: one table per kind of text.", **_roles
    )
    GeometryOverride = _overrides("GeometryOverride", "[house.geometry]: page, grid and measures.", Geometry)
    RulesOverride = _overrides(
        "RulesOverride", "[house.rules]: rule weights (pt) and colours.", Rules,
        red_color=Annotated[str, Field(pattern=_COLOUR)], color=Annotated[str, Field(pattern=_COLOUR)],
    )
    LabelsOverride = _overrides(
        "LabelsOverride", "[house.labels]: fixed words and marks.", Labels,
        ordered_marker=_Counted, page_number=_Counted, footnote_marker=_Counted,
    )


class HouseSchema(_Strict):
    """[house]: overrides of the house style."""

    roles: RolesOverride = RolesOverride()
    geometry: GeometryOverride = GeometryOverride()
    rules: RulesOverride = RulesOverride()
    labels: LabelsOverride = LabelsOverride()

    def house(self) -> House:
        """The default house with these values over it."""
        def given(model: BaseModel) -> dict[str, Any]:
            return model.model_dump(exclude_none=True)
        roles = {name: values for name, values in given(self.roles).items() if values}
        return HOUSE.overridden(
            {"roles": roles, "geometry": given(self.geometry), "rules": given(self.rules), "labels": given(self.labels)}
        )


class ConfigSchema(_Strict):
    """The whole of bulletin.toml."""

    series: SeriesSchema
    contact: ContactSchema
    fonts: FontsSchema = FontsSchema()
    archive: ArchiveSchema = ArchiveSchema()
    layout: LayoutSchema = LayoutSchema()
    distribution: DistributionSchema = DistributionSchema()
    marks: MarksSchema = MarksSchema()
    house: HouseSchema = HouseSchema()


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
    #: [[series.from]] and [[contact.from]]: (date, values) in date order
    series_changes: tuple[tuple[dt.date, tuple[tuple[str, str], ...]], ...] = ()
    contact_changes: tuple[tuple[dt.date, tuple[tuple[str, str], ...]], ...] = ()
    #: make a PDF even where a character has no glyph (`build --allow-missing-glyphs`, not bulletin.toml)
    allow_missing_glyphs: bool = False
    #: `[distribution] list`: recipients of the copies after the issue's own
    distribution: tuple[str, ...] = ()
    #: `[marks] classifications`: the 密级 an issue's `classification` may name
    classifications: tuple[str, ...] = DEFAULT_CLASSIFICATIONS
    #: `[marks] urgencies`: the 紧急程度 an issue's `urgency` may name
    urgencies: tuple[str, ...] = DEFAULT_URGENCIES
    #: the house style, with the project's `[house]` overrides
    house: House = HOUSE

    def series_on(self, date: dt.date) -> Series:
        """The series values in force on `date` ([[series.from]] applied)."""
        return _on(self.series, self.series_changes, date)

    def contact_on(self, date: dt.date) -> Contact:
        """The contact values in force on `date` ([[contact.from]] applied)."""
        return _on(self.contact, self.contact_changes, date)

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
        fields = {info.alias or name: info for name, info in model.model_fields.items()}
        annotation = fields[part].annotation
        model = annotation.__args__[0] if getattr(annotation, "__origin__", None) is list else annotation
    return list(model.model_fields)


def _message(error: ErrorDetails, schema: type[BaseModel]) -> str:
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
    from bulletin.source import read_bounded

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
        at = (int(match.group(1)), int(match.group(2))) if match else (None, None)
        raise ConfigError(f"TOML syntax: {message}", path, *at) from None
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
    if path.is_symlink() and not path.resolve().is_relative_to(root.resolve()):
        # the house is the project's own: a link to a file elsewhere is not followed
        raise ConfigError(f"{CONFIG_NAME} is a symbolic link to {path.resolve()}, outside the project; not read", path)
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
        series=Series(**schema.series.model_dump(exclude={"changes"})),
        contact=Contact(**schema.contact.model_dump(exclude={"changes"})),
        docx_fonts=DocxFonts(**schema.fonts.docx.model_dump()),
        gaps=tuple((gap.first_total, gap.last_total) for gap in schema.archive.gaps),
        colophon_on_even_page=schema.layout.colophon_on_even_page,
        distribution=tuple(schema.distribution.list),
        classifications=tuple(schema.marks.classifications),
        urgencies=tuple(schema.marks.urgencies),
        house=schema.house.house(),
        **_dated(schema, path, text),
    )


def _dated(schema: ConfigSchema, path: Path, text: str) -> dict[str, Any]:
    """The Config fields of [[series.from]] and [[contact.from]]; a date given twice is an error."""
    found: dict[str, Any] = {}
    for table, entries in (("series", schema.series.changes), ("contact", schema.contact.changes)):
        try:
            found[f"{table}_changes"] = _changes(table, entries)
        except _Twice as exc:
            headers = [n for n, line in enumerate(text.splitlines(), start=1) if re.match(rf"^\s*\[\[\s*{table}\.from\s*\]\]", line)]
            line = headers[exc.index] if exc.index < len(headers) else key_line(text, (table, "from"))
            raise ConfigError(str(exc), path, line) from None
    return found
