"""End to end: every sample issue built as PDF and DOCX holds every part of the house style."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from docx import Document
from docx.oxml.ns import qn
from pypdf import PdfReader

from bulletin.config import Config
from bulletin.pipeline import load, output_path
from bulletin.typography import chinese_date, issue_line, recipients_line

from .conftest import SAMPLES

pytestmark = pytest.mark.slow


def expected_parts(path: Path, config: Config) -> dict[str, str]:
    """The texts every rendering of the issue at `path` must contain."""
    issue = load(path, config)
    meta = issue.meta
    parts = {
        "masthead": config.series.name,
        "kind": config.series.kind,
        "issue line": issue_line(meta.issue, meta.total),
        "date": chinese_date(meta.date),
        "publisher": config.series.publisher,
        "title": meta.title,
        "editor": f"责任编辑：{meta.editor}",
        "phone": f"联系电话：{config.contact.phone}",
        "address": f"地址：{config.contact.address}",
        "print run": f"共印：{meta.print_run}份",
    }
    if meta.recipients:
        parts["recipients"] = recipients_line(config.series.kind, meta.recipients)
    return parts


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_pdf_holds_every_part(sample: Path, sample_build: Path, sample_config: Config) -> None:
    reader = PdfReader(output_path(sample_config, sample, sample_build, "pdf"))
    pages = [page.extract_text() or "" for page in reader.pages]
    first, last = squash(pages[0]), squash(pages[-1])
    for name, text in expected_parts(sample, sample_config).items():
        where = last if name in ("editor", "phone", "address", "print run") else first
        assert squash(text) in where, f"{name}: {text!r} not on its page"
    for number, text in enumerate(pages, start=1):
        assert re.search(rf"—\s*{number}\s*—", text), f"page {number} has no '— {number} —'"


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_pdf_front_is_in_order(sample: Path, sample_build: Path, sample_config: Config) -> None:
    text = squash(PdfReader(output_path(sample_config, sample, sample_build, "pdf")).pages[0].extract_text())
    parts = expected_parts(sample, sample_config)
    order = ["masthead", "issue line", "publisher", "title"]
    positions = [text.find(squash(parts[name])) for name in order]
    assert positions == sorted(positions), dict(zip(order, positions))


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_docx_holds_every_part_in_named_styles(sample: Path, sample_build: Path, sample_config: Config) -> None:
    document = Document(str(output_path(sample_config, sample, sample_build, "docx")))
    paragraphs = [(p.text, p.style) for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            for cell in row.cells:
                paragraphs.extend((p.text, p.style) for p in cell.paragraphs)
    for name, text in expected_parts(sample, sample_config).items():
        holders = [style for para, style in paragraphs if squash(text) in squash(para)]
        assert holders, f"{name}: {text!r} not in the DOCX"
        style = holders[0]
        assert style.name not in ("Normal", "Default Paragraph Font"), f"{name} in style {style.name}"
        fonts = [
            s.element.rPr.find(qn("w:rFonts")) if s.element.rPr is not None else None
            for s in _style_chain(style)
        ]
        assert any(f is not None and f.get(qn("w:eastAsia")) for f in fonts), f"{name}: no East Asian font"


def _style_chain(style):  # type: ignore[no-untyped-def]
    while style is not None:
        yield style
        style = style.base_style
