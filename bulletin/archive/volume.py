"""The annual volume (合订本): every issue of a year in one PDF, after a contents page.

Each issue goes in as it was published, byte for byte in its pages, so its own page
numbers (— 1 —, — 2 —, …) restart with every issue and a citation of an issue's page
stays true in the volume. Every issue starts on a right-hand page: a blank page follows
an issue with an odd number of pages. A bookmark per issue (its headings beneath it) and
PDF page labels such as "47-3" (总第47期, its page 3) make the volume easy to navigate.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import io
from pathlib import Path

from bulletin import typography
from bulletin.archive.numbering import Entry, numbering_problems, scan
from bulletin.config import Config
from bulletin.errors import BulletinError, Problems, UsageError

VOLUME_TEMPLATE = "volume.html.j2"


def volume_issues(config: Config, year: int) -> list[Entry]:
    """The issues dated `year`, in order; their numbering must be sound."""
    archive, unreadable = scan(config)
    # an issue of the year that cannot be read would be left out silently: the volume is refused instead
    broken = [problem for problem in unreadable if _may_be_of(problem.path, year)]
    if broken:
        raise Problems(broken) if len(broken) > 1 else broken[0]
    found = [entry for entry in archive if entry.date.year == year]
    if not found:
        raise UsageError(f"no issues dated {year} under {config.issues_dir}")
    problems: list[BulletinError] = list(numbering_problems(found, config.gaps, dt.date.today()))
    if problems:
        raise Problems(problems) if len(problems) > 1 else problems[0]
    return found


def _may_be_of(path: Path | None, year: int) -> bool:
    """Whether an issue file that could not be read may belong to `year`: its date line or folder says so, or nothing says."""
    import re

    if path is None:
        return True
    try:
        with open(path, "rb") as handle:
            head = handle.read(64 * 1024).decode("utf-8", "replace")
    except OSError:
        head = ""
    stated = re.search(r"^date\s*[:：]\s*['\"]?(\d{4})", head, re.M)
    if stated:
        return int(stated.group(1)) == year
    folders = [part for part in path.parts if re.fullmatch(r"\d{4}", part)]
    return not folders or str(year) in folders


def contents_pdf(config: Config, year: int, issues: list[tuple[Entry, str]]) -> bytes:
    """The title and contents pages of the volume, set in the house fonts."""
    from bulletin.render.pdf import house_pdf

    return house_pdf(
        config,
        VOLUME_TEMPLATE,
        {
            "title": f"{config.series.name}{config.series.kind} {year}年合订本",
            "year": year,
            "series": config.series,
            "issues": [
                {
                    "issue_line": typography.issue_line(entry.issue, entry.total),
                    "title": title,
                    "date": typography.chinese_date(entry.date),
                }
                for entry, title in issues
            ],
        },
    )


def merge(config: Config, year: int, contents: bytes, issues: list[tuple[Entry, str, Path]]) -> bytes:
    """The contents, then every issue PDF, each on a right-hand page, with bookmarks and page labels."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.constants import PageLabelStyle
    from pypdf.generic import ArrayObject, ByteStringObject, NameObject, TextStringObject

    writer = PdfWriter()
    front = PdfReader(io.BytesIO(contents))
    writer.append(front, import_outline=False)
    writer.add_outline_item(title="目录", page_number=0)
    width, height = float(front.pages[0].mediabox.width), float(front.pages[0].mediabox.height)
    if len(writer.pages) % 2:
        writer.add_blank_page(width=width, height=height)
    writer.set_page_label(0, len(writer.pages) - 1, style=PageLabelStyle.LOWERCASE_ROMAN)
    for entry, title, pdf in issues:
        first = len(writer.pages)
        reader = PdfReader(pdf)
        label = f"{typography.issue_line(entry.issue, entry.total)} {title}"
        writer.append(reader, outline_item=label, import_outline=True)
        if len(reader.pages) % 2:
            writer.add_blank_page(width=width, height=height)
        writer.set_page_label(first, len(writer.pages) - 1, style=PageLabelStyle.DECIMAL, prefix=f"{entry.total}-", start=1)
    last = max(entry.date for entry, _, _ in issues)
    stamp = f"D:{last.strftime('%Y%m%d')}000000+08'00"
    writer.add_metadata(
        {
            "/Title": f"{config.series.name}{config.series.kind} {year}年合订本",
            "/Author": config.series.publisher,
            "/Subject": f"{year}年 {len(issues)}期",
            "/Creator": "bulletin",
            "/Producer": "bulletin",
            "/CreationDate": stamp,
            "/ModDate": stamp,
        }
    )
    # pypdf would leave the volume without an /ID; derive one from what it holds
    digest = hashlib.md5(usedforsecurity=False)
    for _, _, pdf in issues:
        digest.update(pdf.read_bytes())
    identity = ByteStringObject(hashlib.md5(f"{config.series.name}|{year}".encode(), usedforsecurity=False).digest())
    writer._ID = ArrayObject([identity, ByteStringObject(digest.digest())])
    writer._root_object[NameObject("/PageMode")] = NameObject("/UseOutlines")
    writer._root_object[NameObject("/Lang")] = TextStringObject("zh-CN")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()
