"""The set of issues: numbering integrity, and the next issue to write."""
from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Collection, Iterable

from bulletin.config import Config
from bulletin.errors import BulletinError, ConfigError, ContentError, UsageError
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
