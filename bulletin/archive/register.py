"""The distribution register (发放登记) of an issue: an append-only log, and a CSV and a PDF made from it.

build/register/YYYY/NNN.log.jsonl gets one line per copy printed or reprinted and is
never rewritten: old lines stay byte for byte. NNN.csv is regenerated from the log
(UTF-8 with BOM and CRLF line ends, so Excel on a Chinese Windows opens it correctly):
copy number, recipient, date printed, reprints, and an empty signature column. NNN.pdf
is the same table in the house style, to print and sign; the same log gives the same bytes.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import stat
from pathlib import Path
from typing import Any

from bulletin.config import Config
from bulletin.errors import UsageError
from bulletin.model import Meta
from bulletin.output import atomic_write
from bulletin.archive.printing import copy_number

HEADER = ("份号", "接收人", "印制日期", "补印", "签收")


def recipient(number: int, recipients: tuple[str, ...], distribution: tuple[str, ...]) -> str:
    """Who gets copy `number`: the issue's recipients first, then the house list, then nobody yet."""
    names = (*recipients, *distribution)
    return names[number - 1] if number <= len(names) else ""


def read_log(log: Path) -> list[dict[str, Any]]:
    """The log's records, oldest first (none when it does not exist yet)."""
    if not log.is_file():
        return []
    return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines() if line.strip()]


def printed(log: Path) -> set[int]:
    """The copy numbers printed so far."""
    return {int(record["copy"]) for record in read_log(log)}


def append(log: Path, records: list[dict[str, Any]]) -> None:
    """Add `records` at the end of the log, leaving every earlier byte as it was."""
    from bulletin.support.boundary import refusal

    problem = refusal(log, build_folder(log), "the register", UsageError)
    if problem is not None:
        raise problem
    log.parent.mkdir(parents=True, exist_ok=True)
    data = "".join(json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n" for record in records).encode()
    # never through a link, never into a FIFO or device: the register is a file of the build folder
    flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        descriptor = os.open(log, flags, 0o644)
    except OSError as exc:
        raise UsageError(f"cannot append to the register: {exc.strerror}", log) from None
    with os.fdopen(descriptor, "ab") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            raise UsageError("the register is not a regular file; not written", log)
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def record_run(
    log: Path,
    numbers: tuple[int, ...],
    recipients: tuple[str, ...],
    distribution: tuple[str, ...],
    date: dt.date,
    reprint: bool,
) -> None:
    """Record a print (or a reprint) of `numbers`; a reprint of a copy never printed is refused."""
    if reprint:
        missing = sorted(set(numbers) - printed(log))
        if missing:
            listed = ", ".join(copy_number(n) for n in missing)
            raise UsageError(f"copy {listed} was never printed: print the run first, then reprint")
    append(
        log,
        [
            {
                "copy": n,
                "recipient": recipient(n, recipients, distribution),
                "date": date.isoformat(),
                "kind": "reprint" if reprint else "print",
            }
            for n in numbers
        ],
    )


def table(log: Path) -> list[tuple[str, str, str, str, str]]:
    """The register's rows, by copy number: first print date, reprint dates, blank signature."""
    copies: dict[int, dict[str, Any]] = {}
    for record in read_log(log):
        entry = copies.setdefault(int(record["copy"]), {"recipient": record["recipient"], "date": "", "reprints": []})
        if record["kind"] == "reprint":
            entry["reprints"].append(record["date"])
        elif not entry["date"]:
            entry["date"] = record["date"]
    return [
        (copy_number(n), e["recipient"], e["date"], "；".join(e["reprints"]), "")
        for n, e in sorted(copies.items())
    ]


def write_csv(log: Path) -> Path:
    """Regenerate NNN.csv beside the log: UTF-8 with BOM, CRLF, for Excel."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADER)
    writer.writerows(table(log))
    target = log.with_name(log.name.removesuffix(".log.jsonl") + ".csv")
    atomic_write(target, b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8"), inside=build_folder(log))
    return target


REGISTER_TEMPLATE = "register.html.j2"


def write_pdf(log: Path, config: Config, meta: Meta) -> Path:
    """Regenerate NNN.pdf beside the log: the register in the house style, with a signature column."""
    import hashlib

    from bulletin import typography
    from bulletin.render.pdf import house_pdf

    line = typography.issue_line(meta.issue, meta.total)
    pdf = house_pdf(
        config,
        REGISTER_TEMPLATE,
        {
            "title": f"{config.series.name}{config.series.kind} {line} 发放登记",
            "series": config.series,
            "issue_line": line,
            "issue_title": meta.title,
            "header": HEADER,
            "rows": table(log),
        },
        identifier=hashlib.md5(log.read_bytes(), usedforsecurity=False).hexdigest().encode(),
    )
    target = log.with_name(log.name.removesuffix(".log.jsonl") + ".pdf")
    atomic_write(target, pdf, inside=build_folder(log))
    return target


def build_folder(log: Path) -> Path:
    """The build folder a register log lies in: build/ of build/register/YYYY/NNN.log.jsonl."""
    return log.parents[2]


def log_path(build_dir: Path, relative_pdf: Path) -> Path:
    """build/register/YYYY/NNN.log.jsonl for the archived build/YYYY/NNN.pdf."""
    return build_dir / "register" / relative_pdf.parent / f"{relative_pdf.stem}.log.jsonl"
