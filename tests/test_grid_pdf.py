"""The built PDFs measured against the grid: justification, 28 per line, 22 per page, clreq, fonts, text."""
from __future__ import annotations

import re
import shutil
import subprocess
from functools import lru_cache
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont
from pypdf import PdfReader

from bulletin.config import Config
from bulletin.support.fonts import FontFile, fonts_dir, load_fonts
from bulletin.house import GEOMETRY
from bulletin.pipeline import build, load, output_path

from bulletin.typography import title_cells
from . import pagefill

from .conftest import ROOT, SAMPLES
from .test_breaking import balanced_between_words
from .pdfmeasure import (
    LEFT,
    RIGHT,
    WIDEST_GAP,
    Line,
    Printed,
    body_lines,
    expected_blocks,
    figure_pages,
    grid_fits,
    justified_shortfalls,
    latin_runs,
    match_blocks,
    off_grid,
    page_fills,
    pdf_lines,
    rule_breaks,
    runts,
)

pytestmark = pytest.mark.slow

STRESS = ROOT / "tests" / "fixtures" / "stress.md"
ISSUES = [*SAMPLES, STRESS]


def issue_id(path: Path) -> str:
    return path.stem if path == STRESS else f"{path.parent.name}/{path.stem}"


@pytest.fixture(scope="module")
def stress_build(tmp_path_factory: pytest.TempPathFactory, sample_config: Config) -> Path:
    """The stress issue built as PDF; the output folder."""
    out = tmp_path_factory.mktemp("stress")
    [result] = build(sample_config, [STRESS], ("pdf",), out)
    assert result.error is None, str(result.error)
    return out


@pytest.fixture
def built(request: pytest.FixtureRequest, sample_config: Config) -> tuple[Path, list[list[Line]], list[Printed]]:
    """For the parametrized issue: its PDF, its lines per page, and its blocks paired with their lines."""
    source: Path = request.param
    folder = request.getfixturevalue("stress_build" if source == STRESS else "sample_build")
    pdf = output_path(sample_config, source, folder, "pdf")
    return pdf, *_measure(pdf, source, sample_config)


@lru_cache(maxsize=None)
def _measure(pdf: Path, source: Path, config: Config) -> tuple[list[list[Line]], list[Printed]]:
    pages = pdf_lines(pdf)
    return pages, match_blocks(body_lines(pages), expected_blocks(load(source, config)))


each_issue = pytest.mark.parametrize("built", ISSUES, ids=issue_id, indirect=True)


@each_issue
def test_every_mid_paragraph_line_reaches_both_edges(built) -> None:
    _, _, printed = built
    count, short = justified_shortfalls(printed, tolerance=0.5)
    assert count > 10
    assert short == []


@each_issue
def test_latin_words_and_numbers_keep_their_spacing_on_justified_lines(built) -> None:
    # the slack goes between Han characters and at Han/Latin boundaries, not inside AI,
    # 2025 or 3.2% (before, 185 of the 236 runs of the samples and stress issue were spaced);
    # only a line whose other gaps are already as wide as extraction allows spaces its runs,
    # never wider than those gaps
    # a last line that would hold one character alone takes it up with marks at half width
    # instead of leaving the line above a cell short (8 spaced runs on 4 lines before, 3 after)
    pdf, _, printed = built
    count, spaced = latin_runs(printed, tolerance=0.03)
    assert count >= 10
    assert [run for run in spaced if not run.loose] == []
    if pdf.stem != STRESS.stem:
        assert spaced == []
    else:
        # one line only: the next cluster, （LLM）, may not be broken and cannot be squeezed onto it
        assert len({run.page for run in spaced}) <= 1 and len(spaced) <= 3
    assert justified_shortfalls(printed, tolerance=0.5)[1] == []


@each_issue
def test_full_lines_hold_28_cells_unless_a_rule_forces_fewer(built) -> None:
    _, _, printed = built
    fits = grid_fits(printed)
    assert sum(fit.full for fit in fits) > len(fits) / 2
    assert [fit for fit in fits if not fit.full and not fit.forced and not fit.loosened] == []
    # the tails of paragraphs made a line longer: pages with notes are filled too, and 2025/012
    # loosens 11 lines (a five-line tail fills its page 3)
    assert sum(fit.loosened for fit in fits) <= 12
    assert all(fit.used <= fit.cells for fit in fits)


@each_issue
def test_a_line_kept_full_by_marks_at_half_width_is_never_short(built) -> None:
    # a line the next character's mark forbids to end is kept at 28 when that mark and
    # one more give up half their width; what stays short is a number or Latin word, an
    # opening mark, a cluster too long, or a line that gives a last line its second character
    _, _, printed = built
    fits = grid_fits(printed)
    assert [fit for fit in fits if not fit.full and fit.squeezable and not fit.loosened] == []
    assert all(fit.squeezed <= 2 for fit in fits)  # consecutive marks compressed besides


def test_marks_at_half_width_fill_the_stress_issue(stress_build: Path, sample_config: Config) -> None:
    _, printed = _measure(output_path(sample_config, STRESS, stress_build, "pdf"), STRESS, sample_config)
    fits = grid_fits(printed)
    # without squeezing, 12 of 55 pure Han lines of the stress issue stayed short (8 of them curable)
    assert sum(1 for fit in fits if fit.squeezed) >= 7
    assert sum(1 for fit in fits if not fit.full and not fit.loosened) <= 3


@each_issue
def test_consecutive_marks_keep_half_an_em_between_them(built) -> None:
    # clreq: of two adjacent marks (”， ）。 》、 ，“ “《) the first gives up its blank half,
    # so the second starts half an em (plus the line's tracking) after the first, not a cell
    _, _, printed = built
    pairs = [(pair, advance, line.text) for item in printed for line in item.lines for pair, advance in line.pairs()]
    assert pairs, "no adjacent marks in the issue"
    half = GEOMETRY.body_size / 2
    assert [p for p in pairs if not half - 0.5 <= p[1] <= half + 1.5] == []


def test_consecutive_marks_in_the_stress_issue(stress_build: Path, sample_config: Config) -> None:
    _, printed = _measure(output_path(sample_config, STRESS, stress_build, "pdf"), STRESS, sample_config)
    kinds = {pair for item in printed for line in item.lines for pair, _ in line.pairs()}
    # closing + closing, closing + opening, and opening after a closing quote
    assert {"”，", "），", "，“", "”“"} <= kinds


@each_issue
def test_full_pages_hold_22_lines_on_the_pitch(built) -> None:
    pdf, pages, printed = built
    assert [fill for fill in page_fills(pages, printed) if not fill.ok] == []
    assert off_grid(pages, figure_pages(pdf)) == []


#: page 1 of 2025/012 stops 3 grid lines short: the next paragraph's lines 3 and 4 and the
#: note line 3 calls take 97.6 pt (2 × 28.95 + 39.7) where the front page leaves 93.5 pt;
#: widows: 2 keeps line 3 from standing alone, the paragraph above ends on a full line (it
#: cannot be made a line shorter), and the planner leaves a paragraph that calls a note
#: where it is (`fill.window`)
FRONT_PAGE_SHORT = pytest.mark.xfail(
    strict=True,
    reason="2025/012 p1 ends 3 lines short: lines 3-4 of the next paragraph and its note 1 "
    "need 97.6 pt, the front page leaves 93.5 pt; widows 2; the paragraph above ends on a full line",
)


#: page 1 of 2026/003 (a note at its foot, counted since pages with notes are) stops 2 grid
#: lines short: the next paragraph has 3 lines (it cannot leave 2 and take 1); it cannot be
#: made a line shorter (its last line holds 14 cells), and the paragraph above could only be
#: made a line longer by loosening the line that calls the note, whose widened gap before the
#: small raised number pdftotext reads as a space
FRONT_PAGE_WITH_NOTE_SHORT = pytest.mark.xfail(
    strict=True,
    reason="2026/003 p1 ends 2 lines short: the next paragraph has 3 lines and a last line of 14 cells; "
    "the paragraph above could only be made longer by loosening its note call's line",
)
SHORT_FRONT_PAGES = {"2025/012": FRONT_PAGE_SHORT, "2026/003": FRONT_PAGE_WITH_NOTE_SHORT}


@pytest.mark.parametrize(
    "built",
    [pytest.param(path, marks=SHORT_FRONT_PAGES[issue_id(path)]) if issue_id(path) in SHORT_FRONT_PAGES else path
     for path in ISSUES],
    ids=issue_id,
    indirect=True,
)
def test_pages_end_on_the_grid_s_last_line_or_one_line_short(built, sample_config: Config) -> None:
    # a page of running text never leaves two grid lines empty at its foot, and the lines
    # made looser to fill a page open their gaps no wider than text extraction allows
    pdf, _, _ = built
    source = next(path for path in ISSUES if path.stem == pdf.stem and (path == STRESS or path.parent.name == pdf.parent.name))
    fill = pagefill.measure(pdf, source, sample_config)
    assert [page for page, empty in fill.short if empty > 1] == []
    assert fill.widest_gap <= WIDEST_GAP + 0.01


def test_making_a_paragraph_a_line_longer_fills_the_stress_issue(stress_build: Path, sample_config: Config) -> None:
    # before: pages 1, 2 and 5 of running text held 22 lines, pages 3 and 4 stopped a line short
    fill = pagefill.measure(output_path(sample_config, STRESS, stress_build, "pdf"), STRESS, sample_config)
    assert len(fill.full) >= 4 and len(fill.short) <= 1, (fill.full, fill.short)


def test_the_stress_issue_has_full_pages(stress_build: Path, sample_config: Config) -> None:
    pages, printed = _measure(output_path(sample_config, STRESS, stress_build, "pdf"), STRESS, sample_config)
    fills = page_fills(pages, printed)
    assert len(fills) >= 3
    assert any(fill.lines == 22 for fill in fills)


@each_issue
def test_no_line_starts_or_ends_against_clreq(built) -> None:
    _, _, printed = built
    assert rule_breaks(printed) == []


@each_issue
def test_no_last_line_holds_a_single_character(built) -> None:
    _, _, printed = built
    assert runts(printed) == []


@each_issue
def test_first_lines_are_indented_two_cells(built) -> None:
    _, _, printed = built
    pitch = (RIGHT - LEFT) / 28
    for item in printed:
        left = LEFT + (item.block.inset + 2) * pitch
        assert abs(item.lines[0].x0 - left) < 0.5, item.lines[0].text


@each_issue
def test_extracted_text_equals_the_source(built) -> None:
    pdf, _, printed = built
    reader = PdfReader(pdf)
    texts = [(page.extract_text() or "").replace("\n", "") for page in reader.pages]
    if shutil.which("pdftotext"):
        poppler = subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True, check=True)
        # pdftotext puts a space after a raised footnote call (a change of size and baseline);
        # the PDF holds none, so only that space is dropped before comparing.
        popplers = [re.sub(r"(?<=\d) ", "", page.replace("\n", "")) for page in poppler.stdout.split("\f")]
    else:
        popplers = texts
    for item in printed:
        for line in item.lines:
            assert line.text in texts[line.page], f"pypdf: {line.text}"
            assert line.text in popplers[line.page], f"pdftotext: {line.text}"


@each_issue
def test_headings_use_their_faces_and_never_end_a_page(built) -> None:
    _, pages, printed = built
    faces = {"heading1": "House-Hei", "heading2": "House-Kai", "heading3": "House-Fang", "heading4": "House-Fang"}
    for index, item in enumerate(printed):
        if item.block.kind in faces:
            number = re.match(r"^(.*?[、）.])", item.block.text)
            assert number, item.block.text
            assert faces[item.block.kind] in item.lines[0].fonts
            follower = printed[index + 1].lines[0] if index + 1 < len(printed) else None
            assert follower is not None and follower.page == item.lines[-1].page, item.block.text


@each_issue
def test_title_is_22pt_centred_and_balanced(built, sample_config: Config) -> None:
    pdf, pages, _ = built
    title = [line for line in pages[0] if abs(line.size - 22) < 0.1]
    assert title and all("House-Title-Bold" in line.fonts for line in title)
    for line in title:
        assert abs((line.x0 - LEFT) - (RIGHT - line.x1)) < 1.0, line.text
    # balanced between words: no word moved across a break would make the lines more even
    assert balanced_between_words([line.text for line in title], title_cells()), [line.text for line in title]


@each_issue
def test_every_glyph_comes_from_a_house_font_that_has_it(built, sample_config: Config) -> None:
    pdf, pages, _ = built
    cmaps = _house_cmaps(fonts_dir(sample_config.root))
    for lines in pages:
        for line in lines:
            for char in line.chars:
                face = char["fontname"].split("+", 1)[-1]
                assert face in cmaps, f"{face} is not a house font"
                assert ord(char["text"]) in cmaps[face], f"{char['text']!r} drawn from {face}, which lacks it"


@lru_cache(maxsize=None)
def _house_cmaps(folder: Path) -> dict[str, set[int]]:
    """The characters each house face (as the PDF names it) covers, over all its weights."""
    cmaps: dict[str, set[int]] = {}
    for font in load_fonts(folder):
        cmaps.setdefault(pdf_name(font), set()).update(TTFont(font.path, lazy=True).getBestCmap())
    return cmaps


def pdf_name(font: FontFile) -> str:
    """The name WeasyPrint gives a house face in the PDF: House-Song, House-Song-Bold."""
    return font.face.replace(" ", "-") + ("-Bold" if font.weight >= 700 else "")


@each_issue
def test_only_house_fonts_are_embedded(built, sample_config: Config) -> None:
    pdf, _, _ = built
    house = {pdf_name(font) for font in load_fonts(fonts_dir(sample_config.root))}
    embedded = set()
    for page in PdfReader(pdf).pages:
        for font in page["/Resources"]["/Font"].values():
            embedded.add(str(font.get_object()["/BaseFont"]).lstrip("/").split("+", 1)[-1])
    assert embedded and embedded <= house, embedded - house
