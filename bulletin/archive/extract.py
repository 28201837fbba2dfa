"""Reading back what the archive holds: the source and images embedded in an issue PDF
(`bulletin extract`), and a DOCX checked to be safe to open (`bulletin styles`)."""
from __future__ import annotations

import io
import os
from pathlib import Path

from bulletin.errors import UsageError


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


#: the largest DOCX `styles` reads (its parts are bounded by `support.zipsafe`)
MAX_DOCX_BYTES = 50 * 1024 * 1024


def read_docx(path: Path) -> bytes:
    """The bytes of the DOCX at `path`, checked to be safe to open: bounded, no XML bomb.

    A zip bomb (parts that unpack to gigabytes) and an XML bomb (entities that expand
    without end, or any DTD) are refused with one line before python-docx sees the file.
    """
    import zipfile

    import defusedxml.ElementTree
    from defusedxml import DefusedXmlException

    from bulletin.source import read_bounded
    from bulletin.support.zipsafe import MAX_PART_BYTES, zip_bomb

    data = read_bounded(path, MAX_DOCX_BYTES, UsageError)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            bomb = zip_bomb(archive)
            if bomb:
                raise UsageError(bomb, path)
            for member in archive.infolist():
                if not member.filename.endswith((".xml", ".rels")):
                    continue
                with archive.open(member) as handle:
                    content = handle.read(MAX_PART_BYTES + 1)
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
