"""The WeasyPrint extension: Chinese lines justified between characters, broken by clreq."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import weasyprint
from weasyprint.layout import inline

from bulletin.errors import ConfigError
from bulletin.support.fonts import TOOL_FONTS, isolate_fontconfig, load_fonts
from bulletin.render import justify
from bulletin.typography import LINE_START_FORBIDDEN

from .pdfmeasure import GRID_TRACKING, LATIN_RUN, LEFT, RIGHT, Line, page_lines

# Text of our own: pure Han, Han with Latin and figures, and punctuation-heavy prose.
HAN = "临江城区沿江而建街巷纵横交错老城新区相互衔接" * 6
MIXED = "今年前三季度全市实现地区生产总值1862.4亿元同比增长5.3%其中AI相关产业营业收入增长21.7%拉动作用明显" * 3
PUNCTUATED = "调研发现，企业普遍反映：融资难、用工贵、订单少；同时，“招人难”“留人难”的问题依然突出。" * 4
QUOTED = "群众普遍认为“办事快”的窗口服务确有改进，但“跑多次”的现象仍然存在，“一件事”改革有待深化。" * 3


def render(tmp_path: Path, text: str, indent: str = "0", attributes: str = "") -> list[Line]:
    """`text` as one justified paragraph (with `attributes`) in the house body face on the house measure; its lines."""
    isolate_fontconfig(TOOL_FONTS)
    from weasyprint.text.fonts import FontConfiguration

    faces = "".join(
        f'@font-face {{ font-family: "{f.face}"; font-weight: {f.weight}; src: url("{f.path.as_uri()}"); }}'
        for f in load_fonts(TOOL_FONTS)
    )
    html = f"""<html lang="zh-CN"><style>{faces}
      @page {{ size: A4; margin: 37mm 26mm 35mm 28mm; }}
      body {{ margin: 0; font: 16pt/28.95pt "House Fang", "House Fallback"; letter-spacing: -0.215pt;
              text-align: justify; font-kerning: none; }}
      p {{ margin: 0; text-indent: {indent}; }}
    </style><p {attributes}>{text}</p></html>"""
    target = tmp_path / "para.pdf"
    weasyprint.HTML(string=html).write_pdf(target, font_config=FontConfiguration())
    import pdfplumber

    with pdfplumber.open(target) as pdf:
        return page_lines(pdf.pages[0], 0)


@pytest.fixture
def installed() -> Iterator[None]:
    """The extension active, as the PDF renderer activates it."""
    with justify.Justification():
        yield


@pytest.fixture
def plain() -> None:
    """WeasyPrint as shipped, without the extension: what is left outside the context."""
    assert inline.text_align is justify._original_text_align
    assert inline.split_first_line is justify._original_split_first_line
    assert inline.can_break_text is justify._original_can_break_text
    assert inline.split_text_box is justify._original_split_text_box


def gaps(lines: list[Line]) -> list[float]:
    """How far each line but the last ends from the right edge of the type area."""
    return [RIGHT - line.end(RIGHT) for line in lines[:-1]]


def test_the_extension_is_pinned_to_the_weasyprint_it_was_tested_with() -> None:
    assert weasyprint.__version__ == justify.TESTED_WITH


def test_another_weasyprint_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(weasyprint, "__version__", "99.0")
    with pytest.raises(ConfigError, match="tested with WeasyPrint 70.0"):
        with justify.Justification():
            pass
    assert inline.text_align is justify._original_text_align


def test_leaving_the_context_restores_weasyprint_as_found() -> None:
    found = (inline.text_align, inline.split_first_line, inline.can_break_text, inline.split_text_box)
    with justify.Justification() as outer:
        assert inline.split_first_line == outer.split_first_line
        with justify.Justification() as inner:
            assert inline.split_text_box == inner.split_text_box
        assert inline.split_text_box == outer.split_text_box
    assert (inline.text_align, inline.split_first_line, inline.can_break_text, inline.split_text_box) == found
    with pytest.raises(ValueError), justify.Justification():
        raise ValueError("a failed render")
    assert inline.split_first_line is found[1]


@pytest.mark.parametrize(
    ("before", "after", "allowed"),
    [
        ("江", "城", True),
        ("江", "，", False),
        ("江", "”", False),
        ("“", "江", False),
        ("”", "的", True),
        ("—", "—", False),
        ("江", "—", False),
        ("…", "…", False),
        ("1", ".", False),
        ("2", "5", False),
        ("A", "I", False),
        ("5", "%", False),
        ("年", "2", True),
        ("I", "产", True),
        ("江", "（", True),
        ("（", "江", False),
    ],
)
def test_breaks_follow_clreq(before: str, after: str, allowed: bool) -> None:
    assert justify.can_break_between(before, after) is allowed


@pytest.mark.slow
@pytest.mark.parametrize("text", [HAN, MIXED, PUNCTUATED, QUOTED], ids=["han", "mixed", "punctuated", "quoted"])
def test_every_line_but_the_last_reaches_both_edges(tmp_path: Path, installed: None, text: str) -> None:
    lines = render(tmp_path, text)
    assert len(lines) >= 3
    assert all(abs(line.x0 - LEFT) < 0.5 for line in lines)
    assert all(abs(gap) < 0.5 for gap in gaps(lines)), gaps(lines)
    assert "".join(line.text for line in lines) == text


@pytest.mark.slow
def test_without_the_extension_chinese_lines_stay_ragged(tmp_path: Path, plain: None) -> None:
    assert max(gaps(render(tmp_path, PUNCTUATED))) > 5


@pytest.mark.slow
def test_a_han_line_holds_28_characters(tmp_path: Path, installed: None) -> None:
    lines = render(tmp_path, HAN)
    assert [len(line.text) for line in lines[:-1]] == [28] * (len(lines) - 1)


@pytest.mark.slow
def test_a_first_line_indented_two_cells_holds_26(tmp_path: Path, installed: None) -> None:
    lines = render(tmp_path, HAN, indent="31.57pt")
    assert len(lines[0].text) == 26
    assert abs(lines[0].x0 - (LEFT + 31.57)) < 0.5


@pytest.mark.slow
def test_quotation_marks_do_not_glue_words_into_short_lines(tmp_path: Path, plain: None) -> None:
    # Pango allows no break after a closing quotation mark: alone it ends this line early
    text = HAN[:24] + "“办快”的窗口" + HAN[:30]
    assert len(render(tmp_path, text)[0].text) < 28
    with justify.Justification():
        lines = render(tmp_path, text)
    assert lines[0].text == HAN[:24] + "“办快”"


@pytest.mark.slow
def test_no_line_starts_with_a_dash_or_closing_mark(tmp_path: Path, installed: None) -> None:
    # 27 characters, then a dash that Pango alone would carry to the next line's start
    text = HAN[:27] + "——" + HAN[:20] + "……" + HAN[:24] + "。" + HAN[:30]
    lines = render(tmp_path, text)
    assert "".join(line.text for line in lines) == text
    for line in lines[1:]:
        assert line.text[0] not in LINE_START_FORBIDDEN, line.text


@pytest.mark.slow
def test_a_last_line_gets_a_second_character(tmp_path: Path, installed: None) -> None:
    lines = render(tmp_path, HAN[:29] + "。")
    assert [line.text for line in lines] == [HAN[:27], HAN[27:29] + "。"]
    assert abs(RIGHT - lines[0].x1) < 0.5


@pytest.mark.parametrize("thousandths", [0, 0.3, 1, 1.5, 2.2, 6.72, 13.44, 13.9, -0.4, -3.3, -7.8])
def test_the_tracking_is_one_the_pdf_can_draw_nearly_as_wanted(thousandths: float) -> None:
    size = 16 * 4 / 3  # px
    style, drawn = justify._drawable(-thousandths * size / 1000, size)
    half = abs(style) * 1000 / size / 2
    assert abs(half - round(half)) >= justify._MARGIN - 1e-9  # clear of a truncation step
    assert abs(drawn * 1000 / size) == pytest.approx(half + int(half))
    assert abs(-drawn * 1000 / size - thousandths) <= 0.5 + justify._MARGIN + 1e-9


@pytest.mark.slow
def test_two_marks_at_half_width_keep_a_line_its_last_character(tmp_path: Path, installed: None) -> None:
    # 28 characters fit; the 。 after them may not start a line: it and the ， give up half
    head = "调研发现，" + HAN[:23]
    text = head + "。" + HAN[:30]
    lines = render(tmp_path, text)
    assert lines[0].text == head + "。"
    assert lines[0].squeezed(RIGHT) == [4, 28]
    assert abs(lines[0].end(RIGHT) - RIGHT) < 0.5
    assert abs(lines[0].x0 - LEFT) < 0.5
    assert "".join(line.text for line in lines) == text


@pytest.mark.slow
def test_a_line_with_no_other_mark_gives_its_last_character_away(tmp_path: Path, installed: None) -> None:
    # half a cell is not enough: the line holds 27 and is justified
    lines = render(tmp_path, HAN[:28] + "。" + HAN[:30])
    assert lines[0].text == HAN[:27]
    assert lines[0].squeezed(RIGHT) == []
    assert abs(RIGHT - lines[0].x1) < 0.5


def test_squeezable_marks_keep_their_ink_in_the_half_they_keep() -> None:
    from fontTools.pens.boundsPen import BoundsPen
    from fontTools.ttLib import TTFont

    for font in load_fonts(TOOL_FONTS):
        ttf = TTFont(font.path, lazy=True)
        cmap, glyphs, em = ttf.getBestCmap(), ttf.getGlyphSet(), ttf["head"].unitsPerEm
        for mark in justify.SQUEEZABLE:
            pen = BoundsPen(glyphs)
            glyphs[cmap[ord(mark)]].draw(pen)
            assert ttf["hmtx"][cmap[ord(mark)]][0] == em and pen.bounds[2] <= em / 2, (font.path.name, mark)


@pytest.mark.slow
def test_latin_words_and_numbers_are_not_letter_spaced(tmp_path: Path, installed: None) -> None:
    lines = render(tmp_path, MIXED)
    assert "".join(line.text for line in lines) == MIXED
    assert all(abs(gap) < 0.5 for gap in gaps(lines)), gaps(lines)
    checked = 0
    for line in lines[:-1]:
        for run in LATIN_RUN.finditer(line.text):
            glyphs = line.chars[run.start() : run.end()]
            for a, b in zip(glyphs, glyphs[1:]):
                checked += 1
                assert abs(b["x0"] - a["x1"] - GRID_TRACKING) < 0.03, (run.group(), line.text)
    assert checked >= 10
