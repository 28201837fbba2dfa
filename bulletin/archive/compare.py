"""What differs between two versions of an output: pages, text, fonts, metadata, bytes.

Used by `verify` to say more than "the SHA-256 differs". Every reader error is a finding,
never a crash: a damaged file is described as unreadable.
"""
from __future__ import annotations

import io
import logging
import zipfile
from typing import Any


def _bytes(kept: bytes, other: bytes) -> str:
    if len(kept) != len(other):
        return f"size {len(kept)} bytes, rebuilt {len(other)}"
    offsets = [i for i, (a, b) in enumerate(zip(kept, other)) if a != b]
    return f"{len(offsets)} byte(s) differ, the first at offset {offsets[0]}"


def _pdf(data: bytes) -> tuple[int, list[str], set[str], dict[str, Any]]:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data), strict=False)
    texts, fonts = [], set()
    for page in reader.pages:
        texts.append(page.extract_text() or "")
        resources = page.get("/Resources")
        font_table = resources.get_object().get("/Font") if resources is not None else None
        for font in (font_table.get_object().values() if font_table is not None else ()):
            name = str(font.get_object().get("/BaseFont", ""))
            fonts.add(name.split("+", 1)[-1])
    metadata = {str(k): str(v) for k, v in (reader.metadata or {}).items()}
    return len(reader.pages), texts, fonts, metadata


def _pdf_findings(kept: bytes, other: bytes) -> list[str]:
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        pages_a, text_a, fonts_a, meta_a = _pdf(kept)
    except Exception as exc:  # noqa: BLE001 (pypdf raises many kinds on a damaged file)
        return [f"not a readable PDF ({type(exc).__name__})"]
    try:
        pages_b, text_b, fonts_b, meta_b = _pdf(other)
    except Exception as exc:  # noqa: BLE001
        return [f"the rebuilt PDF is not readable ({type(exc).__name__})"]
    found = []
    if pages_a != pages_b:
        found.append(f"pages: {pages_a}, rebuilt {pages_b}")
    changed = [str(n) for n, (a, b) in enumerate(zip(text_a, text_b), start=1) if a != b]
    if changed:
        found.append(f"text differs on page {', '.join(changed)}")
    if fonts_a != fonts_b:
        found.append(f"fonts: {', '.join(sorted(fonts_a - fonts_b) or ['-'])} kept, {', '.join(sorted(fonts_b - fonts_a) or ['-'])} rebuilt")
    keys = sorted(k for k in set(meta_a) | set(meta_b) if meta_a.get(k) != meta_b.get(k))
    if keys:
        found.append(f"metadata: {', '.join(keys)}")
    return found


def _docx_findings(kept: bytes, other: bytes) -> list[str]:
    try:
        a, b = zipfile.ZipFile(io.BytesIO(kept)), zipfile.ZipFile(io.BytesIO(other))
        parts_a = {info.filename: a.read(info) for info in a.infolist()}
        parts_b = {info.filename: b.read(info) for info in b.infolist()}
    except Exception as exc:  # noqa: BLE001 (zipfile raises many kinds on a damaged file)
        return [f"not a readable DOCX ({type(exc).__name__})"]
    changed = sorted(n for n in set(parts_a) | set(parts_b) if parts_a.get(n) != parts_b.get(n))
    found = [f"parts differ: {', '.join(changed)}"] if changed else []
    if "word/document.xml" in changed:
        import docx

        try:
            paragraphs_a = [p.text for p in docx.Document(io.BytesIO(kept)).paragraphs]
            paragraphs_b = [p.text for p in docx.Document(io.BytesIO(other)).paragraphs]
        except Exception:  # noqa: BLE001
            return found
        numbers = [str(n) for n, (x, y) in enumerate(zip(paragraphs_a, paragraphs_b), start=1) if x != y]
        if len(paragraphs_a) != len(paragraphs_b):
            found.append(f"paragraphs: {len(paragraphs_a)}, rebuilt {len(paragraphs_b)}")
        if numbers:
            found.append(f"text differs in paragraph {', '.join(numbers[:5])}" + ("…" if len(numbers) > 5 else ""))
    if "docProps/core.xml" in changed:
        found.append("metadata: docProps/core.xml")
    return found


def describe(fmt: str, kept: bytes, rebuilt: bytes) -> str:
    """What differs between the kept bytes of a `fmt` output and rebuilt ones, in one phrase."""
    if kept == rebuilt:
        return "identical"
    findings = {"pdf": _pdf_findings, "docx": _docx_findings}.get(fmt, lambda a, b: [])(kept, rebuilt)
    return "; ".join([*findings, _bytes(kept, rebuilt)])
