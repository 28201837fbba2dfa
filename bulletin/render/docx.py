"""Stage: model -> DOCX. The issue as an editable Word document in the house style.

Named styles carry all formatting (people keep editing the file in Word or WPS); runs
carry only a character style for emphasis. Numbers come from `house.py`, font names
from the configuration, raw XML from `docx_xml.py`. Pure: model in, bytes out, and the
same inputs always give the same bytes.
"""
from __future__ import annotations

import datetime as dt
import io
import math
from copy import deepcopy
from dataclasses import dataclass, field, replace
from typing import Any, Iterable, assert_never, cast

import docx
from docx.document import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT
from docx.image.exceptions import InvalidImageStreamError, UnexpectedEndOfFileError, UnrecognizedImageError
from docx.image.image import Image as DocxImage
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml.ns import qn
from docx.parts.story import StoryPart
from docx.shared import Emu, Mm, RGBColor, Twips
from docx.styles.style import BaseStyle, ParagraphStyle
from docx.table import Table as DocxTable
from docx.text.paragraph import Paragraph as DocxParagraph
from lxml import etree

from bulletin import typography
from bulletin.errors import ContentError
from bulletin.config import Config
from bulletin.house import BLACK, HOUSE, MM, DocxFonts, Geometry, House, Role, Row, fields_of, rows
from bulletin.model import (
    Block, Code, CodeBlock, Emphasis, Footnote, FootnoteRef, Heading, Image, Inline, Issue, LineBreak, Link, ListBlock,
    Paragraph, plain_text, Quote, Rule, Strong, Table, TableCell, Text,
)
from bulletin.render import docx_fonts
from bulletin.render import docx_xml as x
from bulletin.render.justify import compressed_pairs
from bulletin.support.fonts import fonts_dir

EAST_ASIAN_LANG = "zh-CN"
LATIN_LANG = "en-US"


# Styles Word knows by these names: not flagged custom, so Word localises their names.
BUILT_IN = frozenset({
    "Normal", "Body Text", "Title", "heading 1", "heading 2", "heading 3", "heading 4", "List Number",
    "List Bullet", "Quote", "Caption", "footnote text", "footnote reference", "Emphasis", "Strong",
    "Table Grid",
})

#: pt a flush-right tab stands inside the type area's edge: LibreOffice sets the last glyph
#: of a right-aligned part up to 0.75 pt past its tab (its tracking and rounding)
TAB_INSET = 1.0

#: house alignments as Word's names for them
DOCX_ALIGN = {"left": "left", "center": "center", "right": "right", "justify": "both"}

ALIGN = {
    "left": WD_ALIGN_PARAGRAPH.LEFT,
    "center": WD_ALIGN_PARAGRAPH.CENTER,
    "right": WD_ALIGN_PARAGRAPH.RIGHT,
    "both": WD_ALIGN_PARAGRAPH.JUSTIFY,
}


# ---------------------------------------------------------------- units


def twips(points: float) -> int:
    """Points as whole twips (1/20 pt)."""
    return round(points * 20)


def eighths(points: float) -> int:
    """Points as whole eighths of a point (border widths)."""
    return round(points * 8)


def char_space(geometry: Geometry) -> int:
    """docGrid/@w:charSpace: the grid's extra advance per character, in 1/4096 pt.

    Word's character pitch is Normal's size plus charSpace/4096 pt; the house pitch is
    the type width over 28 characters (16 pt glyphs: 15.79 − 16 = −0.207 pt → −848).
    """
    return round((geometry.char_pitch - geometry.body_size) * 4096)


def grid_tracking(geometry: Geometry) -> float:
    """Tracking of body text in pt, whole twips: a twip tighter than the grid pitch needs.

    The grid pitch is 15.79 pt (16 pt glyphs − 0.207 pt); LibreOffice rounds its grid
    down to 15.73 pt and fits the body to 28 such cells, so −0.25 pt would leave 27.
    """
    return (math.floor((geometry.char_pitch - geometry.body_size) * 20) - 1) / 20


def footer_distance(house: House) -> float:
    """Page bottom to the foot of the page-number line, in mm: the number sits its gap below the type area."""
    g = house.geometry
    return g.margin_bottom_mm - g.page_number_gap_mm - house.roles["page_number"].line(g) / MM


# ---------------------------------------------------------------- styles


@dataclass(frozen=True)
class StyleSpec:
    """One named style: what it looks like, in house terms (faces by role, sizes in pt)."""

    name: str
    style_id: str
    alias: str = ""
    character: bool = False
    based_on: str | None = "Normal"
    face: str | None = "fang"  # role key of `faces()`; None: inherit
    latin: str | None = "latin"
    size: float | None = None
    bold: bool = False
    color: str | None = None
    tracking: float | None = None  # pt added after each character; None: inherit
    superscript: bool = False
    align: str | None = None
    line: float | None = None  # exact leading in pt; None: inherit; 0: single (auto)
    before: float = 0.0
    after: float = 0.0
    first_line_chars: int = 0  # hundredths of a character
    left_chars: int = 0
    right_chars: int = 0
    left: float = 0.0  # pt, for styles off the 16 pt grid
    right: float = 0.0
    keep_next: bool = False
    keep_lines: bool = False
    contextual: bool = False  # no space between paragraphs of this same style
    outline: int | None = None
    borders: tuple[tuple[str, float, str], ...] = ()  # (side, width pt, colour)
    right_tab: float | None = None  # pt from the left margin
    next_style: str | None = None


def faces(fonts: DocxFonts) -> dict[str, str]:
    """Face names by role: the four faces of GB/T 9704 plus title, masthead and Latin."""
    return {
        "fang": fonts.body,
        "hei": fonts.heading1,
        "kai": fonts.heading2,
        "song": fonts.page_number,
        "title": fonts.title,
        "masthead": fonts.masthead,
        "latin": fonts.latin,
    }


def face_chains(fonts: DocxFonts, house: House) -> dict[str, tuple[str, ...]]:
    """For each font name the DOCX asks for, the house faces (CSS names, most wanted first) that draw it.

    The first role naming a font decides; the Latin name has none.
    """
    chains: dict[str, tuple[str, ...]] = {}
    for role, name in faces(fonts).items():
        face = house.faces.get("title" if role == "masthead" else role)
        if face is not None:
            chains.setdefault(name, face.chain)
    return chains


def from_role(name: str, style_id: str, alias: str, role: Role, g: Geometry, **structure: object) -> StyleSpec:
    """A style drawn from a house role: face, size, leading, tracking, space, alignment, colour, weight.

    `structure` adds what the role does not say (indents, keeps, tabs, borders) or what
    Word needs said differently (a character role states only what it names).
    """
    values: dict[str, Any] = {"face": role.face, "bold": role.bold}
    if role.character:
        values.update(based_on=None, latin=None, character=True)
        if role.size is not None:
            values["size"] = role.size
        if role.tracking is not None:
            values["tracking"] = role.tracking
    else:
        values.update(
            size=role.pt(g), line=role.line(g), before=role.before, after=role.after,
            align=DOCX_ALIGN[role.align] if role.align else None,
            tracking=grid_tracking(g) if role.tracking is None else role.tracking,
        )
    if role.color != BLACK:
        values["color"] = role.color
    values.update(structure)
    return StyleSpec(name, style_id, alias, **values)


def style_specs(house: House) -> tuple[StyleSpec, ...]:
    """Every style the renderer uses, in the order they appear in styles.xml, from the house's roles.

    A derived style repeats its parent's formatting, so each style states its fonts,
    size, leading and indents outright and survives a changed parent.
    """
    g, r, rules = house.geometry, house.roles, house.rules
    width = g.type_width
    indent = round(g.text_indent_cells * 100)
    block = round(g.block_indent_cells * 100)

    def para(name: str, style_id: str, alias: str, role: str, **structure: object) -> StyleSpec:
        return from_role(name, style_id, alias, r[role], g, **structure)

    def char(name: str, style_id: str, alias: str, role: str, **structure: object) -> StyleSpec:
        return from_role(name, style_id, alias, r[role], g, **structure)

    def own_face(role: str) -> str:
        return r[role].face

    colophon_side = r["colophon"].pt(g) * g.colophon_indent_ems
    folio_side = r["page_number"].pt(g) * g.page_number_indent_ems
    return (
        para("Normal", "Normal", "正文", "body", based_on=None, align="both"),
        para("Body Text", "BodyText", "正文段落", "body", first_line_chars=indent, next_style="Body Text"),
        para("Copy Number", "CopyNumber", "份号", "copy_number", latin=own_face("copy_number")),
        para("Marks", "Marks", "密级与紧急程度", "marks", keep_next=True),
        para("Control Line", "ControlLine", "发送范围", "control", right_tab=width - TAB_INSET),
        para("Masthead", "Masthead", "报头", "masthead", face="masthead", latin="masthead", keep_next=True),
        para("Tagline", "Tagline", "报头标语", "tagline", keep_next=True),
        para("Issue Line", "IssueLine", "期号", "issue_line", keep_next=True),
        para("Publisher Line", "PublisherLine", "主办单位与日期", "publisher_line", right_tab=width - TAB_INSET,
             keep_next=True),
        StyleSpec("Red Rule", "RedRule", "红色分隔线", size=1, line=g.red_rule_gap, before=rules.red_before,
                  tracking=0.0, keep_next=True,
                  borders=(("top", rules.red_thick, rules.red_color), ("bottom", rules.red_thin, rules.red_color))),
        para("Title", "Title", "标题", "title", latin=own_face("title"), keep_next=True, keep_lines=True,
             next_style="Body Text"),
        *(
            para(f"heading {level}", f"Heading{level}", "", f"heading{level}", based_on="Body Text",
                 first_line_chars=indent, keep_next=True, keep_lines=True, outline=level - 1, next_style="Body Text")
            for level in (1, 2, 3, 4)
        ),
        para("Editor Note", "EditorNote", "编者按", "editor_note", based_on="Body Text", first_line_chars=indent,
             contextual=True, next_style="Body Text"),
        para("List Number", "ListNumber", "", "body", based_on="Body Text", first_line_chars=indent,
             next_style="Body Text"),
        para("List Bullet", "ListBullet", "", "body", based_on="Body Text", first_line_chars=indent,
             next_style="Body Text"),
        para("Quote", "Quote", "引文", "quote", based_on="Body Text", first_line_chars=indent, left_chars=block,
             right_chars=block, next_style="Body Text"),
        para("Code Block", "CodeBlock", "代码", "code", left_chars=block, right_chars=block),
        StyleSpec("Body Rule", "BodyRule", "分隔线", size=1, line=g.rule_space, tracking=0.0,
                  borders=(("bottom", rules.thematic_break, rules.color),)),
        # An image needs single (auto) leading: an exact line would clip it.
        para("Figure", "Figure", "插图", "figure", line=0, keep_next=True),
        para("Caption", "Caption", "题注", "caption", after=r["figure"].after),
        para("Table Text", "TableText", "表格文字", "table", before=0.0, after=0.0),
        para("Table Heading", "TableHeading", "表头", "table_heading", based_on="Table Text"),
        StyleSpec("After Table", "AfterTable", "表后", size=1, line=r["table"].after, tracking=0.0),
        para("footnote text", "FootnoteText", "", "footnote"),
        para("Colophon", "Colophon", "版记", "colophon", before=g.colophon_pad, after=g.colophon_pad,
             left=colophon_side, right=colophon_side, right_tab=width - colophon_side, keep_next=True,
             keep_lines=True),
        para("Page Number Odd", "PageNumberOdd", "页码（单页）", "page_number", latin=own_face("page_number"),
             align="right", right=folio_side),
        para("Page Number Even", "PageNumberEven", "页码（双页）", "page_number", latin=own_face("page_number"),
             based_on="Page Number Odd", align="left", left=folio_side),
        # character styles: only what differs from the paragraph around them
        char("Emphasis", "Emphasis", "强调", "emphasis"),
        # strong is 黑体, not bold, as in the PDF: the house's 仿宋 has no bold face
        char("Strong", "Strong", "要点", "strong"),
        char("Strong Emphasis", "StrongEmphasis", "", "strong", based_on="Strong"),
        char("Code", "Code", "代码字符", "code_inline", latin="latin"),
        char("Classification", "Classification", "密级", "classification"),
        char("Editor Note Label", "EditorNoteLabel", "编者按标签", "editor_note_label"),
        char("Masthead Kind", "MastheadKind", "报头类别", "masthead_kind", face="masthead", latin="masthead"),
        StyleSpec("footnote reference", "FootnoteReference", "", character=True, based_on=None, face=None,
                  latin=None, superscript=True),
    )


def add_style(document: Document, spec: StyleSpec, names: dict[str, str], g: Geometry) -> BaseStyle:
    """Create one style from its spec: python-docx where it can, raw XML for the rest."""
    kind = WD_STYLE_TYPE.CHARACTER if spec.character else WD_STYLE_TYPE.PARAGRAPH
    # a character style (spec.character) returns before anything only a paragraph style has is set
    style = cast(ParagraphStyle, document.styles.add_style(spec.name, kind))
    style.style_id = spec.style_id
    if spec.name in BUILT_IN:
        style.element.attrib.pop(qn("w:customStyle"), None)
    if spec.based_on:
        style.base_style = document.styles[spec.based_on]
    if spec.name == "Normal":
        style.element.set(qn("w:default"), "1")
    style.hidden = False
    style.quick_style = True
    if spec.alias:
        style.element.insert_element_before(
            x.el("w:aliases", val=spec.alias), "w:basedOn", "w:next", "w:link", "w:uiPriority", "w:qFormat",
            "w:rPr", "w:pPr",
        )
    rpr = style.element.get_or_add_rPr()
    if spec.face:
        x.set_fonts(rpr, names[spec.latin] if spec.latin else names["latin"], names[spec.face])
    if spec.bold:
        x.set_on(rpr, "w:b", "w:bCs")
    if spec.color:
        style.font.color.rgb = RGBColor.from_string(spec.color)
    if spec.tracking is not None:
        x.put(rpr, x.el("w:spacing", val=twips(spec.tracking)), x.RPR_ORDER)
    if spec.size or not spec.character:
        x.set_size(rpr, spec.size or g.body_size)
    if spec.superscript:
        x.set_vert_align(rpr, "superscript")
    if spec.name == "Normal":
        x.set_lang(rpr, LATIN_LANG, EAST_ASIAN_LANG)
    if spec.character:
        return style
    ppr = style.element.get_or_add_pPr()
    fmt = style.paragraph_format
    if spec.next_style:
        style.next_paragraph_style = document.styles[spec.next_style]
    if spec.align:
        fmt.alignment = ALIGN[spec.align]
    if spec.keep_next:
        fmt.keep_with_next = True
    if spec.keep_lines:
        fmt.keep_together = True
    if spec.name == "Normal":
        # Full pages keep 22 lines: Word's widow control would move single lines.
        fmt.widow_control = False
    # Every paragraph style states its leading, space and indents, so none depends on Word's defaults.
    x.set_spacing(
        ppr,
        line_twips=None if spec.line == 0 else twips(spec.line or g.line_pitch),
        before=twips(spec.before),
        after=twips(spec.after),
    )
    if spec.name == "Normal":
        # The section's grid says 22 × 28 (Word's page setup shows it), but text does not
        # snap to it: LibreOffice gives a glyph wider than a grid cell two cells. The
        # tracking on Normal puts 28 characters on a line in every reader instead.
        x.set_toggle(ppr, "w:snapToGrid", False)
        # Chinese print does not hang punctuation into the margin. (LibreOffice 7.4 reads
        # this flag inverted and hangs; Word and WPS read it as written.)
        x.set_toggle(ppr, "w:overflowPunct", False)
        # No automatic gap between Han and Latin or digits: the PDF has none either.
        x.set_toggle(ppr, "w:autoSpaceDE", False)
        x.set_toggle(ppr, "w:autoSpaceDN", False)
    if spec.contextual:
        x.put(ppr, x.el("w:contextualSpacing"), x.PPR_ORDER)
    x.set_indent(
        ppr,
        first_line_chars=spec.first_line_chars,
        left_chars=spec.left_chars,
        right_chars=spec.right_chars,
        left_twips=twips(spec.left),
        right_twips=twips(spec.right),
        char_twips=twips(g.char_pitch),
    )
    if spec.right_tab is not None:
        fmt.tab_stops.add_tab_stop(Twips(twips(spec.right_tab)), WD_TAB_ALIGNMENT.RIGHT)
    if spec.outline is not None:
        x.set_outline_level(ppr, spec.outline)
    if spec.borders:
        x.set_borders(
            ppr,
            (x.border(f"w:{side}", eighths=eighths(width), color=color, space=0) for side, width, color in spec.borders),
        )
    return style


def add_table_style(
    document: Document, name: str, style_id: str, alias: str, borders: Iterable[tuple[str, float]], margin: float
) -> None:
    """A table style: black rules on the given edges ((side, width pt)), `margin` pt inside cells left and right."""
    style = cast(BaseStyle, document.styles.add_style(name, WD_STYLE_TYPE.TABLE))
    style.style_id = style_id
    style.hidden = False
    if name in BUILT_IN:
        style.element.attrib.pop(qn("w:customStyle"), None)
    style.element.insert_element_before(x.el("w:aliases", val=alias), "w:basedOn", "w:rPr", "w:pPr", "w:tblPr")
    tblpr = style.element.find(qn("w:tblPr"))
    if tblpr is None:
        tblpr = x.el("w:tblPr")
        style.element.append(tblpr)
    box = x.el("w:tblBorders")
    for side, width in borders:
        box.append(x.border(f"w:{side}", eighths=eighths(width), color="000000", space=0))
    x.put(tblpr, box, x.TBLPR_ORDER)
    margins = x.el("w:tblCellMar")
    for side in ("w:left", "w:right"):
        margins.append(x.el(side, w=twips(margin), type="dxa"))
    x.put(tblpr, margins, x.TBLPR_ORDER)


def install_styles(document: Document, fonts: DocxFonts, house: House) -> None:
    """Replace the template's styles with the house's: defaults, paragraph, character, table."""
    root = document.styles.element
    for child in list(root):
        root.remove(child)
    names = faces(fonts)
    defaults = x.el("w:docDefaults")
    rpr_default = x.el("w:rPrDefault")
    rpr = x.el("w:rPr")
    g = house.geometry
    x.set_fonts(rpr, names["latin"], names[house.roles["body"].face])
    x.set_size(rpr, g.body_size)
    x.set_lang(rpr, LATIN_LANG, EAST_ASIAN_LANG)
    rpr_default.append(rpr)
    ppr_default = x.el("w:pPrDefault")
    ppr_default.append(x.el("w:pPr"))
    defaults.extend([rpr_default, ppr_default])
    root.append(defaults)
    for element in x.default_styles():
        root.append(element)
    for spec in style_specs(house):
        add_style(document, spec, names, g)
    add_table_style(document, "Table Grid", "TableGrid", "网格型",
                    ((side, house.rules.table) for side in ("top", "left", "bottom", "right", "insideH", "insideV")),
                    g.cell_pad_x)
    # The colophon's rules: thick above and below, thin between its lines, as wide as the type area.
    thick, thin = house.rules.colophon_outer, house.rules.colophon_inner
    add_table_style(document, "Colophon Table", "ColophonTable", "版记表格",
                    (("top", thick), ("bottom", thick), ("insideH", thin)), 0)


# ---------------------------------------------------------------- the base document


def new_document(issue: Issue, config: Config, house: House) -> Document:
    """python-docx's default template stripped to a clean A4 base with the house styles."""
    document = docx.Document()
    part = document.part
    # Drop what the template carries but the bulletin never uses (and its ja-JP bits).
    x.drop_parts(part, (x.RT_STYLES_WITH_EFFECTS, RT.CUSTOM_XML, RT.NUMBERING, RT.WEB_SETTINGS))
    x.drop_parts(part.package, (RT.THUMBNAIL,))
    g = house.geometry
    install_styles(document, config.docx_fonts, house)
    x.strip_theme_fonts(part.element)
    settings = document.settings.element
    for rsids in settings.findall(qn("w:rsids")):
        settings.remove(rsids)
    lang = settings.find(qn("w:themeFontLang"))
    if lang is not None:
        lang.set(qn("w:eastAsia"), EAST_ASIAN_LANG)
    for obsolete in settings.findall(qn("w:attachedTemplate")):
        settings.remove(obsolete)
    x.keep_lines_before_breaks(settings)
    document.settings.odd_and_even_pages_header_footer = True
    write_font_table(document, config.docx_fonts)

    section = document.sections[0]
    section.page_width, section.page_height = Mm(g.page_width_mm), Mm(g.page_height_mm)
    section.top_margin, section.bottom_margin = Mm(g.margin_top_mm), Mm(g.margin_bottom_mm)
    section.left_margin, section.right_margin = Mm(g.margin_left_mm), Mm(g.margin_right_mm)
    section.header_distance = Mm(15)
    section.footer_distance = Mm(footer_distance(house))
    section.gutter = Mm(0)
    sectpr = section._sectPr  # pyright: ignore[reportPrivateUsage]
    for attr in ("w:rsidR", "w:rsidRPr", "w:rsidSect"):
        sectpr.attrib.pop(qn(attr), None)
    x.set_doc_grid(sectpr, line_pitch_twips=twips(g.line_pitch), char_space=char_space(g))
    page_number(section.footer.paragraphs[0], "Page Number Odd", house.labels.page_number)
    page_number(section.even_page_footer.paragraphs[0], "Page Number Even", house.labels.page_number)
    return document


def page_number(paragraph: DocxParagraph, style: str, label: str) -> None:
    """The house's page-number label (`— N —`) with N a live PAGE field."""
    before, after = label.split("{n}")
    paragraph.style = style
    paragraph.add_run(before)
    x.add_field(paragraph._p, "PAGE", "1")  # pyright: ignore[reportPrivateUsage]
    paragraph.add_run(after)


def write_font_table(document: Document, fonts: DocxFonts) -> None:
    """Declare each named face with its kind (class, PANOSE, GB2312, other names) so readers without it substitute well."""
    kinds: dict[str, x.FontKind] = {}
    for role, name in faces(fonts).items():
        kinds.setdefault(name, x.FONT_KINDS[role])
    x.replace_font_table(document.part.part_related_by(RT.FONT_TABLE), kinds.items())


# ---------------------------------------------------------------- content


class Footnotes:
    """The footnotes part and the notes written into it."""

    def __init__(self, document: Document, notes: Iterable[Footnote]) -> None:
        self.document = document
        self.notes = {note.number: note for note in notes}
        self.part: StoryPart | None = None
        #: footnotes written so far; the next one's id is one more
        self.written = 0
        #: notes being written (a note that references itself is not written inside itself)
        self.writing: set[int] = set()

    def reference(self, paragraph: DocxParagraph, number: int, writer: "Writer") -> None:
        """Reference footnote `number` here with a real footnote reference and its note.

        A note referenced twice is written at each reference, numbered in turn, as the
        PDF prints it: every reference is a live footnote mark in Word and WPS.
        """
        note = self.notes.get(number)
        if note is None or number in self.writing:
            paragraph.add_run(str(number), style="footnote reference")
            return
        self.writing.add(number)
        if self.part is None:
            self.part = x.add_footnotes_part(self.document.part)
        self.written += 1
        paragraph._p.append(x.footnote_ref_run(self.written, "FootnoteReference"))  # pyright: ignore[reportPrivateUsage]
        element = x.new_footnote(self.part, self.written)
        story = _Story(self.part)
        blocks = note.children or (Paragraph(()),)
        for index, block in enumerate(blocks):
            p = x.el("w:p")
            element.append(p)
            par = DocxParagraph(p, story)  # pyright: ignore[reportArgumentType]
            par.style = "footnote text"
            if index == 0:
                p.append(x.footnote_mark_run("FootnoteReference"))
                par.add_run(" ")
            if isinstance(block, Paragraph):
                writer.inlines(par, block.children)
            else:
                writer.inlines_of_block(par, block)
        self.writing.discard(number)


class _Story:
    """A minimal parent for paragraphs living in the footnotes part."""

    def __init__(self, part: StoryPart) -> None:
        self.part = part


def text_runs(paragraph: DocxParagraph, text: str, style: str | None) -> None:
    """Append `text` as runs; a mark the next mark follows gets a run of its own, half an em narrower.

    clreq's rule for consecutive punctuation (`justify.compressed_pairs`, as in the PDF):
    the first of ”， ）。 》、 ，“ “《 gives up its blank half. Word's own punctuation
    compression would narrow every mark (and break the 28-character line) and
    LibreOffice does not read it from a DOCX, so the run carries the spacing itself:
    the paragraph's tracking less half the font size. Word, by the OOXML meaning of
    `w:spacing`, sets the pair in one and a half cells with the glyph intact.
    LibreOffice drops a negative spacing after a run's last character and prints the
    pair in two cells; the one format it would narrow the mark for, scaling (`w:w`),
    squashes the glyph in every reader (docs/docx.md, "Consecutive punctuation").
    """
    start = 0
    for at in compressed_pairs(text):
        if at > start:
            paragraph.add_run(text[start:at], style=style)
        run = paragraph.add_run(text[at], style=style)
        tracking, size = style_tracking_and_size(paragraph)
        x.put(run._r.get_or_add_rPr(), x.el("w:spacing", val=twips(tracking - size / 2)), x.RPR_ORDER)  # pyright: ignore[reportPrivateUsage]
        start = at + 1
    if start < len(text) or not text:
        paragraph.add_run(text[start:], style=style)


def style_tracking_and_size(paragraph: DocxParagraph) -> tuple[float, float]:
    """The tracking and font size, pt, a paragraph's style gives its text (its own or inherited)."""
    tracking = size = None
    style = paragraph.style
    while style is not None and (tracking is None or size is None):
        rpr = style.element.rPr
        if rpr is not None:
            spacing, sz = rpr.find(qn("w:spacing")), rpr.find(qn("w:sz"))
            if tracking is None and spacing is not None:
                tracking = int(spacing.get(qn("w:val"))) / 20
            if size is None and sz is not None:
                size = int(sz.get(qn("w:val"))) / 2
        style = style.base_style
    return tracking or 0.0, size or HOUSE.geometry.body_size


@dataclass
class Writer:
    """Writes blocks and inlines into the document body with the house styles."""

    document: Document
    footnotes: Footnotes
    house: House = HOUSE

    @property
    def g(self) -> Geometry:
        """The house's geometry."""
        return self.house.geometry

    def paragraph(self, style: str, text: str = "") -> DocxParagraph:
        """A new body paragraph in `style`."""
        return self.document.add_paragraph(text, style=style)

    # -------------------------------------------------------- inlines

    def inlines(self, paragraph: DocxParagraph, items: Iterable[Inline], emphasis: bool = False,
                strong: bool = False) -> None:
        """Append inline content to `paragraph`; emphasis and strong become character styles."""
        style = {(False, False): None, (True, False): "Emphasis", (False, True): "Strong",
                 (True, True): "Strong Emphasis"}[(emphasis, strong)]
        for item in items:
            match item:
                case Text():
                    text_runs(paragraph, item.text, style)
                case Emphasis():
                    self.inlines(paragraph, item.children, True, strong)
                case Strong():
                    self.inlines(paragraph, item.children, emphasis, True)
                case Link():
                    self.inlines(paragraph, item.children, emphasis, strong)
                case Code():
                    paragraph.add_run(item.text, style=style or "Code")
                case LineBreak():
                    paragraph.add_run(style=style).add_break()
                case FootnoteRef():
                    self.footnotes.reference(paragraph, item.number, self)
                case _:  # every inline type is handled: the type checker proves it
                    assert_never(item)

    def inlines_of_block(self, paragraph: DocxParagraph, block: Block) -> None:
        """Flatten a non-paragraph block into `paragraph` (inside footnotes)."""
        match block:
            case Heading() | Paragraph():
                self.inlines(paragraph, block.children)
            case CodeBlock():
                paragraph.add_run(block.text)
            case ListBlock():
                for item in block.items:
                    for child in item.children:
                        self.inlines_of_block(paragraph, child)
            case Quote():
                for child in block.children:
                    self.inlines_of_block(paragraph, child)
            case Table() | Image() | Rule():
                pass
            case _:
                assert_never(block)

    # -------------------------------------------------------- blocks

    def blocks(self, blocks: Iterable[Block], style: str = "Body Text", label: str = "") -> None:
        """Write `blocks`; plain paragraphs get `style`; `label` opens the first paragraph."""
        for block in blocks:
            self.block(block, style, label)
            label = ""

    def block(self, block: Block, style: str = "Body Text", label: str = "") -> None:
        """Write one block."""
        match block:
            case Paragraph():
                self.text_paragraph(block, style, label)
            case Heading():
                self.heading(block)
            case ListBlock():
                self.list(block, style)
            case Quote():
                self.blocks(block.children, "Quote")
            case Table():
                self.table(block)
            case Image():
                self.image(block)
            case CodeBlock():
                self.code_block(block)
            case Rule():
                self.paragraph("Body Rule")
            case _:
                assert_never(block)

    def text_paragraph(self, block: Paragraph, style: str, label: str = "") -> None:
        """A paragraph of running text."""
        paragraph = self.paragraph(style)
        if label:
            paragraph.add_run(label, style="Editor Note Label")
        self.inlines(paragraph, block.children)

    def heading(self, block: Heading) -> None:
        """A heading with its house number as text (一、 （一） 1. （1）)."""
        paragraph = self.paragraph(f"heading {min(max(block.level, 1), 4)}")
        if block.number:
            paragraph.add_run(block.number)
        self.inlines(paragraph, block.children)

    def list(self, block: ListBlock, style: str) -> None:
        """A list: markers are text (1. 2. or ●), so they read the same in every editor and in the PDF."""
        item_style = "List Number" if block.ordered else "List Bullet"
        if style != "Body Text":
            item_style = style
        for index, item in enumerate(block.items):
            labels = self.house.labels
            marker = labels.ordered_marker.format(n=block.start + index) if block.ordered else labels.bullet_marker
            first, *rest = item.children or (Paragraph(()),)
            if isinstance(first, Paragraph):
                paragraph = self.paragraph(item_style)
                paragraph.add_run(marker)
                self.inlines(paragraph, first.children)
            else:
                self.paragraph(item_style, marker)
                rest.insert(0, first)
            for child in rest:
                self.block(child, item_style if isinstance(child, Paragraph) else style)

    def code_block(self, block: CodeBlock) -> None:
        """Literal text, line by line, in one paragraph."""
        paragraph = self.paragraph("Code Block")
        for index, line in enumerate(block.text.rstrip("\n").split("\n")):
            if index:
                paragraph.add_run().add_break()
            paragraph.add_run(line)

    def table(self, block: Table) -> None:
        """A table as wide as the type area, columns sized by content, header row repeated."""
        rows = ((block.header,) if block.header else ()) + block.rows
        columns = max((len(row) for row in rows), default=0)
        if not columns:
            return
        widths = column_widths(rows, columns, twips(self.g.type_width), self.house.roles["table"].pt(self.g),
                               self.g.cell_pad_x)
        table: DocxTable = self.document.add_table(rows=len(rows), cols=columns)
        table.style = self.document.styles["Table Grid"]
        table.autofit = False
        x.set_table_layout(table._tbl, width_twips=sum(widths))  # pyright: ignore[reportPrivateUsage]
        for column, width in zip(table.columns, widths):
            column.width = Twips(width)
        # each row's own cells: table.cell(r, c) rebuilds the whole grid per call (quadratic)
        for r, (row, docx_row) in enumerate(zip(rows, table.rows)):
            heading = bool(block.header) and r == 0
            for c, cell in enumerate(docx_row.cells):
                cell.width = Twips(widths[c])
                paragraph = cell.paragraphs[0]
                paragraph.style = self.document.styles["Table Heading" if heading else "Table Text"]
                content = row[c] if c < len(row) else TableCell(())
                if content.align in ALIGN:
                    paragraph.alignment = ALIGN[content.align]
                self.inlines(paragraph, content.children)
        if block.header:
            x.repeat_header_row(table.rows[0]._tr)  # pyright: ignore[reportPrivateUsage]
        # Half a line of air below; it also keeps two tables in a row from merging in Word.
        self.paragraph("After Table")

    def image(self, block: Image) -> None:
        """The image centred, scaled to the type width (or the height limit), alt text as caption."""
        try:
            picture = DocxImage.from_file(str(block.path))
            width, height = fit_image(picture.px_width, picture.px_height, self.g)
            paragraph = self.paragraph("Figure")
            paragraph.add_run().add_picture(str(block.path), width=Emu(width), height=Emu(height))
        except (OSError, InvalidImageStreamError, UnexpectedEndOfFileError, UnrecognizedImageError, ValueError,
                ZeroDivisionError) as exc:
            reason = str(exc) or type(exc).__name__
            raise ContentError(f"image {block.path.name}: cannot be placed in the DOCX ({reason})", block.path) from None
        if block.alt:
            self.paragraph("Caption", block.alt)


def column_widths(
    rows: Iterable[tuple[TableCell, ...]], columns: int, total: int, size: float, margin: float = HOUSE.geometry.cell_pad_x
) -> list[int]:
    """Column widths in twips summing exactly to `total`.

    Each column wants its longest cell on one line; if all fit, the spare width is
    shared in proportion, otherwise narrow columns keep their width and the wide
    ones share what is left (and wrap).
    """
    natural = [twips(2 * size)] * columns
    for row in rows:
        for index, cell in enumerate(row[:columns]):
            want = twips(ems(plain_text(cell.children)) * size + 2 * margin + 2)
            natural[index] = max(natural[index], want)
    if sum(natural) <= total:
        widths = [w * total // sum(natural) for w in natural]
    else:
        widths = list(natural)
        fixed: set[int] = set()
        while True:
            free = [i for i in range(columns) if i not in fixed]
            room = total - sum(natural[i] for i in fixed)
            share = room // len(free)
            narrow = {i for i in free if natural[i] <= share}
            if not narrow or len(narrow) == len(free):
                wide = sum(natural[i] for i in free)
                for i in free:
                    widths[i] = natural[i] * room // wide
                break
            fixed |= narrow
    widths[-1] += total - sum(widths)
    return widths


def ems(text: str) -> float:
    """Width of `text` in ems, counting CJK as one and anything else as half."""
    return sum(1 if typography.is_cjk(ch) else 0.5 for ch in text)


def fit_image(px_width: int, px_height: int, g: Geometry) -> tuple[int, int]:
    """EMU size of an image scaled to the type width, shrunk if taller than the house limit."""
    width: int = Mm(g.page_width_mm - g.margin_left_mm - g.margin_right_mm)
    height = int(width * px_height / px_width)
    limit = Mm(g.image_max_height_mm)
    if height > limit:
        width, height = int(limit * px_width / px_height), int(limit)
    return int(width), int(height)


# ---------------------------------------------------------------- the issue


def furniture(writer: Writer, style: str, printed: list[Row], role: str, right_style: str | None = None,
              side: float = 0.0) -> list[DocxParagraph]:
    """Rows of furniture as paragraphs of `style`, the same rows as the PDF's.

    A split row is "left<tab>right", flush right at the style's tab; a right part on a
    row of its own is "<tab>right"; a row that wraps hangs under the end of its label.
    """
    size = writer.house.roles[role].pt(writer.g)
    made = []
    for row in printed:
        paragraph = writer.paragraph(style)
        if row.hang:
            paragraph.paragraph_format.left_indent = Twips(twips(side + size * row.hang))
            paragraph.paragraph_format.first_line_indent = Twips(-twips(size * row.hang))
        if row.flush_right:
            paragraph.add_run("\t")
            paragraph.add_run(row.left, style=right_style)
        else:
            broken_runs(paragraph, row.lines or (row.left,))
        if row.right:
            paragraph.add_run("\t")
            paragraph.add_run(row.right, style=right_style)
        made.append(paragraph)
    return made


def broken_runs(paragraph: DocxParagraph, lines: tuple[str, ...]) -> None:
    """`lines` as runs of the paragraph with a line break between them (a row broken after its items' separators)."""
    for number, line in enumerate(lines):
        run = paragraph.add_run(line)
        if number + 1 < len(lines):
            run.add_break()


def front(writer: Writer, issue: Issue) -> None:
    """Top of page 1: marks group, control line, masthead, issue line, publisher and date, red rule, title."""
    house = writer.house
    slots = fields_of(issue)
    # The copy number's line stays empty: `bulletin print` stamps numbered copies of the PDF only.
    writer.paragraph("Copy Number", slots.copy_number)
    for row in rows(house.furniture.marks, slots, house.room("marks")):
        writer.paragraph("Marks", row.left)
    furniture(writer, "Control Line", rows(house.furniture.control, slots, house.room("control")), "control",
              right_style="Classification")
    masthead = writer.paragraph("Masthead")
    masthead.add_run(issue.series.name)
    masthead.add_run(" " + issue.series.kind, style="Masthead Kind")
    if issue.series.tagline:
        writer.paragraph("Tagline", issue.series.tagline)
    writer.paragraph("Issue Line", typography.issue_line(issue.meta.issue, issue.meta.total))
    furniture(writer, "Publisher Line", rows(house.furniture.publisher, slots, house.room("publisher_line")),
              "publisher_line")
    writer.paragraph("Red Rule")
    # the same lines as the PDF's title (typography.break_title), as explicit line breaks
    lines = typography.break_title(issue.meta.title, issue.meta.title_lines).lines
    title = writer.paragraph("Title")
    for index, line in enumerate(lines):
        run = title.add_run(line)
        if index < len(lines) - 1:
            run.add_break()


def even_page_break(writer: Writer) -> None:
    """End the body's section here and start the rest on the next even page (the back of a sheet).

    Like the PDF's `break-before: left`: a body ending on an even page sends the colophon
    two pages on, since neither edition knows its page count while it is written.
    """
    body_section = writer.document.sections[-1]._sectPr  # pyright: ignore[reportPrivateUsage]
    paragraph = writer.paragraph("After Table")
    paragraph._p.get_or_add_pPr().append(deepcopy(body_section))  # pyright: ignore[reportPrivateUsage]
    x.set_section_start(body_section, "evenPage")


def colophon(writer: Writer, issue: Issue) -> None:
    """The 报尾: its lines between rules, in a table floated to the foot of the last page.

    Rules are the table's borders (thick top and bottom, thin inside): paragraph
    borders would merge between lines that look alike.
    """
    g, house = writer.g, writer.house
    # The same rows as the PDF: a split row is "left<tab>right", flush right at the tab.
    printed = rows(house.furniture.colophon, fields_of(issue), house.colophon_room())
    lines = tuple(f"{row.left}\t{row.right}" if row.right else row.left for row in printed)
    size = house.roles["colophon"].pt(g)
    width = twips(g.type_width)
    if issue.footnotes:
        # following the text, the colophon stands a grid line below it, as the PDF sets it
        writer.paragraph("After Table")
    table = writer.document.add_table(rows=len(lines), cols=1)
    table.style = writer.document.styles["Colophon Table"]
    table.autofit = False
    x.set_table_layout(table._tbl, width_twips=width)  # pyright: ignore[reportPrivateUsage]
    if not issue.footnotes:
        # at the foot of the last page; with footnotes it follows the text, as in the PDF,
        # since a floating table does not make way for the notes of its page
        x.float_to_foot(table._tbl, left_twips=twips(g.margin_left_mm * MM))  # pyright: ignore[reportPrivateUsage]
    table.columns[0].width = Twips(width)
    for row, text, spec in zip(table.rows, lines, printed):
        x.keep_row_whole(row._tr)  # pyright: ignore[reportPrivateUsage]
        cell = row.cells[0]
        cell.width = Twips(width)
        paragraph = cell.paragraphs[0]
        paragraph.style = writer.document.styles["Colophon"]
        if spec.hang:
            # a wrapped row hangs under the end of its label
            paragraph.paragraph_format.left_indent = Twips(twips(size * (g.colophon_indent_ems + spec.hang)))
            paragraph.paragraph_format.first_line_indent = Twips(-twips(size * spec.hang))
        broken_runs(paragraph, spec.lines or (text,))
    # The body must end with a paragraph; this one is one grid line tall and empty.
    writer.paragraph("After Table")


def set_properties(document: Document, issue: Issue) -> None:
    """Core properties from the issue, dated by the issue date (never the clock)."""
    props = document.core_properties
    stamp = dt.datetime.combine(issue.meta.date, dt.time())
    props.title = issue.meta.title
    props.subject = f"{issue.series.name}{issue.series.kind} {typography.issue_line(issue.meta.issue, issue.meta.total)}"
    props.author = issue.series.publisher
    props.last_modified_by = issue.series.publisher
    props.comments = "bulletin"
    props.keywords = f"{issue.series.name}, {typography.issue_line(issue.meta.issue, issue.meta.total)}"
    props.language = EAST_ASIAN_LANG
    props.category = issue.series.kind
    props.revision = 1
    props.created = stamp
    props.modified = stamp
    props.last_printed = stamp


def render_docx(issue: Issue, config: Config) -> bytes:
    """The issue as DOCX bytes: same inputs, same bytes."""
    house: House = getattr(config, "house", HOUSE)
    document = new_document(issue, config, house)
    writer = Writer(document, Footnotes(document, issue.footnotes), house)
    # python-docx's template starts with no body paragraphs; everything is appended in order.
    front(writer, issue)
    if issue.editor_note:
        writer.blocks(issue.editor_note, "Editor Note", label=house.labels.editor_note)
    writer.blocks(issue.body)
    if config.colophon_on_even_page:
        even_page_break(writer)
    colophon(writer, issue)
    set_properties(document, issue)
    # last: the faces are cut to the characters the finished document sets in each
    docx_fonts.embed_fonts(document, face_chains(config.docx_fonts, house), fonts_dir(config.root))
    out = io.BytesIO()
    document.save(out)
    return x.repack(out.getvalue(), issue.meta.date)


# ---------------------------------------------------------------- inspection


@dataclass(frozen=True)
class StyleUse:
    """How often a DOCX uses one style: paragraphs for a paragraph style, runs for a character style."""

    kind: str  # "paragraph" or "character"
    name: str
    count: int


def styles_used(data: bytes) -> list[StyleUse]:
    """The paragraph and character styles a DOCX uses, in order of first use, with counts.

    Counts every story: body, table cells, footers and footnotes.
    """
    document = docx.Document(io.BytesIO(data))
    names = {style.style_id: style.name for style in document.styles}
    default_para = next((s.name for s in document.styles if s.type == WD_STYLE_TYPE.PARAGRAPH
                         and s.element.get(qn("w:default")) in ("1", "true")), "Normal")
    roots = [document.element.body]
    for section in document.sections:
        for footer in (section.footer, section.even_page_footer, section.first_page_footer):
            if not footer.is_linked_to_previous:
                roots.append(footer._element)  # pyright: ignore[reportPrivateUsage]
    notes = [rel.target_part for rel in document.part.rels.values() if rel.reltype == RT.FOOTNOTES]
    roots.extend(etree.fromstring(part.blob) for part in notes)
    counts: dict[tuple[str, str], int] = {}
    for root in roots:
        for p in root.iter(qn("w:p")):
            style = p.find(f"{qn('w:pPr')}/{qn('w:pStyle')}")
            name = names.get(style.get(qn("w:val")), "?") if style is not None else default_para
            counts[("paragraph", name)] = counts.get(("paragraph", name), 0) + 1
            for rstyle in p.iter(qn("w:rStyle")):
                key = ("character", names.get(rstyle.get(qn("w:val")), "?"))
                counts[key] = counts.get(key, 0) + 1
    ordered = sorted(counts.items(), key=lambda item: item[0][0] != "paragraph")
    return [StyleUse(kind, name, count) for (kind, name), count in ordered]
