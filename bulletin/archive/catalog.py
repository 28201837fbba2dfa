"""The catalog of the archive: build/index.html, build/catalog.json and build/catalog.csv.

Each issue's entry (numbers, title, readers, editor, plain text) is taken when the issue
is built and kept in the manifest, so the catalog is rewritten without reparsing issues.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections import defaultdict
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, NotRequired, TypedDict, cast

import jinja2

from bulletin import typography
from bulletin.model import nodes
from bulletin.config import Config
from bulletin.errors import ConfigError
from bulletin.model import Code, CodeBlock, Issue, Text
from bulletin.output import atomic_write
from bulletin.support.folders import TOOL_TEMPLATES, templates_dir

CATALOG_TEMPLATE = "catalog.html.j2"
#: catalog columns, in order, for CSV and JSON
COLUMNS = (
    "year", "issue", "total", "date", "title", "recipients", "editor", "print_run",
    "classification", "secrecy_period", "urgency", "pdf", "docx", "source",
)
#: what an entry recorded before a field existed reads as
FIELD_DEFAULTS: dict[str, Any] = {"print_run": None, "classification": "", "secrecy_period": "", "urgency": ""}


class Reissue(TypedDict):
    """One correction of a published issue: when, and why."""

    date: str
    reason: str


class CatalogEntry(TypedDict):
    """An issue's catalog entry, as `record` makes it and the manifest keeps it (JSON data).

    Fields marked NotRequired are missing from entries recorded before they existed
    (`rows` fills them in from FIELD_DEFAULTS), and a published issue's archive record
    keeps its entry without the history fields (made from its editions: `publish.history`).
    """

    year: int
    issue: int
    total: int
    date: str  # ISO 8601
    title: str
    recipients: list[str]
    editor: str
    print_run: NotRequired[int | None]
    classification: NotRequired[str]
    secrecy_period: NotRequired[str]
    urgency: NotRequired[str]
    source: str  # the issue's path relative to the project
    text: str  # plain text, for the search box
    status: NotRequired[str]  # draft / unpublished / published / reissued
    published: NotRequired[str]  # the date of the first publication, ISO 8601, or ""
    reissues: NotRequired[list[Reissue]]


class CatalogRow(CatalogEntry):
    """One issue in catalog.json: its entry with the paths of its outputs in the build folder."""

    pdf: str
    docx: str


def entry_from_json(data: Mapping[str, Any]) -> CatalogEntry | None:
    """The catalog entry held by JSON data read back (a manifest, an archive record); None when empty."""
    return cast(CatalogEntry, dict(data)) if data else None


def plain_text(issue: Issue) -> str:
    """The words of an issue (editor's note, body, footnotes) as plain text, for searching."""
    words: list[str] = []
    for node in nodes((issue.editor_note, issue.body, issue.footnotes)):
        if isinstance(node, (Text, Code, CodeBlock)):
            words.append(node.text)
    return " ".join("".join(words).split())


def record(issue: Issue, source: str) -> CatalogEntry:
    """The catalog entry of an issue; `source` is its path relative to the project."""
    meta = issue.meta
    return {
        "year": meta.date.year,
        "issue": meta.issue,
        "total": meta.total,
        "date": meta.date.isoformat(),
        "title": meta.title,
        "recipients": list(meta.recipients),
        "editor": meta.editor,
        "print_run": meta.print_run,
        "classification": meta.classification,
        "secrecy_period": meta.secrecy_period,
        "urgency": meta.urgency,
        "source": source,
        "text": plain_text(issue),
        # history: a published issue's entry is made by bulletin.archive.publish.history
        "status": "draft" if meta.draft else "unpublished",
        "published": "",
        "reissues": [],
    }


def rows(entries: Iterable[CatalogRow]) -> list[CatalogRow]:
    """Catalog entries in archive order (by total, then date), each with every field."""
    complete = [cast(CatalogRow, {**entry, **{k: v for k, v in FIELD_DEFAULTS.items() if k not in entry}}) for entry in entries]
    return sorted(complete, key=lambda e: (e["total"], e["date"], e["source"]))


def to_json(entries: list[CatalogRow]) -> bytes:
    """catalog.json: every issue with its numbers, readers, outputs and text."""
    return (json.dumps({"issues": rows(entries)}, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


#: what a spreadsheet takes for the start of a formula (OWASP's list for CSV injection)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> object:
    """A text cell that a spreadsheet could run as a formula, made inert by a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


#: the history columns: published / draft / re-issued, first publication, corrections ("date: reason; …")
HISTORY_COLUMNS = ("status", "published", "reissues")


def _history_cell(entry: CatalogRow, column: str) -> object:
    if column == "reissues":
        return "; ".join(f"{change['date']}: {change['reason']}" for change in entry.get("reissues", []))
    return entry.get(column, "")


def to_csv(entries: list[CatalogRow]) -> bytes:
    """catalog.csv: one row per issue, readers joined by '、'; UTF-8 with BOM so spreadsheets read it.

    Text cells that start like a formula get a leading apostrophe (see `csv_cell`).
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS + HISTORY_COLUMNS)
    for entry in rows(entries):
        cells: Mapping[str, object] = entry
        writer.writerow(
            [
                csv_cell("、".join(entry["recipients"]) if c == "recipients" else ("" if cells.get(c) is None else cells.get(c)))
                for c in COLUMNS
            ]
            + [csv_cell(_history_cell(entry, c)) for c in HISTORY_COLUMNS]
        )
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_html(entries: list[CatalogRow], config: Config) -> bytes:
    """index.html: every issue by year, newest year first, with links and a search box."""
    by_year: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for entry in rows(entries):
        by_year[entry["year"]].append(
            dict(
                entry,
                issue_line=typography.issue_line(entry["issue"], entry["total"]),
                chinese_date=typography.chinese_date(_date(entry["date"])),
                secrecy_mark="★".join(part for part in (entry["classification"], entry["secrecy_period"]) if part),
            )
        )
    search = [{"total": e["total"], "text": f"{e['title']} {e['text']}"} for e in rows(entries)]
    try:
        template = _environment(config).get_template(CATALOG_TEMPLATE)
    except jinja2.TemplateNotFound:
        raise ConfigError(f"template {CATALOG_TEMPLATE} not found", templates_dir(config.root)) from None
    except jinja2.TemplateSyntaxError as exc:
        raise ConfigError(f"template syntax: {exc.message}", exc.filename or exc.name, exc.lineno) from None
    try:
        html = template.render(
            series=config.series,
            years=sorted(by_year.items(), reverse=True),
            count=len(entries),
            # no '<' at all, so nothing in the text can close the script element that holds it
            search_json=json.dumps(search, ensure_ascii=False).replace("<", "\\u003c"),
        )
    except jinja2.UndefinedError as exc:
        raise ConfigError(f"template uses an undefined name: {exc.message}", templates_dir(config.root)) from None
    return html.encode("utf-8")


def _environment(config: Config) -> jinja2.Environment:
    """The templates of the project, then the tool's own (a project may predate the catalog)."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader([templates_dir(config.root), TOOL_TEMPLATES]),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )


def _date(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def write_catalog(entries: list[CatalogRow], config: Config, out_dir: Path) -> list[Path]:
    """Write index.html, catalog.json and catalog.csv into `out_dir`; files already current are left alone."""
    written: list[Path] = []
    for name, data in (
        ("catalog.json", to_json(entries)),
        ("catalog.csv", to_csv(entries)),
        ("index.html", to_html(entries, config)),
    ):
        path = out_dir / name
        try:
            if path.read_bytes() == data:
                continue
        except OSError:
            pass
        atomic_write(path, data)
        written.append(path)
    return written
