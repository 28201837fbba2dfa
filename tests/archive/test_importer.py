"""`bulletin import`: back issues made by hand in Word become issue files that build.

The Word files are made here with python-docx's direct-formatting API, the way offices
make them: no named styles, a red masthead in a large font, typed numbers, full-width
spaces for indentation, a red paragraph rule, text boxes and a table for the colophon.
"""
from __future__ import annotations

import difflib
from collections import Counter
import io
import re
import shutil
import zipfile
from pathlib import Path

import pdfplumber
import pytest
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from docx.oxml import parse_xml
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from PIL import Image

from bulletin.parse import parse_issue
from bulletin.pipeline import build
from bulletin.source import read_source

from tests.conftest import ROOT, SAMPLES, Project, run_cli

W_NS = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
RED = RGBColor(0xFF, 0x00, 0x00)
INDENT = "\u3000\u3000"
MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"

# ---------------------------------------------------------------- an office-made Word file


def run(paragraph, text: str, size: float = 16, font: str = "仿宋_GB2312", bold: bool = False,
        color: RGBColor | None = None, italic: bool = False):  # type: ignore[no-untyped-def]
    """A run formatted directly: the Latin and the East Asian font, size, bold, colour."""
    r = paragraph.add_run(text)
    r.font.size = Pt(size)
    r.font.name = font
    r._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), font)
    if bold:
        r.bold = True
    if italic:
        r.italic = True
    if color is not None:
        r.font.color.rgb = color
    return r


def para(document, *runs: tuple, align=None):  # type: ignore[no-untyped-def]
    """A paragraph in the Normal style with runs (text, options)."""
    p = document.add_paragraph()
    p.paragraph_format.line_spacing = Pt(28)  # 固定值 28 磅, as offices set it
    p.paragraph_format.space_after = Pt(0)
    if align is not None:
        p.alignment = align
    for item in runs:
        text, options = (item[0], item[1] if len(item) > 1 else {})
        run(p, text, **options)
    return p


def red_rule(document) -> None:  # type: ignore[no-untyped-def]
    """The red rule under the masthead, drawn as the paragraph's bottom border."""
    p = document.add_paragraph()
    p._p.get_or_add_pPr().append(parse_xml(
        f'<w:pBdr {W_NS}><w:bottom w:val="single" w:sz="18" w:space="1" w:color="FF0000"/></w:pBdr>'
    ))


def text_box(document, lines: list[str], vml: bool = False, picture: str = ""):  # type: ignore[no-untyped-def]
    """A floating text box holding `lines` (and a picture, by relationship id): DrawingML (wps, with a VML
    fallback) or VML alone."""
    inner = "".join(
        f'<w:p><w:r><w:rPr><w:rFonts w:eastAsia="仿宋_GB2312"/><w:sz w:val="28"/></w:rPr><w:t xml:space="preserve">{line}</w:t></w:r></w:p>'
        for line in lines
    )
    if picture:
        inner += (
            '<w:p><w:r><w:drawing><wp:inline><a:graphic><a:graphicData '
            'uri="http://schemas.openxmlformats.org/drawingml/2006/picture"><pic:pic '
            'xmlns:pic="http://schemas.openxmlformats.org/drawingml/2006/picture"><pic:blipFill>'
            f'<a:blip r:embed="{picture}"/></pic:blipFill></pic:pic></a:graphicData></a:graphic></wp:inline>'
            '</w:drawing></w:r></w:p>'
        )
    vml_box = (
        '<w:pict><v:shape xmlns:v="urn:schemas-microsoft-com:vml" style="width:400pt;height:90pt">'
        f'<v:textbox><w:txbxContent>{inner}</w:txbxContent></v:textbox></v:shape></w:pict>'
    )
    if vml:
        xml = f'<w:r {W_NS}>{vml_box}</w:r>'
    else:
        xml = (
            f'<w:r {W_NS} xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" '
            'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" '
            'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
            'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape">'
            '<mc:AlternateContent><mc:Choice Requires="wps"><w:drawing>'
            '<wp:anchor distT="0" distB="0" distL="0" distR="0" simplePos="0" relativeHeight="1" behindDoc="0" '
            'locked="0" layoutInCell="1" allowOverlap="1"><wp:simplePos x="0" y="0"/>'
            '<wp:positionH relativeFrom="margin"><wp:posOffset>0</wp:posOffset></wp:positionH>'
            '<wp:positionV relativeFrom="margin"><wp:posOffset>0</wp:posOffset></wp:positionV>'
            '<wp:extent cx="5080000" cy="1143000"/><wp:wrapNone/><wp:docPr id="9" name="文本框 9"/>'
            '<a:graphic><a:graphicData uri="http://schemas.microsoft.com/office/word/2010/wordprocessingShape">'
            f'<wps:wsp><wps:cNvSpPr txBox="1"/><wps:spPr/><wps:txbx><w:txbxContent>{inner}</w:txbxContent></wps:txbx>'
            '<wps:bodyPr/></wps:wsp></a:graphicData></a:graphic></wp:anchor></w:drawing></mc:Choice>'
            f'<mc:Fallback>{vml_box}</mc:Fallback></mc:AlternateContent></w:r>'
        )
    p = document.add_paragraph()
    p._p.append(parse_xml(xml))
    return p


class Footnotes:
    """The footnotes part, which python-docx does not write: raw XML, related from the document."""

    def __init__(self, document) -> None:  # type: ignore[no-untyped-def]
        self.document = document
        self.notes: list[str] = []

    def call(self, paragraph) -> None:  # type: ignore[no-untyped-def]
        """A footnote reference at the end of `paragraph`; the note's text comes with `add`."""
        number = len(self.notes) + 1
        paragraph._p.append(parse_xml(
            f'<w:r {W_NS}><w:rPr><w:vertAlign w:val="superscript"/></w:rPr>'
            f'<w:footnoteReference w:id="{number}"/></w:r>'
        ))

    def add(self, paragraph, text: str) -> None:  # type: ignore[no-untyped-def]
        self.call(paragraph)
        self.notes.append(text)

    def save(self) -> None:
        notes = "".join(
            f'<w:footnote w:id="{i}"><w:p><w:r><w:footnoteRef/></w:r><w:r><w:t xml:space="preserve"> {text}</w:t>'
            "</w:r></w:p></w:footnote>"
            for i, text in enumerate(self.notes, start=1)
        )
        blob = (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:footnotes {W_NS}>'
            '<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>'
            '<w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:r><w:continuationSeparator/></w:r></w:p>'
            f"</w:footnote>{notes}</w:footnotes>"
        ).encode()
        part = Part(PackURI("/word/footnotes.xml"),
                    "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml",
                    blob, self.document.part.package)
        self.document.part.relate_to(part, RT.FOOTNOTES)


#: sentences for the body, made up for the tests
SUBJECTS = ["全市规模以上工业企业", "重点项目建设", "港口物流企业", "科技型中小企业", "县域特色产业", "外贸进出口",
            "新能源汽车产业链", "文旅消费市场", "农村集体经济", "数字经济核心产业"]
VERBS = ["保持平稳增长", "加快转型升级", "呈现回升向好态势", "面临结构性压力", "出现新的增长点", "稳中有进"]
TAILS = ["同比增长{n}.{m}%", "较上年提高{n}个百分点", "累计完成投资{n}{m}亿元", "新增企业{n}{m}家",
         "带动就业约{n}千人", "占全市比重达到{n}{m}%"]


def sentences(seed: int, count: int) -> str:
    """`count` sentences, deterministic from `seed`."""
    parts = []
    for i in range(count):
        k = seed * 7 + i * 3
        tail = TAILS[k % len(TAILS)].format(n=(k % 8) + 1, m=(k * 5) % 10)
        parts.append(f"{SUBJECTS[k % len(SUBJECTS)]}{VERBS[(k // 3) % len(VERBS)]}，{tail}")
    return "。".join(parts) + "。"


def chart_png(path: Path) -> Path:
    """A small bar chart as PNG."""
    image = Image.new("RGB", (600, 300), "white")
    for i, h in enumerate((120, 160, 200, 230, 270)):
        for x in range(60 + i * 100, 120 + i * 100):
            for y in range(300 - h, 300):
                image.putpixel((x, y), (200, 40, 40))
    image.save(path)
    return path


def office_docx(path: Path, tmp: Path, colophon: str = "table", sections: int = 3) -> dict[str, object]:
    """An issue made by hand in Word; returns what the importer should find."""
    d = Document()
    section = d.sections[0]  # A4, the margins of GB/T 9704
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin, section.left_margin, section.right_margin = Mm(37), Mm(35), Mm(28), Mm(26)
    body = {"font": "仿宋_GB2312", "size": 16}
    para(d, ("本期专报：陈明远书记、周立衡市长、王堃副市长", body), ("\t\t内部资料", {"font": "黑体", "size": 16}))
    para(d, ("临江参阅", {"font": "方正小标宋简体", "size": 48, "bold": True, "color": RED}),
         (" 专报", {"font": "方正小标宋简体", "size": 26, "color": RED}), align=WD_ALIGN_PARAGRAPH.CENTER)
    para(d, ("市级重点新型智库", {"font": "楷体_GB2312", "size": 14}), align=WD_ALIGN_PARAGRAPH.CENTER)
    para(d, ("第9期（总第47期）", body), align=WD_ALIGN_PARAGRAPH.CENTER)
    para(d, ("临江发展研究院 临江城市智库主办\t\t\t二〇二五年十一月三日", body))
    red_rule(d)
    para(d, ("关于培育县域经济新增长点的几点建议", {"font": "方正小标宋简体", "size": 22}), align=WD_ALIGN_PARAGRAPH.CENTER)
    para(d, (INDENT + "编者按：", {"font": "黑体", "size": 16}),
         ("县域是经济发展的基本单元。本文梳理了今年以来县域经济运行的特点，提出了若干建议，供参阅。",
          {"font": "楷体_GB2312", "size": 16}))
    notes = Footnotes(d)
    para(d, (INDENT + sentences(1, 2), body))
    n = 0
    for level1 in range(1, sections + 1):
        para(d, (INDENT + f"{'一二三四五六'[level1 - 1]}、县域经济的第{level1}个方面", {"font": "黑体", "size": 16}))
        for level2 in range(1, 4):
            para(d, (INDENT + f"（{'一二三四'[level2 - 1]}）围绕重点领域持续发力{level1}{level2}", {"font": "楷体_GB2312", "size": 16}))
            n += 1
            p = para(d, (INDENT + sentences(n, 3), body),
                     ("其中，龙头企业的带动作用十分明显。", {**body, "bold": True}),
                     (sentences(n + 50, 2), body))
            if n in (2, 7):
                notes.add(p, f"资料来源：市统计局第{n}号统计快报，为初步统计数。")
            if level2 == 2:
                for level3 in range(1, 3):
                    para(d, (INDENT + f"{level3}.细分行业第{level3}项", {**body, "bold": True}))
                    para(d, (INDENT + sentences(n * 10 + level3, 2), body),
                         ("这一判断仍需持续观察。", {"font": "楷体_GB2312", "size": 16}))
                    if level3 == 2:
                        para(d, (INDENT + "（1）县城片区", body))
                        para(d, (INDENT + sentences(n * 20, 1), body))
            if n == 3:
                d.add_picture(str(chart_png(tmp / "chart.png")), width=Mm(110))
                d.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
                para(d, ("图1　2021—2025年县域生产总值", {"font": "楷体_GB2312", "size": 14}), align=WD_ALIGN_PARAGRAPH.CENTER)
            if n == 5:
                para(d, (INDENT + "主要指标如下：", body))
                table = d.add_table(rows=4, cols=3)
                table.style = None
                data = [("指标", "2024年", "2025年"), ("生产总值（亿元）", "812", "856"),
                        ("固定资产投资（亿元）", "301", "322"), ("社会消费品零售总额（亿元）", "355", "371")]
                for row, values in zip(table.rows, data):
                    for cell, value in zip(row.cells, values):
                        run(cell.paragraphs[0], value, size=14)
            if n == 6:
                text_box(d, ["专栏：县域营商环境评价中，“一网通办”事项占比达到九成以上。"])
    para(d, (INDENT + "总的来看，" + sentences(99, 1), body))
    lines = ["责任编辑：林书瑶", "联系电话：0571-8806 2317　0571-8806 2318（传真）",
             "地址：临江市滨江区观澜路88号临江发展研究院", "共印：30份"]
    if colophon == "table":
        para(d, ("", body))
        table = d.add_table(rows=len(lines), cols=1)
        for row, line in zip(table.rows, lines):
            run(row.cells[0].paragraphs[0], line, size=14)
    else:
        text_box(d, lines[:2], vml=True)
        text_box(d, lines[2:])
    for section in d.sections:
        p = section.footer.paragraphs[0]
        p.text = "— 1 —"
    notes.save()
    d.save(str(path))
    return {
        "issue": 9, "total": 47, "date": "2025-11-03", "title": "关于培育县域经济新增长点的几点建议",
        "recipients": ("陈明远书记", "周立衡市长", "王堃副市长"), "editor": "林书瑶", "print_run": 30,
        "classification": "内部资料",
    }


# ---------------------------------------------------------------- helpers


def docx_text(path: Path) -> str:
    """The Word file's text from the title to the colophon, tables included, text boxes included."""
    d = Document(str(path))
    texts: list[str] = []
    body = d.element.body
    for child in body.iterchildren():
        if child.tag == qn("w:p"):
            texts.append("".join(t.text or "" for t in child.iter(qn("w:t"))
                                 if not any(a.tag == MC_FALLBACK for a in t.iterancestors())))
        elif child.tag == qn("w:tbl"):
            texts.append("".join(t.text or "" for t in child.iter(qn("w:t"))))
    text = "".join(texts)
    start = text.index("关于培育县域经济")
    end = text.index("责任编辑") if "责任编辑" in text else len(text)
    return re.sub(r"\s", "", text[start:end])


def pdf_text(path: Path) -> str:
    """The PDF's text without the house furniture: page numbers and the colophon."""
    with pdfplumber.open(path) as pdf:
        text = "\n".join(page.extract_text() or "" for page in pdf.pages)
    lines = [line for line in text.splitlines()
             if not re.fullmatch(r"\s*[—–-]\s*\d+\s*[—–-]\s*", line)]
    text = "".join(lines)
    if "责任编辑" in text:
        text = text[: text.index("责任编辑")]
    return re.sub(r"\s", "", text)


def carried(source: str, printed: str) -> float:
    """The share of `source` found in `printed`, in order."""
    matcher = difflib.SequenceMatcher(None, source, printed, autojunk=False)
    return sum(block.size for block in matcher.get_matching_blocks()) / len(source)


def imported(project: Project, docx: Path, capfd: pytest.CaptureFixture[str], *extra: str) -> tuple[int, str, str]:
    return run_cli(project, ("import", str(docx), *extra), capfd)


# ---------------------------------------------------------------- tests


@pytest.mark.slow
def test_office_issue_imports_and_builds_with_its_text(project: Project, tmp_path: Path,
                                                       capfd: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "县域.docx"
    expected = office_docx(source, tmp_path)
    code, out, err = imported(project, source, capfd)
    assert code == 0, err
    target = project.root / "issues" / "2025" / "009.md"
    assert out.strip() == "issues/2025/009.md"
    issue = parse_issue(read_source(target), project.config)
    meta = issue.meta
    assert (meta.issue, meta.total, str(meta.date), meta.title, meta.recipients, meta.editor, meta.print_run,
            meta.classification) == tuple(expected.values())
    assert issue.editor_note
    levels = Counter(level for kind, level, _ in outline(issue) if kind == "heading")
    assert levels == {1: 3, 2: 9, 3: 6, 4: 3}
    assert len(issue.footnotes) == 2 and [k for k, _, _ in outline(issue)].count("table") == 1
    text = target.read_text(encoding="utf-8")
    assert "## 县域经济的第1个方面" in text and "#### 细分行业第1项" in text  # the house numbers them the same
    assert "**其中，龙头企业的带动作用十分明显。**" in text and "*这一判断仍需持续观察。*" in text
    assert "临江参阅" not in text and "第9期" not in text and "责任编辑" not in text
    assert "![图1　2021—2025年县域生产总值](images/009-1.png)" in text
    assert (target.parent / "images" / "009-1.png").is_file()
    results = build(project.config, [target], ("pdf",), project.root / "build")
    assert not [r.error for r in results if r.error]
    pdf = project.root / "build" / "2025" / "009.pdf"
    with pdfplumber.open(pdf) as opened:
        pages = len(opened.pages)
    assert pages >= 5, pages
    share = carried(docx_text(source), pdf_text(pdf))
    print(f"pages {pages}, text carried {share:.2%}")
    print(err)
    assert share >= 0.99
    # the text box had no place: reported with its paragraph, and its text kept
    assert re.search(r"县域.docx: paragraph \d+: a text box cannot be placed", err)
    code, out, err = run_cli(project, ("check", "issues/2025/009.md"), capfd)
    assert code == 0, out + err


def outline(issue) -> list[tuple[str, int, str]]:  # type: ignore[no-untyped-def]
    """What an issue says, block by block: (kind, heading level, text with the heading's number)."""
    from bulletin import model as m

    found = []
    for block in issue.body:
        if isinstance(block, m.Heading):
            found.append(("heading", block.level, block.number + m.plain_text(block.children)))
        elif isinstance(block, m.Paragraph):
            found.append(("paragraph", 0, m.plain_text(block.children)))
        elif isinstance(block, m.Table):
            cells = [c for row in (block.header, *block.rows) for c in row]
            found.append(("table", 0, "|".join(m.plain_text(c.children) for c in cells)))
        elif isinstance(block, m.Image):
            found.append(("image", 0, block.alt))
        else:
            found.append((block.kind, 0, ""))
    return found


def test_colophon_in_text_boxes_goes_to_the_front_matter(project: Project, tmp_path: Path,
                                                         capfd: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "box.docx"
    office_docx(source, tmp_path, colophon="box", sections=2)
    code, out, err = imported(project, source, capfd)
    assert code == 0, err
    target = project.root / "issues" / "2025" / "009.md"
    issue = parse_issue(read_source(target), project.config)
    assert (issue.meta.editor, issue.meta.print_run) == ("林书瑶", 30)
    text = target.read_text(encoding="utf-8")
    assert "责任编辑" not in text and "共印" not in text and "地址" not in text
    # the body's text box (DrawingML with a VML fallback) comes in once
    assert text.count("“一网通办”事项占比") == 1
    # same phone, fax and address as bulletin.toml: nothing to say about them
    assert "differs" not in err


def test_round_trip_of_the_projects_own_docx(project: Project, tmp_path: Path,
                                             capfd: pytest.CaptureFixture[str]) -> None:
    from bulletin.config import load_config

    sample = load_config(ROOT)
    originals = SAMPLES  # 2026/001 and every other sample: images, tables, notes, lists, quotes
    results = build(sample, originals, ("docx",), tmp_path / "out")
    assert not [r.error for r in results if r.error]
    for original in originals:
        relative = original.relative_to(ROOT / "issues")
        docx = tmp_path / "out" / relative.with_suffix(".docx")
        code, out, err = imported(project, docx, capfd)
        assert code == 0, err
        assert err == "imported 1 of 1 file(s), 0 warning(s)\n"  # nothing of the house's own DOCX is left unmapped
        back = parse_issue(read_source(project.root / "issues" / relative), project.config)
        first = parse_issue(read_source(original), sample)
        assert back.meta == first.meta
        assert outline(back) == outline(first)
        from bulletin import model as m

        assert [m.plain_text(b.children) for b in back.editor_note] == [m.plain_text(b.children) for b in first.editor_note]
        assert [outline(type("N", (), {"body": n.children})) for n in back.footnotes] == \
            [outline(type("N", (), {"body": n.children})) for n in first.footnotes]
        emphasis = lambda issue: [n.kind for n in _nodes(issue.body) if n.kind in ("emphasis", "strong")]  # noqa: E731
        assert emphasis(back) == emphasis(first)
    image = project.root / "issues" / "2026" / "images" / "002-1.png"
    assert image.read_bytes() == (ROOT / "issues" / "2026" / "images" / "port-throughput.png").read_bytes()


def _nodes(value):  # type: ignore[no-untyped-def]
    from bulletin.model import nodes

    return nodes(value)


def test_never_overwrites_without_force(project: Project, tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "a.docx"
    office_docx(source, tmp_path, sections=1)
    target = project.root / "issues" / "2025" / "009.md"
    target.parent.mkdir(parents=True)
    target.write_text("kept\n", encoding="utf-8")
    before = project.files()
    code, out, err = imported(project, source, capfd)
    assert code == 2
    assert err.strip().splitlines()[-2:] == [
        "issues/2025/009.md exists already; add --force to replace it", "imported 0 of 1 file(s), 0 warning(s)"]
    assert "issues/2025/009.md exists already; add --force to replace it" in err
    assert target.read_text(encoding="utf-8") == "kept\n" and project.files() == before
    code, out, err = imported(project, source, capfd, "--force")
    assert code == 0 and target.read_text(encoding="utf-8").startswith("---\nissue: 9\n")


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def _plain_docx(path: Path) -> None:
    d = Document()
    d.add_paragraph("一封信，不是一期简报。2025年3月1日")
    d.save(str(path))


def _damaged(path: Path, tmp: Path) -> Path:
    good = tmp / "good.docx"
    office_docx(good, tmp, sections=1)
    with zipfile.ZipFile(good) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    members["word/document.xml"] = members["word/document.xml"][:5000]
    return _zip(path, members)


@pytest.mark.parametrize(
    ("name", "make", "line"),
    [
        ("not-a-docx", lambda p, t: p.write_bytes(b"%PDF-1.7 not a Word file"),
         "bad.docx: not a DOCX file (not a ZIP archive); save it from Word as .docx"),
        ("zip-bomb", lambda p, t: _zip(p, {"[Content_Types].xml": b"<x/>", "word/document.xml": b"\0" * 8_000_000}),
         "bad.docx: not a DOCX file: part 'word/document.xml' would unpack to 8 MB (a zip bomb?); not read"),
        ("damaged-xml", _damaged, "bad.docx: damaged XML in the Word file: "),
        ("zip-not-word", lambda p, t: _zip(p, {"hello.txt": b"hi"}), "bad.docx: not a DOCX file (no word/document.xml)"),
        ("no-issue-line", lambda p, t: _plain_docx(p), "bad.docx: no issue line 第N期 found; cannot tell the issue's number"),
    ],
    ids=lambda v: v if isinstance(v, str) and "-" in v else "",
)
def test_bad_input_is_one_line_and_writes_nothing(project: Project, tmp_path: Path, capfd: pytest.CaptureFixture[str],
                                                  name: str, make, line: str) -> None:  # type: ignore[no-untyped-def]
    source = project.root / "bad.docx"
    make(source, tmp_path)
    before = project.files()
    code, out, err = run_cli(project, ("import", "bad.docx"), capfd)
    assert code == 1
    assert out == ""
    assert err.startswith(line) and err.splitlines()[1:] == ["imported 0 of 1 file(s), 0 warning(s)"], err
    assert "Traceback" not in err
    assert project.files() == before


def test_what_cannot_be_mapped_is_reported_where_it_is(project: Project, tmp_path: Path,
                                                       capfd: pytest.CaptureFixture[str]) -> None:
    d = Document()
    body = {"size": 16}
    para(d, ("临江参阅", {"size": 42, "color": RED, "bold": True}), align=WD_ALIGN_PARAGRAPH.CENTER)
    para(d, ("2025年第3期（总第41期）", body), align=WD_ALIGN_PARAGRAPH.CENTER)
    para(d, ("临江发展研究院　　2025年4月8日", body))
    red_rule(d)
    para(d, ("一个试验题目", {"size": 22}), align=WD_ALIGN_PARAGRAPH.CENTER)
    para(d, (INDENT + "第一段正文，有一条批注。", body))                                # paragraph 6
    commented = d.paragraphs[-1]
    d.add_comment(commented.runs, text="这里的数字请再核实", author="审稿人")
    tracked = para(d, (INDENT + "第二段正文", body))                                    # paragraph 7
    tracked._p.append(parse_xml(
        f'<w:ins {W_NS} w:id="1" w:author="a" w:date="2025-04-01T00:00:00Z"><w:r><w:t>新增的话</w:t></w:r></w:ins>'))
    tracked._p.append(parse_xml(
        f'<w:del {W_NS} w:id="2" w:author="a" w:date="2025-04-01T00:00:00Z"><w:r><w:delText>删去的话</w:delText></w:r></w:del>'))
    shape = para(d, (INDENT + "第三段正文。", body))                                    # paragraph 8
    shape._p.append(parse_xml(
        f'<w:r {W_NS}><w:pict><v:rect xmlns:v="urn:schemas-microsoft-com:vml" style="width:20pt;height:20pt" '
        'fillcolor="#00FF00"/></w:pict></w:r>'))
    from docx.enum.style import WD_STYLE_TYPE

    d.styles.add_style("特别段落", WD_STYLE_TYPE.PARAGRAPH)
    d.add_paragraph("第四段正文。", style="特别段落")                                   # paragraph 9
    para(d, (INDENT + "三、跳过编号的标题", {"size": 16, "font": "黑体"}))              # paragraph 10
    para(d, (INDENT + "1.68亿吨是全年的货物吞吐量，这一段不是标题，因为它是一个完整的长句子。", body))
    rid, _ = d.part.get_or_add_image(str(chart_png(tmp_path / "boxed.png")))
    text_box(d, ["框里的说明文字"], picture=rid)                                           # paragraph 12
    d.sections[0].header.paragraphs[0].text = "内部资料　注意保存"
    source = tmp_path / "notes.docx"
    d.save(str(source))
    code, out, err = imported(project, source, capfd)
    assert code == 0, err
    warnings = err.strip().splitlines()
    assert "notes.docx: paragraph 6: comment not imported: '这里的数字请再核实'" in warnings
    assert ("notes.docx: paragraph 7: tracked changes: insertions kept, deletions left out; "
            "accept or reject them in Word to be sure") in warnings
    assert "notes.docx: paragraph 8: a drawn shape has no place in the house; not imported" in warnings
    assert "notes.docx: paragraph 9: unknown style '特别段落': read as a body paragraph" in warnings
    assert "notes.docx: header or footer text not imported: '内部资料 注意保存'" in warnings
    assert "notes.docx: no 责任编辑 found; a placeholder 【待填】 was written for it" in warnings
    text = (project.root / "issues" / "2025" / "003.md").read_text(encoding="utf-8")
    assert "新增的话" in text and "删去的话" not in text
    assert "第四段正文。" in text
    assert "notes.docx: paragraph 12: a picture in a text box cannot be placed; it follows the paragraph" in warnings
    assert "![【待填：图题】](images/003-1.png)\n\n框里的说明文字" in text
    assert "notes.docx: paragraph 12: picture images/003-1.png has no caption; write one in place of 【待填：图题】" in warnings
    assert (project.root / "issues" / "2025" / "images" / "003-1.png").read_bytes() == (tmp_path / "boxed.png").read_bytes()
    # a heading whose typed number is not the one the house would give keeps it, and the house leaves it alone
    assert "\n## 三、跳过编号的标题\n" in text
    assert "\n1.68亿吨是全年" in text
    # check lists what the archivist must fix: the placeholders, by line
    code, out, err = run_cli(project, ("check", "issues/2025/003.md"), capfd)
    assert code == 1
    assert re.search(r"issues/2025/003.md:\d+:\d+: placeholder 【待填：责任编辑】 not filled in", out)
    assert re.search(r"issues/2025/003.md:\d+:\d+: placeholder 【待填：印数】 not filled in", out)
    assert re.search(r"issues/2025/003.md:\d+:\d+: placeholder 【待填：图题】 not filled in", out)


def test_other_contact_and_arabic_date(project: Project, tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    d = Document()
    body = {"size": 16}
    para(d, ("本期送：市委办公厅、市政府办公厅\t征求意见稿", body))
    para(d, ("临江参阅", {"size": 42, "color": RED}), align=WD_ALIGN_PARAGRAPH.CENTER)
    para(d, ("第12期（总第50期）", body), align=WD_ALIGN_PARAGRAPH.CENTER)
    para(d, ("临江发展研究院 临江城市智库主办\t2025年12月30日", body))
    line = d.add_paragraph()  # the red rule drawn as a line, as older files have it
    line._p.append(parse_xml(
        f'<w:r {W_NS}><w:pict><v:line xmlns:v="urn:schemas-microsoft-com:vml" from="0,0" to="442pt,0" '
        'strokecolor="red" strokeweight="2.25pt"/></w:pict></w:r>'))
    para(d, ("关于", {"size": 22}), align=WD_ALIGN_PARAGRAPH.CENTER)
    para(d, ("两行标题的写法", {"size": 22}), align=WD_ALIGN_PARAGRAPH.CENTER)
    para(d, (INDENT + "正文。", body))
    table = d.add_table(rows=3, cols=1)
    for row, line in zip(table.rows, ["责任编辑：王一　联系电话：0571-1234 5678", "抄送：市委研究室", "共印：20份"]):
        run(row.cells[0].paragraphs[0], line, size=14)
    source = tmp_path / "other.docx"
    d.save(str(source))
    code, out, err = imported(project, source, capfd)
    assert code == 0, err
    assert ("other.docx: colophon phone '0571-1234 5678' differs from bulletin.toml '0571-8806 2317'; "
            "the issue will print bulletin.toml's") in err.splitlines()
    issue = parse_issue(read_source(project.root / "issues" / "2025" / "012.md"), project.config)
    assert issue.meta.recipients == ("市委办公厅", "市政府办公厅")
    assert issue.meta.draft and not issue.meta.classification
    assert "shape" not in err
    assert (str(issue.meta.date), issue.meta.title_lines, issue.meta.editor, issue.meta.cc, issue.meta.print_run) == (
        "2025-12-30", ("关于", "两行标题的写法"), "王一", "市委研究室", 20)


def test_warnings_in_chinese(project: Project, tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "县域.docx"
    office_docx(source, tmp_path, sections=2)
    code, out, err = run_cli(project, ("--lang", "zh", "import", str(source)), capfd)
    assert code == 0
    assert re.search(r"县域.docx: 第\d+段：文本框无法定位，其文字作为正文放在该段之后：", err), err
    source.write_bytes(b"plain text")
    code, out, err = run_cli(project, ("--lang", "zh", "import", str(source), "--force"), capfd)
    assert code == 1 and "不是 DOCX 文件（不是 ZIP 压缩包），请在 Word 中另存为 .docx" in err


def test_every_bad_input_is_in_the_user_table() -> None:
    table = (ROOT / "docs" / "errors.md").read_text(encoding="utf-8")
    for name in ("import-not-a-docx", "import-zip-bomb", "import-damaged-xml", "import-no-issue-line", "import-exists"):
        assert f"`{name}`" in table


def test_lists_typed_and_made_by_word(project: Project, tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    d = Document()
    para(d, ("临江参阅", {"size": 42, "color": RED}), align=WD_ALIGN_PARAGRAPH.CENTER)
    para(d, ("第1期（总第30期）", {}), align=WD_ALIGN_PARAGRAPH.CENTER)
    para(d, ("2025年1月6日", {}))
    red_rule(d)
    para(d, ("列表的题目", {"size": 22}), align=WD_ALIGN_PARAGRAPH.CENTER)
    para(d, (INDENT + "导语。", {"size": 16}))
    d.add_paragraph("第一项", style="List Number")
    d.add_paragraph("第二项", style="List Number")
    para(d, ("● 打字的圆点", {"size": 16}))
    para(d, ("● 又一个", {"size": 16}))
    linked = para(d, (INDENT + "详见", {"size": 16}))
    rid = d.part.relate_to("https://example.org/a b", RT.HYPERLINK, is_external=True)
    linked._p.append(parse_xml(
        f'<w:hyperlink {W_NS} xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" '
        f'r:id="{rid}"><w:r><w:t>门户网站</w:t></w:r></w:hyperlink>'))
    para(d, ("#1 不是标题，-1 不是列表", {"size": 16}))
    rule = d.add_paragraph()
    rule._p.get_or_add_pPr().append(parse_xml(
        f'<w:pBdr {W_NS}><w:bottom w:val="single" w:sz="6" w:space="1" w:color="000000"/></w:pBdr>'))
    gif = tmp_path / "chart.gif"
    Image.open(chart_png(tmp_path / "chart.png")).convert("P").save(gif)
    d.add_picture(str(gif))
    para(d, ("图2　转换后的图", {"size": 14}), align=WD_ALIGN_PARAGRAPH.CENTER)
    para(d, ("责任编辑：林书瑶　　共印：5份", {"size": 14}))
    source = tmp_path / "lists.docx"
    d.save(str(source))
    code, out, err = imported(project, source, capfd)
    assert code == 0, err
    issue = parse_issue(read_source(project.root / "issues" / "2025" / "001.md"), project.config)
    from bulletin import model as m

    lists = [b for b in issue.body if isinstance(b, m.ListBlock)]
    assert [(b.ordered, [m.plain_text(i.children[0].children) for i in b.items]) for b in lists[:2]] == [
        (True, ["第一项", "第二项"]), (False, ["打字的圆点", "又一个"])]
    assert m.plain_text(issue.body[-3].children) == "#1 不是标题，-1 不是列表"
    link = issue.body[-4].children[-1]
    assert isinstance(link, m.Link) and link.href == "https://example.org/a%20b" and m.plain_text(link.children) == "门户网站"
    assert isinstance(issue.body[-2], m.Rule)
    image = issue.body[-1]
    assert isinstance(image, m.Image) and image.alt == "图2　转换后的图" and image.path.name == "001-1.png"
    with Image.open(image.path) as opened:
        assert opened.format == "PNG" and opened.size == (600, 300)
    assert (issue.meta.editor, issue.meta.print_run) == ("林书瑶", 5)


def test_xml_entities_are_never_expanded(project: Project, tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    good = tmp_path / "good.docx"
    office_docx(good, tmp_path, sections=1)
    with zipfile.ZipFile(good) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    secret = tmp_path / "secret.txt"
    secret.write_text("机密内容", encoding="utf-8")
    document = members["word/document.xml"].decode()
    document = document.replace(
        "<w:document", f'<!DOCTYPE w:document [<!ENTITY x SYSTEM "{secret.as_uri()}">]><w:document', 1)
    members["word/document.xml"] = document.replace("几点建议", "几点&x;建议", 1).encode()
    source = _zip(tmp_path / "entity.docx", members)
    code, out, err = imported(project, source, capfd)
    assert code == 0, err
    text = (project.root / "issues" / "2025" / "009.md").read_text(encoding="utf-8")
    assert "title: 关于培育县域经济新增长点的几点建议\n" in text and "机密内容" not in text
    assert re.search(r"entity.docx: paragraph \d+: XML entity '&x;' left out", err), err
