"""The set of issues: numbering integrity, the next issue to write, what an issue is made of."""
from __future__ import annotations

import dataclasses
import datetime as dt
import io
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Collection, Iterable, Iterator

from bulletin.config import Config
from bulletin.errors import BulletinError, ConfigError, ContentError, UsageError
from bulletin.model import Image, Issue
from bulletin.parse import parse_meta
from bulletin.source import Source, read_source


@dataclass(frozen=True)
class Entry:
    """One issue of the archive by its numbers, with the lines that state them."""

    path: Path
    issue: int
    total: int
    date: dt.date
    lines: dict[str, int] = field(default_factory=dict, compare=False)
    #: `status: draft`: may be dated in the future; still counts in the numbering
    draft: bool = False

    def line(self, key: str) -> int | None:
        """The line of the front matter key `key`, if known."""
        return self.lines.get(key)


class NumberingError(ContentError):
    """A numbering problem between two issue files; `other` is the second file."""

    def __init__(self, message: str, entry: Entry, key: str, other: Entry | None = None) -> None:
        super().__init__(message, entry.path, entry.line(key))
        self.other = other.path if other else None


def involving(problems: Iterable[BulletinError], named: Collection[Path]) -> list[BulletinError]:
    """The problems about one of the `named` files (resolved): in it, or its other side of a numbering clash."""
    return [
        p
        for p in problems
        if (p.path and p.path.resolve() in named)
        or (isinstance(p, NumberingError) and p.other and p.other.resolve() in named)
    ]


def key_lines(source: Source) -> dict[str, int]:
    """The line of each top-level key of the front matter."""
    found: dict[str, int] = {}
    for offset, line in enumerate(source.front.split("\n")):
        match = re.match(r"([A-Za-z_]+)\s*:", line)
        if match:
            found.setdefault(match.group(1), source.front_line + offset)
    return found


def entry(path: Path, config: Config | None = None) -> Entry:
    """The numbers of the issue file at `path`; raises its front matter problems."""
    source = read_source(path)
    meta, _ = parse_meta(source, config)
    return Entry(path, meta.issue, meta.total, meta.date, key_lines(source), meta.draft)


def scan(config: Config) -> tuple[list[Entry], list[BulletinError]]:
    """Every issue under issues/ by its numbers (ordered by total), and the files that could not be read."""
    found: list[Entry] = []
    problems: list[BulletinError] = []
    from bulletin.support.boundary import issue_files

    paths: list[Path] = []
    if config.issues_dir.is_dir():
        paths, problems = issue_files(config.issues_dir, config.root)  # links out and FIFOs never opened
    for path in paths:
        try:
            found.append(entry(path, config))
        except BulletinError as exc:
            problems.append(exc)
    return sorted(found, key=lambda e: (e.total, e.date, str(e.path))), problems


def entries(config: Config) -> list[Entry]:
    """Every valid issue under issues/, by total; files with problems are left to `check`."""
    return scan(config)[0]


def _shown(path: Path) -> str:
    from bulletin.errors import display_path

    return display_path(path)


def _missing(first: int, last: int, gaps: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """The runs of totals from `first` to `last` not covered by `gaps`: work by gaps, not by numbers."""
    runs: list[tuple[int, int]] = []
    start = first
    for low, high in sorted(gaps):
        if high < start or low > last:
            continue
        if low > start:
            runs.append((start, min(low - 1, last)))
        start = max(start, high + 1)
        if start > last:
            break
    if start <= last:
        runs.append((start, last))
    return runs


def _run_text(runs: list[tuple[int, int]]) -> str:
    return "、".join(f"总第{a}期" if a == b else f"总第{a}–{b}期" for a, b in runs)


def numbering_problems(
    archive: list[Entry], gaps: tuple[tuple[int, int], ...], today: dt.date, config_path: Path | None = None
) -> list[BulletinError]:
    """Every numbering problem of an archive: gaps, repeats, numbers and dates out of step.

    The first issue present sets the start; `gaps` are totals known never to be published.
    """
    problems: list[BulletinError] = []
    by_total: dict[int, Entry] = {}
    by_issue: dict[tuple[int, int], Entry] = {}
    unique: list[Entry] = []
    for item in archive:
        if item.date > today and not item.draft:
            problems.append(
                NumberingError(
                    f"date {item.date} is in the future (today is {today}): add 'status: draft' until it is published",
                    item,
                    "date",
                )
            )
        earlier = by_total.get(item.total)
        if earlier is not None:
            problems.append(
                NumberingError(f"总第{item.total}期 is used twice: also by {_shown(earlier.path)}", item, "total", earlier)
            )
        else:
            by_total[item.total] = item
            unique.append(item)
        key = (item.date.year, item.issue)
        earlier = by_issue.get(key)
        if earlier is not None:
            problems.append(
                NumberingError(
                    f"第{item.issue}期 of {item.date.year} is used twice: also by {_shown(earlier.path)}",
                    item,
                    "issue",
                    earlier,
                )
            )
        else:
            by_issue[key] = item
    for before, after in zip(unique, unique[1:]):
        missing = _missing(before.total + 1, after.total - 1, gaps)
        if missing:
            problems.append(
                NumberingError(
                    f"总第{after.total}期 follows 总第{before.total}期 ({_shown(before.path)}): "
                    f"{_run_text(missing)} missing (declare known gaps in bulletin.toml [archive] gaps)",
                    after,
                    "total",
                    before,
                )
            )
        if after.date < before.date:
            problems.append(
                NumberingError(
                    f"dated {after.date}, before 总第{before.total}期 ({_shown(before.path)}, {before.date}): "
                    "numbers and dates must ascend together",
                    after,
                    "date",
                    before,
                )
            )
            continue
        if by_issue.get((after.date.year, after.issue)) is not after:
            continue  # a repeated issue number is reported once, above
        step = after.total - before.total
        if after.date.year == before.date.year:
            expected = before.issue + step
            if after.issue != expected:
                problems.append(
                    NumberingError(
                        f"第{after.issue}期 follows 第{before.issue}期 of {before.date.year} "
                        f"({_shown(before.path)}): expected 第{expected}期",
                        after,
                        "issue",
                        before,
                    )
                )
        elif after.issue > step:
            problems.append(
                NumberingError(
                    f"第{after.issue}期 opens {after.date.year} after {_shown(before.path)} of {before.date.year}: "
                    f"expected 第1期" + (f" (or up to 第{step}期 across the declared gap)" if step > 1 else ""),
                    after,
                    "issue",
                    before,
                )
            )
    for first, last in gaps:
        if first > last:
            problems.append(ConfigError(f"[archive] gap 总第{first}–{last}期 ends before it starts", config_path))
        for total in sorted(t for t in by_total if first <= t <= last):
            problems.append(
                ConfigError(
                    f"[archive] gap 总第{first}–{last}期 includes 总第{total}期, "
                    f"which {_shown(by_total[total].path)} uses",
                    config_path,
                )
            )
    return problems


def archive_problems(config: Config, today: dt.date | None = None) -> list[BulletinError]:
    """The numbering problems of the whole archive under issues/ (unreadable files are left to `check`)."""
    archive = entries(config)
    return numbering_problems(archive, config.gaps, today or dt.date.today(), config.path)


def next_numbers(config: Config, date: dt.date) -> tuple[int, int]:
    """(issue, total) for a new issue dated `date`: after the highest total, past declared gaps."""
    archive = entries(config)
    if not archive:
        return 1, 1
    last = max(archive, key=lambda e: (e.total, e.date))
    latest = max(e.date for e in archive)
    if date < latest:
        raise UsageError(f"{date} is before the latest issue ({latest}); issues are numbered in date order")
    total = last.total + 1
    for low, high in sorted(config.gaps):
        if low <= total <= high:
            total = high + 1
    if date.year == last.date.year:
        same_year = max(e.issue for e in archive if e.date.year == date.year)
        return max(same_year, last.issue) + (total - last.total), total
    return 1, total


SKELETON = """---
issue: {issue}
total: {total}
date: {date}
title: 【待填：标题】
recipients: {recipients}
editor: {editor}
print_run: {print_run}
{classification}---

【待填：导语，用一两段话说明本期讨论的问题和主要结论】

## 基本情况

【待填：正文】

## 存在的问题

【待填：正文】

## 对策建议

【待填：正文】
"""


def _carried(config: Config) -> dict[str, str]:
    """Editor, recipients, print run, classification and its secrecy period of the latest issue, as front matter values."""
    import json

    def quoted(text: str) -> str:
        return json.dumps(text, ensure_ascii=False)

    carried = {"recipients": "[]", "editor": "【待填：责任编辑】", "print_run": "30", "classification": ""}
    for item in reversed(entries(config)):
        try:
            meta, _ = parse_meta(read_source(item.path), config)
        except BulletinError:
            continue
        carried["recipients"] = "[" + ", ".join(quoted(r) for r in meta.recipients) + "]"
        carried["editor"] = quoted(meta.editor)
        carried["print_run"] = str(meta.print_run)
        carried["classification"] = f"classification: {quoted(meta.classification)}\n" if meta.classification else ""
        if meta.secrecy_period:
            carried["classification"] += f"secrecy_period: {quoted(meta.secrecy_period)}\n"
        break
    return carried


def next_issue_file(config: Config, date: dt.date) -> Path:
    """Write a skeleton for the next issue and return its path; never overwrite.

    Editor, recipients, print run, classification and secrecy period come from the latest issue; the
    placeholders 【待填：…】 are refused by check and build until replaced.
    """
    issue, total = next_numbers(config, date)
    path = config.issues_dir / str(date.year) / f"{issue:03d}.md"
    carried = _carried(config)
    if date > dt.date.today():
        carried["classification"] += "status: draft\n"
    data = SKELETON.format(issue=issue, total=total, date=date.isoformat(), **carried).encode("utf-8")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # O_EXCL reserves the file: of two `new` at the same moment, one gets it, the other is told
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o644)
    except FileExistsError:
        raise UsageError(f"{path} exists already") from None
    except OSError as exc:
        raise UsageError(f"cannot write here: {exc.strerror or exc}", path) from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path


def nodes(value: Any) -> Iterator[Any]:
    """Every model value inside `value` (a block, an inline, a tuple of them), depth first."""
    if isinstance(value, tuple):
        for item in value:
            yield from nodes(item)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        yield value
        for field in dataclasses.fields(value):
            child = getattr(value, field.name)
            if isinstance(child, tuple) or dataclasses.is_dataclass(child):
                yield from nodes(child)


def issue_images(issue: Issue) -> list[Path]:
    """The image files an issue uses, each once, in order of first use."""
    found: dict[Path, None] = {}
    for node in nodes((issue.editor_note, issue.body, issue.footnotes)):
        if isinstance(node, Image):
            found.setdefault(node.path, None)
    return list(found)


#: the largest PDF `extract` reads, and the largest file it takes out of one
MAX_PDF_BYTES = 200 * 1024 * 1024
MAX_EMBEDDED_BYTES = 50 * 1024 * 1024
#: what a bulletin PDF embeds: its Markdown source and the images it uses
EMBEDDED_SUFFIXES = (".md", ".png", ".jpg", ".jpeg")


def read_pdf(path: Path) -> bytes:
    """The bytes of the PDF at `path`: a regular file, bounded in size."""
    from bulletin.source import read_bounded

    return read_bounded(path, MAX_PDF_BYTES, UsageError)


def _safe_name(name: object, pdf: Path) -> str:
    """An embedded file's name, if it is a plain relative path of a file a bulletin PDF embeds."""
    from pathlib import PurePosixPath

    text = name if isinstance(name, str) else ""
    parts = PurePosixPath(text).parts
    if (
        not text
        or "\\" in text
        or any(ord(c) < 32 for c in text)
        or text.startswith("/")
        or any(part in ("", ".", "..") or len(part.encode("utf-8", "replace")) > 255 for part in parts)
        or len(parts) > 8
    ):
        raise UsageError(f"embedded file name {text[:80]!r} is not a plain relative path; nothing extracted", pdf)
    if not text.lower().endswith(EMBEDDED_SUFFIXES):
        raise UsageError(f"embedded file '{text[:80]}' is not a Markdown source or an image; nothing extracted", pdf)
    return text


def embedded_files(data: bytes, pdf: Path) -> tuple[dict[str, bytes], list[str]]:
    """(every file embedded in the PDF by a safe name, notes): all or an error, never a traceback.

    Two different files under one name are both kept: the second as `name-2.png` (a note says so).
    """
    import logging

    from pypdf import PdfReader

    logger = logging.getLogger("pypdf")
    level = logger.level
    logger.setLevel(logging.CRITICAL)  # a broken PDF is reported once, below, not as pypdf's warnings
    try:
        reader = PdfReader(io.BytesIO(data))
        found = [(name, list(contents)) for name, contents in reader.attachments.items()]
    except Exception as exc:  # noqa: BLE001 (any fault of a hostile PDF is one line, not a traceback)
        raise UsageError(f"not a readable PDF ({type(exc).__name__}: {str(exc)[:120]})", pdf) from None
    finally:
        logger.setLevel(level)
    files: dict[str, bytes] = {}
    notes: list[str] = []
    for name, contents in found:
        safe = _safe_name(name, pdf)
        for content in contents:
            if not isinstance(content, bytes) or len(content) > MAX_EMBEDDED_BYTES:
                raise UsageError(f"embedded file '{safe}' is unreadable or larger than 50 MB; nothing extracted", pdf)
            stem, _, suffix = safe.rpartition(".")
            target, number = safe, 1
            while target in files and files[target] != content:
                number += 1
                target = f"{stem}-{number}.{suffix}"
            if target in files:
                continue  # the same file twice
            if target != safe:
                notes.append(f"two embedded files are named '{safe}': the other is written as '{target}'")
            files[target] = content
    return files, notes


def extract_to(data: bytes, pdf: Path, out_dir: Path, force: bool = False) -> tuple[list[Path], list[str]]:
    """Write the source and images embedded in an issue PDF into `out_dir`: all of them or none.

    An existing file is never replaced without `force` (an issue edited since the build
    would be lost); a name leading out of `out_dir` is refused.
    """
    from bulletin.output import write_all

    files, notes = embedded_files(data, pdf)
    if not any(name.endswith(".md") for name in files):
        raise UsageError("no embedded Markdown source: not an issue PDF made by bulletin", pdf)
    root = out_dir.resolve()
    targets: dict[Path, bytes] = {}
    for name, contents in sorted(files.items()):
        target = root / name
        if not target.resolve().is_relative_to(root):
            raise UsageError(f"embedded file name '{name}' points outside {out_dir}", pdf)
        if os.path.lexists(target) and not force:
            raise UsageError(
                "exists already; nothing extracted (give --force to replace it, or another --out)", target
            )
        targets[target] = contents
    write_all(targets, inside=root)
    return list(targets), notes


#: bounds of a DOCX given to `styles`: the file, its parts one by one and together, their number
MAX_DOCX_BYTES = 50 * 1024 * 1024
MAX_DOCX_PART_BYTES = 64 * 1024 * 1024
MAX_DOCX_TOTAL_BYTES = 256 * 1024 * 1024
MAX_DOCX_PARTS = 2_000


def read_docx(path: Path) -> bytes:
    """The bytes of the DOCX at `path`, checked to be safe to open: bounded, no XML bomb.

    A zip bomb (parts that unpack to gigabytes) and an XML bomb (entities that expand
    without end, or any DTD) are refused with one line before python-docx sees the file.
    """
    import zipfile

    import defusedxml.ElementTree
    from defusedxml import DefusedXmlException

    from bulletin.source import read_bounded

    data = read_bounded(path, MAX_DOCX_BYTES, UsageError)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            if len(members) > MAX_DOCX_PARTS:
                raise UsageError(f"not a DOCX file: {len(members)} parts (at most {MAX_DOCX_PARTS})", path)
            total = 0
            for member in members:
                total += member.file_size
                if member.file_size > MAX_DOCX_PART_BYTES or total > MAX_DOCX_TOTAL_BYTES:
                    raise UsageError(
                        f"not a DOCX file: part '{member.filename[:80]}' unpacks to more than "
                        f"{MAX_DOCX_PART_BYTES // (1024 * 1024)} MB (a zip bomb?); not read",
                        path,
                    )
                if not member.filename.endswith((".xml", ".rels")):
                    continue
                with archive.open(member) as handle:
                    content = handle.read(MAX_DOCX_PART_BYTES + 1)
                try:
                    defusedxml.ElementTree.fromstring(content, forbid_dtd=True)
                except DefusedXmlException:
                    raise UsageError(
                        f"not a DOCX file: part '{member.filename[:80]}' declares a DTD or entities (an XML bomb?); not read",
                        path,
                    ) from None
                except defusedxml.ElementTree.ParseError as exc:
                    raise UsageError(f"not a DOCX file: part '{member.filename[:80]}' is not well-formed XML ({exc})", path) from None
    except UsageError:
        raise
    except Exception as exc:  # noqa: BLE001 (zipfile and zlib fail in many ways on a damaged file: one line each)
        raise UsageError(f"not a DOCX file ({type(exc).__name__}: {str(exc)[:120]})", path) from None
    return data
