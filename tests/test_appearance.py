"""Appearance measured on the printed pages, both editions: no overprinted glyphs, nothing off the
page, nothing outside the type area but the page number."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bulletin.config import load_config
from bulletin.pipeline import build
from tests.conftest import FRONT, Project
from tests.layout import LIMITS, appearance


CLEAN = {"overprints": [], "off_page": [], "outside_type_area": []}


@pytest.fixture(scope="session")
def limits_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The limits project built as PDF and DOCX; its build folder."""
    root = tmp_path_factory.mktemp("limits")
    shutil.copytree(LIMITS, root, dirs_exist_ok=True)
    results = build(load_config(root), [], ("pdf", "docx"), root / "build")
    assert not [str(r.error) for r in results if r.error]
    return root / "build"

#: a 4-character editor with three phone numbers and a fax, and a 60-character address
STRESS_TOML = """
[contact]
phone = "0571-8806 2317  0571-8806 2319  0571-8806 2320"
fax = "0571-8806 2318"
address = "临江市滨江区观澜路88号临江发展研究院综合楼东侧副楼三层三百零一室（邮政编码三一零零五一）收发室转编辑部"
"""


@pytest.fixture(scope="module")
def stress_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One issue built with the longest colophon fields; its PDF."""
    root = tmp_path_factory.mktemp("stress")
    project = Project(root)
    text = (root / "bulletin.toml").read_text(encoding="utf-8")
    text = text[: text.index("[contact]")] + STRESS_TOML.lstrip()
    (root / "bulletin.toml").write_text(text, encoding="utf-8")
    project.issue(front=FRONT.replace("editor: 林书瑶", "editor: 欧阳书瑶"))
    results = build(project.config, [], ("pdf", "docx"), root / "build")
    assert not [r.error for r in results if r.error]
    return root / "build" / "2026" / "003.pdf"


def test_samples_do_not_overprint(sample_build: Path) -> None:
    pdfs = sorted(sample_build.rglob("*.pdf"))
    assert pdfs
    for pdf in pdfs:
        assert appearance(pdf) == CLEAN, pdf.name


def test_limits_stay_in_the_type_area(limits_build: Path) -> None:
    house = load_config(limits_build.parent).house
    pdfs = sorted(limits_build.rglob("*.pdf"))
    assert len(pdfs) == 2
    for pdf in pdfs:
        assert appearance(pdf, house) == CLEAN, pdf.name


def test_long_colophon_moves_the_phone_to_its_own_row(stress_pdf: Path) -> None:
    assert appearance(stress_pdf) == CLEAN
    import pdfplumber

    with pdfplumber.open(stress_pdf) as pdf:
        last = pdf.pages[-1]
        words = last.extract_text(layout=False).split("\n")
    editor = next(i for i, line in enumerate(words) if "责任编辑" in line)
    assert "联系电话" not in words[editor]
    assert "联系电话" in words[editor + 1]
    # the 60-character address wraps, and its lines stay inside the type area
    with pdfplumber.open(stress_pdf) as pdf:
        chars = pdf.pages[-1].chars
        right = pdf.pages[-1].width - 26 * 72 / 25.4
        assert max(c["x1"] for c in chars if c["text"] in "收发室转编辑部") <= right + 0.5


def test_cc_prints_in_the_colophon_only_when_given(tmp_path: Path) -> None:
    project = Project(tmp_path)
    project.issue(front=FRONT + "cc: 市委办公厅、市政府办公厅\n")
    project.issue("2026/004.md", front=FRONT.replace("issue: 3", "issue: 4"))
    results = build(project.config, [], ("pdf",), tmp_path / "build")
    assert not [r.error for r in results if r.error]
    import pdfplumber

    texts = []
    for name in ("003", "004"):
        with pdfplumber.open(tmp_path / "build" / "2026" / f"{name}.pdf") as pdf:
            texts.append(pdf.pages[-1].extract_text())
    assert "抄送：市委办公厅、市政府办公厅" in texts[0]
    assert "抄送" not in texts[1]


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_docx_as_libreoffice_sets_it_does_not_overprint(
    sample_build: Path, stress_pdf: Path, limits_build: Path, tmp_path: Path
) -> None:
    """Every sample, stress and limits DOCX, in one LibreOffice call: no overprints, nothing off the
    page or outside the type area (LibreOffice hangs closing marks: see `outside_type_area`)."""
    from tests.render.test_docx_libreoffice import to_pdf

    sources = sorted(sample_build.rglob("*.docx"))
    stress = tmp_path / "stress.docx"
    shutil.copy(stress_pdf.with_suffix(".docx"), stress)
    limits = [tmp_path / f"limits-{p.name}" for p in sorted(limits_build.rglob("*.docx"))]
    for source, copy in zip(sorted(limits_build.rglob("*.docx")), limits):
        shutil.copy(source, copy)
    pdfs = to_pdf([*_renamed(sources, tmp_path), stress, *limits], tmp_path)
    house = load_config(limits_build.parent).house
    for pdf in pdfs:
        assert appearance(pdf, house, hung=True) == CLEAN, pdf.name


def _renamed(sources: list[Path], folder: Path) -> list[Path]:
    """Copies of the DOCX files with names unique across years (LibreOffice names its PDFs by stem)."""
    copies = []
    for source in sources:
        copy = folder / f"{source.parent.name}-{source.name}"
        shutil.copy(source, copy)
        copies.append(copy)
    return copies
