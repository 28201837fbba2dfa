"""The DOCX edition, read back with python-docx and lxml: styles, page, grid, parts, bytes."""
from __future__ import annotations

import io
import re
import time
import zipfile
from dataclasses import replace
from pathlib import Path
from typing import Iterator

import pytest
from docx import Document
from docx.document import Document as DocumentObject
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml.ns import qn
from docx.shared import Mm
from docx.styles.style import BaseStyle
from docx.text.paragraph import Paragraph
from lxml import etree

from bulletin import typography
from bulletin.house import GEOMETRY, MM, RED, DocxFonts, Geometry
from bulletin.model import Contact, Issue
from bulletin.render.docx import TAB_INSET, char_space, column_widths, eighths, render_docx, twips
from tests.render.docx_factory import config, full_issue, long_issue

HAN = re.compile(r"[\u3400-\u9fff]")
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


@pytest.fixture
def issue(tmp_path: Path) -> Issue:
    """An issue with every part of the model."""
    return full_issue(tmp_path)


@pytest.fixture
def data(issue: Issue, tmp_path: Path) -> bytes:
    """The issue rendered once."""
    return render_docx(issue, config(tmp_path))


@pytest.fixture
def doc(data: bytes) -> DocumentObject:
    """The rendered DOCX, opened with python-docx."""
    return Document(io.BytesIO(data))


def _has_footnotes(doc: DocumentObject) -> bool:
    """Whether the document's body references a footnote."""
    return doc.element.body.find(f".//{qn('w:footnoteReference')}") is not None


def xml_parts(data: bytes) -> dict[str, bytes]:
    """Every XML part of the package by name."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {n: z.read(n) for n in z.namelist() if n.endswith((".xml", ".rels"))}


def all_paragraphs(doc: DocumentObject) -> Iterator[Paragraph]:
    """Body paragraphs, then the paragraphs inside table cells."""
    yield from doc.paragraphs
    for table in doc.tables:
        for row in table.rows:
            for cell in row.cells:
                yield from cell.paragraphs


def style_of(doc: DocumentObject, needle: str) -> str:
    """The style name of the first paragraph whose text contains `needle`."""
    for paragraph in all_paragraphs(doc):
        if needle in paragraph.text:
            return paragraph.style.name
    raise AssertionError(f"{needle!r} not in the document")


def chain(style: BaseStyle | None) -> Iterator[BaseStyle]:
    """A style and the styles it is based on."""
    while style is not None:
        yield style
        style = style.base_style


def rfonts_attr(style: BaseStyle, attr: str) -> str | None:
    """`w:rFonts/@attr` of a style itself."""
    rpr = style.element.rPr
    fonts = rpr.find(qn("w:rFonts")) if rpr is not None else None
    return fonts.get(qn(f"w:{attr}")) if fonts is not None else None


def east_asian_font(doc: DocumentObject, paragraph: Paragraph, run_element: etree._Element) -> str | None:
    """The East Asian font a run resolves to: run, its character style, paragraph style chain, defaults."""
    rpr = run_element.find(qn("w:rPr"))
    if rpr is not None:
        fonts = rpr.find(qn("w:rFonts"))
        if fonts is not None and fonts.get(qn("w:eastAsia")):
            return fonts.get(qn("w:eastAsia"))
        rstyle = rpr.find(qn("w:rStyle"))
        if rstyle is not None:
            char_style = next(s for s in doc.styles if s.style_id == rstyle.get(qn("w:val")))
            for style in chain(char_style):
                if rfonts_attr(style, "eastAsia"):
                    return rfonts_attr(style, "eastAsia")
    for style in chain(paragraph.style):
        if rfonts_attr(style, "eastAsia"):
            return rfonts_attr(style, "eastAsia")
    defaults = doc.styles.element.find(f"{W}docDefaults/{W}rPrDefault/{W}rPr/{W}rFonts")
    return defaults.get(qn("w:eastAsia")) if defaults is not None else None


# ---------------------------------------------------------------- the parts, in named styles


@pytest.mark.parametrize(
    ("needle", "style"),
    [
        ("本期专报：陈明远书记、周立衡市长", "Control Line"),
        ("临江参阅", "Masthead"),
        ("市级重点新型智库", "Tagline"),
        ("第7期（总第89期）", "Issue Line"),
        ("临江发展研究院 临江城市智库主办\t2025年10月6日", "Publisher Line"),
        ("关于推动临江港口物流数字化转型的几点建议", "Title"),
        ("编者按：本文分析了", "Editor Note"),
        ("2024年，临江港完成", "Body Text"),
        ("一、基本情况", "Heading 1"),
        ("（一）码头作业", "Heading 2"),
        ("1.闸口", "Heading 3"),
        ("（1）东湾作业区", "Heading 4"),
        ("1.近期完成改造；", "List Number"),
        ("2.远期全面推广。", "List Number"),
        ("●助餐服务", "List Bullet"),
        ("指标", "Table Heading"),
        ("集装箱吞吐量（万标箱）", "Table Text"),
        ("新建住宅小区", "Quote"),
        ("2021—2025年临江港集装箱吞吐量", "Caption"),
        ("第一行", "Code Block"),
        ("责任编辑：林书瑶", "Colophon"),
        ("地址：临江市滨江区观澜路88号", "Colophon"),
        ("共印：30份", "Colophon"),
    ],
)
def test_every_part_is_in_its_named_style(doc: DocumentObject, needle: str, style: str) -> None:
    assert style_of(doc, needle) == style


def test_runs_carry_only_character_styles_for_emphasis(doc: DocumentObject) -> None:
    body = next(p for p in doc.paragraphs if p.text.startswith("2024年"))
    styled = {run.text: run.style.name for run in body.runs if run.text}
    assert styled["同比增长4.1%"] == "Emphasis"
    assert styled["集装箱吞吐量首次突破250万标箱"] == "Strong"
    assert styled["TEU"] == "Code"
    label = next(p for p in doc.paragraphs if p.style.name == "Editor Note").runs[0]
    assert (label.text, label.style.name) == ("编者按：", "Editor Note Label")
    for paragraph in all_paragraphs(doc):
        for run in paragraph._p.iter(qn("w:r")):
            rpr = run.find(qn("w:rPr"))
            direct = [child.tag for child in rpr if child.tag != qn("w:rStyle")] if rpr is not None else []
            assert not direct, f"direct run formatting {direct} in {paragraph.text!r}"


def test_masthead_is_red_and_large_with_the_kind_beside_it(doc: DocumentObject) -> None:
    masthead = doc.styles["Masthead"]
    assert str(masthead.font.color.rgb) == RED
    assert masthead.font.size.pt == GEOMETRY.masthead_size
    paragraph = next(p for p in doc.paragraphs if p.style.name == "Masthead")
    assert [(r.text.strip(), r.style.name) for r in paragraph.runs] == [
        ("临江参阅", "Default Paragraph Font"), ("专报", "Masthead Kind")
    ]


def test_date_has_no_zero_padding_and_sits_on_a_right_tab(doc: DocumentObject) -> None:
    style = doc.styles["Publisher Line"]
    stops = list(style.paragraph_format.tab_stops)
    assert [(round(stop.position.pt, 1), str(stop.alignment)) for stop in stops] == [
        (round(GEOMETRY.type_width - TAB_INSET, 1), "RIGHT (2)")
    ]
    assert style_of(doc, "2025年10月6日") == "Publisher Line"


def test_body_style_is_sanshao_fangsong_on_the_grid(doc: DocumentObject) -> None:
    body = doc.styles["Body Text"]
    ppr = body.element.pPr
    spacing, ind = ppr.find(qn("w:spacing")), ppr.find(qn("w:ind"))
    assert (spacing.get(qn("w:line")), spacing.get(qn("w:lineRule"))) == ("579", "exact")
    assert (spacing.get(qn("w:before")), spacing.get(qn("w:after"))) == ("0", "0")
    assert ind.get(qn("w:firstLineChars")) == "200"
    assert ppr.find(qn("w:jc")).get(qn("w:val")) == "both"
    assert rfonts_attr(body, "eastAsia") == "仿宋_GB2312"
    assert body.font.size.pt == 16


@pytest.mark.parametrize(
    ("level", "face", "bold"), [(1, "黑体", False), (2, "楷体_GB2312", False), (3, "仿宋_GB2312", False), (4, "仿宋_GB2312", False)]
)
def test_headings_by_level(doc: DocumentObject, level: int, face: str, bold: bool) -> None:
    style = doc.styles[f"Heading {level}"]
    assert rfonts_attr(style, "eastAsia") == face
    assert bool(style.font.bold) is bold
    assert style.paragraph_format.keep_with_next
    assert style.element.pPr.find(qn("w:ind")).get(qn("w:firstLineChars")) == "200"
    assert style.element.pPr.find(qn("w:outlineLvl")).get(qn("w:val")) == str(level - 1)


def test_every_style_names_both_fonts_and_paragraph_styles_a_size_and_leading(doc: DocumentObject) -> None:
    for style in doc.styles:
        if style.type == 1:  # paragraph
            assert rfonts_attr(style, "eastAsia"), style.name
            assert rfonts_attr(style, "ascii") and rfonts_attr(style, "hAnsi"), style.name
            rpr = style.element.rPr
            assert rpr.find(qn("w:sz")) is not None and rpr.find(qn("w:szCs")) is not None, style.name
            spacing = style.element.pPr.find(qn("w:spacing"))
            # Only the figure's paragraph is single-spaced: exact leading would clip the image.
            expected = "auto" if style.name == "Figure" else "exact"
            assert spacing.get(qn("w:lineRule")) == expected, style.name
        elif style.type == 2 and rfonts_attr(style, "eastAsia"):  # character style changing the face
            assert rfonts_attr(style, "eastAsia") in set(vars(DocxFonts()).values()) | {
                getattr(DocxFonts(), f) for f in DocxFonts.__dataclass_fields__
            }


def test_every_run_with_chinese_text_resolves_an_east_asian_font(doc: DocumentObject, data: bytes) -> None:
    faces = {getattr(DocxFonts(), name) for name in DocxFonts.__dataclass_fields__}
    checked = 0
    for paragraph in all_paragraphs(doc):
        for run in paragraph._p.iter(qn("w:r")):
            if HAN.search("".join(t.text or "" for t in run.iter(qn("w:t")))):
                assert east_asian_font(doc, paragraph, run) in faces, paragraph.text
                checked += 1
    assert checked > 30


def test_fonts_come_from_the_configuration(issue: Issue, tmp_path: Path) -> None:
    fonts = DocxFonts(body="仿宋", heading1="方正黑体_GBK", heading2="楷体", title="方正小标宋_GBK")
    doc = Document(io.BytesIO(render_docx(issue, config(tmp_path, fonts))))
    assert rfonts_attr(doc.styles["Body Text"], "eastAsia") == "仿宋"
    assert rfonts_attr(doc.styles["Heading 1"], "eastAsia") == "方正黑体_GBK"
    assert rfonts_attr(doc.styles["Emphasis"], "eastAsia") == "楷体"
    assert rfonts_attr(doc.styles["Title"], "eastAsia") == "方正小标宋_GBK"
    table = xml_parts(render_docx(issue, config(tmp_path, fonts)))["word/fontTable.xml"].decode()
    assert 'w:name="方正黑体_GBK"' in table and 'w:val="86"' in table


# ---------------------------------------------------------------- a clean base


def test_no_japanese_anywhere(data: bytes) -> None:
    for name, xml in xml_parts(data).items():
        assert b"ja-JP" not in xml, name
    styles = xml_parts(data)["word/styles.xml"].decode()
    assert 'w:eastAsia="zh-CN"' in styles


def test_no_theme_fonts_anywhere(data: bytes) -> None:
    for name, xml in xml_parts(data).items():
        for attr in (b"w:asciiTheme", b"w:eastAsiaTheme", b"w:hAnsiTheme", b"w:cstheme"):
            assert attr not in xml, f"{attr!r} in {name}"


def test_template_leftovers_are_gone(data: bytes) -> None:
    names = set(xml_parts(data)) | set(zipfile.ZipFile(io.BytesIO(data)).namelist())
    assert not {n for n in names if "stylesWithEffects" in n or "customXml" in n or "thumbnail" in n}
    assert b"w:rsid" not in xml_parts(data)["word/settings.xml"]
    assert len(xml_parts(data)["word/styles.xml"]) < 40_000


def test_page_is_a4_with_gbt9704_margins(doc: DocumentObject) -> None:
    section = doc.sections[0]
    measured = [section.page_width, section.page_height, section.top_margin, section.bottom_margin,
                section.left_margin, section.right_margin]
    assert [round(v.mm, 1) for v in measured] == [210, 297, 37, 35, 28, 26]


def test_page_number_sits_seven_mm_below_the_type_area(doc: DocumentObject) -> None:
    footer_bottom = doc.sections[0].footer_distance.mm
    number_top = GEOMETRY.page_height_mm - footer_bottom - GEOMETRY.page_number_size / MM
    assert number_top - (GEOMETRY.page_height_mm - GEOMETRY.margin_bottom_mm) == pytest.approx(7, abs=0.1)


def test_document_grid_is_22_lines_by_28_characters(doc: DocumentObject) -> None:
    grid = doc.sections[0]._sectPr.find(qn("w:docGrid"))
    assert dict(grid.attrib) == {qn("w:type"): "linesAndChars", qn("w:linePitch"): "579", qn("w:charSpace"): "-848"}


def test_char_space_follows_normal_size() -> None:
    assert char_space(GEOMETRY) == -848
    # 28 characters of 15 pt need no tightening on a 156 mm line: 15.79 - 15 = +0.79 pt.
    assert char_space(Geometry(body_size=15)) == round((GEOMETRY.char_pitch - 15) * 4096) == 3248


def test_normal_is_sanshao_and_does_not_hang_punctuation(doc: DocumentObject) -> None:
    normal = doc.styles["Normal"]
    assert normal.font.size.pt == GEOMETRY.body_size
    ppr = normal.element.pPr
    assert ppr.find(qn("w:overflowPunct")).get(qn("w:val")) == "0"
    assert ppr.find(qn("w:widowControl")).get(qn("w:val")) == "0"


# ---------------------------------------------------------------- footers, footnotes, tables, images


def test_odd_and_even_footers_carry_a_page_field_between_em_dashes(doc: DocumentObject) -> None:
    assert doc.settings.odd_and_even_pages_header_footer
    section = doc.sections[0]
    for footer, style, align in (
        (section.footer, "Page Number Odd", "RIGHT (2)"),
        (section.even_page_footer, "Page Number Even", "LEFT (0)"),
    ):
        (paragraph,) = footer.paragraphs
        assert paragraph.style.name == style
        assert str(doc.styles[style].paragraph_format.alignment) == align
        assert paragraph.text == "— 1 —"
        kinds = [f.get(qn("w:fldCharType")) for f in paragraph._p.iter(qn("w:fldChar"))]
        assert kinds == ["begin", "separate", "end"]
        assert [t.text.strip() for t in paragraph._p.iter(qn("w:instrText"))] == ["PAGE"]
    assert rfonts_attr(doc.styles["Page Number Odd"], "eastAsia") == "宋体"
    assert doc.styles["Page Number Odd"].paragraph_format.right_indent.pt == GEOMETRY.page_number_size
    assert doc.styles["Page Number Even"].paragraph_format.left_indent.pt == GEOMETRY.page_number_size
    assert section.header.is_linked_to_previous  # no header at all


def test_footnotes_are_real_word_footnotes(doc: DocumentObject, data: bytes) -> None:
    part = doc.part.part_related_by(RT.FOOTNOTES)
    root = etree.fromstring(part.blob)
    notes = {n.get(qn("w:id")): n for n in root.iter(qn("w:footnote"))}
    assert notes["-1"].get(qn("w:type")) == "separator"
    assert notes["0"].get(qn("w:type")) == "continuationSeparator"
    text = {k: "".join(t.text for t in v.iter(qn("w:t"))) for k, v in notes.items() if int(k) > 0}
    assert text == {"1": " 资料来源：临江市统计局。", "2": " 资料来源：临江海关。"}
    style_ids = {p.find(f"{W}pPr/{W}pStyle").get(qn("w:val")) for p in notes["1"].iter(qn("w:p"))}
    assert style_ids == {"FootnoteText"}
    refs = [r.getparent() for r in doc.element.body.iter(qn("w:footnoteReference"))]
    assert [r.find(f"{W}rPr/{W}rStyle").get(qn("w:val")) for r in refs] == ["FootnoteReference"] * 2
    assert 10.5 <= doc.styles["footnote text"].font.size.pt <= 12
    settings = xml_parts(data)["word/settings.xml"]
    assert b'<w:footnotePr><w:footnote w:id="-1"/><w:footnote w:id="0"/></w:footnotePr>' in settings


def test_table_columns_fill_the_type_width_and_the_header_repeats(doc: DocumentObject) -> None:
    table = doc.tables[0]
    assert table.style.name == "Table Grid"
    grid = [int(c.get(qn("w:w"))) for c in table._tbl.tblGrid.iter(qn("w:gridCol"))]
    assert sum(grid) == twips(GEOMETRY.type_width) == 8844
    for row in table.rows:
        assert [c.width.twips for c in row.cells] == grid
    assert table.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None
    assert table._tbl.tblPr.find(qn("w:tblLayout")).get(qn("w:type")) == "fixed"
    borders = doc.styles["Table Grid"].element.find(f"{W}tblPr/{W}tblBorders")
    assert {b.tag.split("}")[1] for b in borders} == {"top", "left", "bottom", "right", "insideH", "insideV"}
    cell = table.cell(1, 1).paragraphs[0]
    assert str(cell.alignment) == "RIGHT (2)"


def test_column_widths_keep_short_columns_whole() -> None:
    from bulletin.model import TableCell, Text

    rows = ((TableCell((Text("进口整体通关时间（小时）" * 3),)), TableCell((Text("52.4"),))),)
    widths = column_widths(rows, 2, 8844, 14)
    assert sum(widths) == 8844 and widths[1] >= twips(4 * 7 + 8)


def test_image_fills_the_type_width_keeping_its_aspect(doc: DocumentObject) -> None:
    (shape,) = doc.inline_shapes
    assert shape.width == Mm(156)
    assert shape.height == pytest.approx(Mm(78), abs=2)
    figure = next(p for p in doc.paragraphs if p._p.xpath(".//pic:pic"))
    assert (figure.style.name, str(figure.alignment or figure.style.paragraph_format.alignment)) == (
        "Figure", "CENTER (1)"
    )


def test_red_rule_is_thick_over_thin_in_the_house_red(doc: DocumentObject) -> None:
    borders = doc.styles["Red Rule"].element.pPr.find(qn("w:pBdr"))
    got = {b.tag.split("}")[1]: (b.get(qn("w:sz")), b.get(qn("w:color"))) for b in borders}
    assert got == {"top": (str(eighths(2.25)), RED), "bottom": (str(eighths(0.75)), RED)}


# ---------------------------------------------------------------- the colophon


def test_colophon_is_a_table_of_rules_at_the_foot_or_after_the_text(doc: DocumentObject) -> None:
    table = doc.tables[-1]
    assert table.style.name == "Colophon Table"
    assert [c.text for c in table.column_cells(0)] == [
        "责任编辑：林书瑶",
        "联系电话：0571-8806 2317　0571-8806 2318（传真）",
        "地址：临江市滨江区观澜路88号临江发展研究院",
        "共印：30份",
    ]
    position = table._tbl.tblPr.find(qn("w:tblpPr"))
    if _has_footnotes(doc):
        # the notes of the colophon's page go below it: the table follows the text
        assert position is None
    else:
        assert (position.get(qn("w:vertAnchor")), position.get(qn("w:tblpYSpec"))) == ("margin", "bottom")
    borders = {
        b.tag.split("}")[1]: int(b.get(qn("w:sz")))
        for b in doc.styles["Colophon Table"].element.find(f"{W}tblPr/{W}tblBorders")
    }
    assert borders == {"top": 8, "bottom": 8, "insideH": 6}
    assert eighths(GEOMETRY.rule_thick_mm * MM) == 8 and eighths(GEOMETRY.rule_thin_mm * MM) == 6
    assert sum(int(c.get(qn("w:w"))) for c in table._tbl.tblGrid.iter(qn("w:gridCol"))) == 8844
    assert doc.paragraphs[-1].text == ""  # the body ends with a paragraph after the table


def test_short_contact_shares_the_editor_line(issue: Issue, tmp_path: Path) -> None:
    short = replace(issue, contact=Contact(phone="65519639", address="苏州市吴中区"))
    doc = Document(io.BytesIO(render_docx(short, config(tmp_path))))
    lines = [c.text for c in doc.tables[-1].column_cells(0)]
    assert lines == ["责任编辑：林书瑶\t联系电话：65519639", "地址：苏州市吴中区", "共印：30份"]


# ---------------------------------------------------------------- bytes


def test_two_renders_are_byte_identical_in_any_time_zone(issue: Issue, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    first = render_docx(issue, config(tmp_path))
    for zone in ("Asia/Shanghai", "America/Los_Angeles", "UTC"):
        monkeypatch.setenv("TZ", zone)
        time.tzset()
        assert render_docx(issue, config(tmp_path)) == first, zone
    monkeypatch.delenv("TZ")
    time.tzset()


def test_zip_entries_are_dated_by_the_issue_and_stored(data: bytes) -> None:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        infos = z.infolist()
        assert z.testzip() is None
    assert {i.date_time for i in infos} == {(2025, 10, 6, 0, 0, 0)}
    assert {i.compress_type for i in infos} == {zipfile.ZIP_STORED}
    assert infos[0].filename == "[Content_Types].xml"


def test_core_properties_come_from_the_issue(doc: DocumentObject) -> None:
    props = doc.core_properties
    assert props.created.date().isoformat() == "2025-10-06" == props.modified.date().isoformat()
    assert props.title == "关于推动临江港口物流数字化转型的几点建议"
    assert props.author == "临江发展研究院 临江城市智库主办"


def test_render_writes_no_files(issue: Issue, tmp_path: Path) -> None:
    before = {p for p in tmp_path.rglob("*")}
    render_docx(issue, config(tmp_path))
    assert {p for p in tmp_path.rglob("*")} == before


def test_a_long_issue_renders(tmp_path: Path) -> None:
    doc = Document(io.BytesIO(render_docx(long_issue(tmp_path), config(tmp_path))))
    assert sum(p.style.name == "Body Text" for p in doc.paragraphs) == 24


# ---------------------------------------------------------------- the sample issues


SAMPLES = sorted((Path(__file__).resolve().parents[2] / "issues").rglob("*.md"))


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_sample_issues_render_cleanly(sample: Path, sample_config) -> None:  # type: ignore[no-untyped-def]
    from bulletin.pipeline import load

    issue = load(sample, sample_config)
    data = render_docx(issue, sample_config)
    assert data == render_docx(issue, sample_config)
    doc = Document(io.BytesIO(data))
    assert style_of(doc, typography.issue_line(issue.meta.issue, issue.meta.total)) == "Issue Line"
    assert style_of(doc, issue.meta.title) == "Title"
    faces = {getattr(sample_config.docx_fonts, name) for name in DocxFonts.__dataclass_fields__}
    for paragraph in all_paragraphs(doc):
        for run in paragraph._p.iter(qn("w:r")):
            if HAN.search("".join(t.text or "" for t in run.iter(qn("w:t")))):
                assert east_asian_font(doc, paragraph, run) in faces
    for name, xml in xml_parts(data).items():
        assert b"ja-JP" not in xml and b"eastAsiaTheme" not in xml, name
    assert len(issue.footnotes) == len(list(doc.element.body.iter(qn("w:footnoteReference"))))


def test_an_unreadable_image_is_a_content_error(issue: Issue, tmp_path: Path) -> None:
    from bulletin.errors import ContentError
    from bulletin.model import Image

    broken = tmp_path / "broken.png"
    broken.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 10)
    bad = replace(issue, body=(Image(broken, "图"),))
    with pytest.raises(ContentError, match="broken.png"):
        render_docx(bad, config(tmp_path))


def test_styles_command_lists_styles_with_counts(data: bytes, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from bulletin.cli import cli

    path = tmp_path / "issue.docx"
    path.write_bytes(data)
    result = CliRunner().invoke(cli, ["styles", str(path)])
    assert result.exit_code == 0, result.output
    rows = [line.split(None, 2) for line in result.output.splitlines()]
    used = {(kind, name): int(count) for kind, count, name in rows}
    assert used[("paragraph", "Masthead")] == 1
    assert used[("paragraph", "Colophon")] == 4
    assert used[("paragraph", "Heading 1")] == 1
    assert used[("character", "Emphasis")] == 1
    assert used[("character", "footnote reference")] == 4  # two calls, two marks in the notes
    assert [kind for kind, _, _ in rows] == sorted((kind for kind, _, _ in rows), key=lambda k: k != "paragraph")


def test_colophon_on_even_page_starts_a_section_on_an_even_page(issue: Issue, tmp_path: Path) -> None:
    from tests.render.docx_factory import even_config

    doc = Document(io.BytesIO(render_docx(issue, even_config(tmp_path))))
    first, last = doc.sections
    assert str(last.start_type) == "EVEN_PAGE (3)"
    assert (first.footer.paragraphs[0].text, last.footer.is_linked_to_previous) == ("— 1 —", False)
    assert doc.tables[-1].style.name == "Colophon Table"
    assert Document(io.BytesIO(render_docx(issue, config(tmp_path)))).sections[0].start_type != last.start_type


def test_strong_is_hei_as_in_the_pdf(doc: DocumentObject) -> None:
    style = doc.styles["Strong"]
    assert rfonts_attr(style, "eastAsia") == "黑体"
    assert not style.font.bold
