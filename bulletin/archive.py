"""The set of issues: their numbers, and the next issue to write."""
from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from .config import Config
from .errors import UsageError
from .model import Image, Issue
from .output import atomic_write
from .parse import parse_meta
from .source import read_source


@dataclass(frozen=True)
class Entry:
    """One issue of the archive by its numbers."""

    path: Path
    issue: int
    total: int
    date: dt.date


def entries(config: Config) -> list[Entry]:
    """Every valid issue under issues/, by total; files with problems are left to `check`."""
    from .errors import BulletinError

    found: list[Entry] = []
    for path in sorted(config.issues_dir.rglob("*.md")) if config.issues_dir.is_dir() else []:
        try:
            meta, _ = parse_meta(read_source(path))
        except BulletinError:
            continue
        found.append(Entry(path, meta.issue, meta.total, meta.date))
    return sorted(found, key=lambda e: (e.total, e.date))


def next_numbers(config: Config, date: dt.date) -> tuple[int, int]:
    """(issue, total) for a new issue dated `date`."""
    archive = entries(config)
    if not archive:
        return 1, 1
    last = archive[-1]
    if date < last.date:
        raise UsageError(f"{date} is before the latest issue ({last.path.name}, {last.date})")
    same_year = [e for e in archive if e.date.year == date.year]
    issue = max(e.issue for e in same_year) + 1 if same_year else 1
    return issue, last.total + 1


SKELETON = """---
issue: {issue}
total: {total}
date: {date}
title: 标题
recipients: []
editor: 责任编辑
print_run: 30
---

导语：用一两段话说明本期讨论的问题和主要结论。

## 基本情况

正文。

## 存在的问题

正文。

## 对策建议

正文。
"""


def next_issue_file(config: Config, date: dt.date) -> Path:
    """Write a skeleton for the next issue and return its path; never overwrite."""
    issue, total = next_numbers(config, date)
    path = config.issues_dir / str(date.year) / f"{issue:03d}.md"
    if path.exists():
        raise UsageError(f"{path} exists already")
    atomic_write(path, SKELETON.format(issue=issue, total=total, date=date.isoformat()).encode("utf-8"))
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
