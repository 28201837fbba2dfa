"""The DOCX edition through a real reader: LibreOffice lays it out, pdfplumber measures the pages.

LibreOffice stands in for Word and WPS (which the tests cannot run). It sees only the
project's fonts (fonts/fonts.conf maps the names the DOCX asks for to the open faces)
and starts from a fresh profile in a temporary HOME.
"""
from __future__ import annotations

import collections
import os
import re
import shutil
import subprocess
from pathlib import Path

import pdfplumber
import pytest

from bulletin import typography
from bulletin.config import Config
from bulletin.house import GEOMETRY, MM
from bulletin.model import Issue
from bulletin.render.docx import render_docx
from tests import pdfmeasure
from tests.pdfmeasure import BOTTOM, LEFT, RIGHT, TOP
from tests.render.docx_factory import HAN, config, full_issue, long_issue

ROOT = Path(__file__).resolve().parents[2]
SOFFICE = shutil.which("soffice")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        SOFFICE is None,
        reason="LibreOffice is not installed (apt-get install --no-install-recommends libreoffice-writer-nogui)",
    ),
]

#: how far a line may miss the type area's edges: LibreOffice fits its grid of 28 cells
#: (15.73 pt after its rounding) in the 156 mm measure, centred, so 0.9 pt short each side
EDGE = 2.0


def to_pdf(sources: list[Path], out: Path) -> list[Path]:
    """Convert DOCX files to PDF with LibreOffice, the project's fonts only, a fresh profile."""
    home = out / "home"
    home.mkdir(exist_ok=True)
    env = dict(os.environ, HOME=str(home), FONTCONFIG_FILE=str(ROOT / "fonts" / "fonts.conf"))
    assert SOFFICE is not None
    subprocess.run(
        [SOFFICE, "--headless", "--norestore", "--convert-to", "pdf", "--outdir", str(out), *map(str, sources)],
        env=env, check=True, capture_output=True, timeout=300,
    )
    pdfs = [out / f"{source.stem}.pdf" for source in sources]
    missing = [p.name for p in pdfs if not p.exists()]
    assert not missing, f"LibreOffice wrote no {missing}"
    return pdfs


class Line(pdfmeasure.Line):
    """A printed line as LibreOffice sets it (grouped by glyph bottoms, not baselines)."""

    @property
    def top(self) -> float:
        """Top of the line's tallest glyph box."""
        return min(c["top"] for c in self.chars)

    @property
    def size(self) -> float:
        """The most common glyph size on the line."""
        return collections.Counter(round(c["size"], 1) for c in self.chars).most_common(1)[0][0]

    @property
    def han(self) -> int:
        """How many Han characters the line holds."""
        return sum(1 for c in self.chars if re.match(r"[\u3400-\u9fff]", c["text"]))


def lines_of(path: Path) -> list[list[Line]]:
    """Every page's lines, grouped by baseline, top to bottom."""
    pages: list[list[Line]] = []
    with pdfplumber.open(path) as pdf:
        for index, page in enumerate(pdf.pages):
            rows: dict[float, list[dict]] = collections.defaultdict(list)
            for char in page.chars:
                rows[round(char["bottom"] - char["size"] * 0.12)].append(char)
            merged: list[Line] = []
            for key in sorted(rows):
                chars = sorted(rows[key], key=lambda c: c["x0"])
                if merged and abs(merged[-1].chars[0]["bottom"] - chars[0]["bottom"]) < 3:
                    merged[-1].chars = sorted(merged[-1].chars + chars, key=lambda c: c["x0"])
                else:
                    merged.append(Line(index, chars[0]["bottom"], chars))
            pages.append(merged)
    return pages


def body(page: list[Line]) -> list[Line]:
    """Lines of 三号 text inside the type area."""
    return [line for line in page if line.size == GEOMETRY.body_size and TOP - 2 < line.top < BOTTOM]


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A long synthetic issue and one with every part, as LibreOffice prints them."""
    folder = tmp_path_factory.mktemp("lo")
    sources = []
    for name, issue in (("long", long_issue(folder)), ("full", full_issue(folder))):
        path = folder / f"{name}.docx"
        path.write_bytes(render_docx(issue, config(folder)))
        sources.append(path)
    return dict(zip(("long", "full"), to_pdf(sources, folder)))


@pytest.fixture(scope="module")
def long_pages(rendered: dict[str, Path]) -> list[list[Line]]:
    """The long issue's pages."""
    return lines_of(rendered["long"])


def test_full_pages_hold_22_lines(long_pages: list[list[Line]]) -> None:
    assert len(long_pages) >= 4
    inner = long_pages[1:-1]
    assert [len(body(page)) for page in inner] == [GEOMETRY.lines_per_page] * len(inner)
    for page in inner:
        tops = [line.top for line in body(page)]
        pitches = {round(b - a, 1) for a, b in zip(tops, tops[1:])}
        assert pitches <= {28.9, 29.0}, pitches


def test_full_lines_hold_28_characters_edge_to_edge(long_pages: list[list[Line]]) -> None:
    full = indented = 0
    for page in long_pages[1:]:
        for line in body(page):
            if line.x1 < RIGHT - EDGE:
                continue  # a paragraph's last line
            if abs(line.x0 - LEFT) <= EDGE:
                assert line.han == GEOMETRY.chars_per_line, line.text
                full += 1
            else:  # first line: indented two characters
                assert line.x0 - LEFT == pytest.approx(2 * GEOMETRY.char_pitch, abs=EDGE)
                assert line.han == GEOMETRY.chars_per_line - 2, line.text
                indented += 1
    assert full > 60 and indented > 10


def test_lines_are_justified_to_the_type_area(long_pages: list[list[Line]]) -> None:
    ends = [line.x1 for page in long_pages[1:] for line in body(page) if line.x1 > RIGHT - 3 * GEOMETRY.char_pitch]
    paragraph_ends = [line for page in long_pages[1:] for line in body(page) if line.x1 < RIGHT - EDGE]
    assert all(abs(end - RIGHT) <= EDGE for end in ends), sorted(ends)[:5]
    # Only the last line of each paragraph stops short (24 paragraphs, minus those ending flush).
    assert len(paragraph_ends) <= 24


def test_text_is_the_source_text(long_pages: list[list[Line]]) -> None:
    text = "".join(line.text for page in long_pages for line in body(page))
    assert text.count(HAN * 4) >= 20  # nothing inserted between characters to justify


def test_page_numbers_alternate_sides_one_character_in(long_pages: list[list[Line]]) -> None:
    for index, page in enumerate(long_pages):
        number = index + 1
        (folio,) = [line for line in page if line.top > BOTTOM]
        assert re.fullmatch(rf"—\s?{number}\s?—", folio.text), folio.text
        assert folio.size == GEOMETRY.page_number_size
        indent = GEOMETRY.page_number_size
        if number % 2:
            assert folio.x1 == pytest.approx(RIGHT - indent, abs=EDGE), "odd pages: flush right, one character in"
        else:
            assert folio.x0 == pytest.approx(LEFT + indent, abs=EDGE), "even pages: flush left, one character in"
        # The number sits about 7 mm below the type area.
        assert (folio.top - BOTTOM) / MM == pytest.approx(GEOMETRY.page_number_gap_mm, abs=1.5)


def test_colophon_sits_at_the_foot_of_the_last_page(long_pages: list[list[Line]]) -> None:
    last = long_pages[-1]
    texts = [line.text for line in last]
    assert any(t.startswith("共印：30份") for t in texts), texts
    run = next(line for line in last if line.text.startswith("共印"))
    assert BOTTOM - 30 < run.top < BOTTOM, "the colophon's last line is on the type area's last line"
    assert not any("共印" in line.text for page in long_pages[:-1] for line in page)


def test_front_page_reads_in_order(rendered: dict[str, Path]) -> None:
    with pdfplumber.open(rendered["full"]) as pdf:
        first = re.sub(r"\s+", "", pdf.pages[0].extract_text())
        everything = re.sub(r"\s+", "", "".join(p.extract_text() for p in pdf.pages))
    parts = ["本期专报：陈明远书记、周立衡市长", "临江参阅专报", "第7期（总第89期）", "临江发展研究院",
             "2025年10月6日", "关于推动临江港口物流数字化转型的几点建议", "编者按："]
    positions = [first.find(part) for part in parts]
    assert -1 not in positions, dict(zip(parts, positions))
    assert positions == sorted(positions)
    for part in ("资料来源：临江市统计局。", "2021—2025年临江港集装箱吞吐量", "集装箱吞吐量（万标箱）", "共印：30份"):
        assert part in everything, part


def test_masthead_is_red(rendered: dict[str, Path]) -> None:
    with pdfplumber.open(rendered["full"]) as pdf:
        mast = [c for c in pdf.pages[0].chars if c["text"] in "临江参阅" and c["size"] > 40]
    assert len(mast) == 4
    colour = mast[0]["non_stroking_color"]
    assert colour is not None and colour[0] > 0.8 and max(colour[1:]) < 0.2, colour


# ---------------------------------------------------------------- the sample issues


SAMPLES = sorted((ROOT / "issues").rglob("*.md"))


@pytest.fixture(scope="module")
def samples(tmp_path_factory: pytest.TempPathFactory, sample_config: Config) -> dict[str, tuple[Issue, Path]]:
    """Every sample issue's DOCX as LibreOffice prints it."""
    from bulletin.pipeline import load

    folder = tmp_path_factory.mktemp("lo-samples")
    issues, sources = [], []
    for sample in SAMPLES:
        issue = load(sample, sample_config)
        path = folder / f"{sample.parent.name}-{sample.stem}.docx"
        path.write_bytes(render_docx(issue, sample_config))
        issues.append(issue)
        sources.append(path)
    pdfs = to_pdf(sources, folder) if sources else []
    return {p.stem: (i, p) for i, p in zip(issues, pdfs)}


def test_samples_print_their_front_numbers_and_colophon(samples: dict[str, tuple[Issue, Path]]) -> None:
    assert samples
    for name, (issue, pdf_path) in samples.items():
        pages = lines_of(pdf_path)
        with pdfplumber.open(pdf_path) as pdf:
            first = re.sub(r"\s+", "", pdf.pages[0].extract_text())
        for part in (issue.series.name, typography.issue_line(issue.meta.issue, issue.meta.total),
                     typography.chinese_date(issue.meta.date), issue.meta.title):
            assert re.sub(r"\s+", "", part) in first, (name, part)
        for index, page in enumerate(pages):
            folios = [line.text for line in page if line.top > BOTTOM]
            assert any(re.fullmatch(rf"—\s?{index + 1}\s?—", t) for t in folios), (name, index + 1, folios)
        assert any(line.text.startswith(f"共印：{issue.meta.print_run}份") for line in pages[-1]), name
        for page in pages:
            for line in body(page):
                assert line.han <= GEOMETRY.chars_per_line + 1, (name, line.text)


def test_a_line_ended_by_a_line_break_is_not_spread(samples: dict[str, tuple[Issue, Path]]) -> None:
    """课题组：… ends in a '\\' in 2026/003: justified, it is still set on the grid, as in the PDF."""
    _, pdf_path = samples["2026-003"]
    with pdfplumber.open(pdf_path) as pdf:
        for page in pdf.pages:
            chars = [c for c in page.chars if c["text"].strip()]
            rows = collections.defaultdict(list)
            for char in chars:
                rows[round(char["bottom"])].append(char)
            for row in rows.values():
                text = "".join(c["text"] for c in sorted(row, key=lambda c: c["x0"]))
                if text.startswith("课题组："):
                    row.sort(key=lambda c: c["x0"])
                    advances = [b["x0"] - a["x0"] for a, b in zip(row, row[1:])]
                    # the grid's pitch is 15.8 pt; a spread line would open gaps of 5 pt and more
                    assert max(advances) < GEOMETRY.char_pitch + 1.0, (text, advances)
                    return
    raise AssertionError("no line 课题组：… in the DOCX as LibreOffice sets it")


def test_colophon_on_even_page_lands_on_an_even_page(tmp_path: Path) -> None:
    from tests.render.docx_factory import even_config

    sources = []
    # Both bodies end on page 1 (as before the marks group took two lines of page 1). A body
    # ending on page 2 gets its colophon on page 3 in LibreOffice 7.4, which does not honour
    # an even-page section start: not covered here.
    for paragraphs in (2, 3):
        path = tmp_path / f"even-{paragraphs}.docx"
        path.write_bytes(render_docx(long_issue(tmp_path, paragraphs), even_config(tmp_path)))
        sources.append(path)
    for pdf in to_pdf(sources, tmp_path):
        pages = lines_of(pdf)
        holding = [i + 1 for i, page in enumerate(pages) if any(line.text.startswith("共印") for line in page)]
        assert holding == [len(pages)] and len(pages) % 2 == 0, (pdf.name, holding, len(pages))
        (folio,) = [line for line in pages[-1] if line.top > BOTTOM]
        assert re.fullmatch(rf"—\s?{len(pages)}\s?—", folio.text), folio.text
