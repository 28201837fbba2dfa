"""Raw OOXML helpers under the DOCX renderer: what python-docx has no public API for.

`docx.py` speaks python-docx; this module edits the XML beneath it (fonts by script,
character-unit indents, borders, grid, fields, footnotes) and re-packs the zip
deterministically. Nothing here knows the house style: callers pass every number.
"""
from __future__ import annotations

import datetime as dt
import io
import zipfile
from dataclasses import dataclass
from typing import Iterable, Sequence

from lxml import etree

from docx.opc.constants import CONTENT_TYPE as CT
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.parser import parse_xml
from docx.parts.document import DocumentPart
from docx.parts.story import StoryPart
from docx.opc.package import OpcPackage
from docx.opc.part import Part

RT_STYLES_WITH_EFFECTS = "http://schemas.microsoft.com/office/2007/relationships/stylesWithEffects"
W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"

# Child order of the elements edited here (ECMA-376 Part 1, §17); Word rejects other orders.
PPR_ORDER = (
    "w:pStyle", "w:keepNext", "w:keepLines", "w:pageBreakBefore", "w:framePr", "w:widowControl",
    "w:numPr", "w:suppressLineNumbers", "w:pBdr", "w:shd", "w:tabs", "w:suppressAutoHyphens",
    "w:kinsoku", "w:wordWrap", "w:overflowPunct", "w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN",
    "w:bidi", "w:adjustRightInd", "w:snapToGrid", "w:spacing", "w:ind", "w:contextualSpacing",
    "w:mirrorIndents", "w:suppressOverlap", "w:jc", "w:textDirection", "w:textAlignment",
    "w:textboxTightWrap", "w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange",
)
RPR_ORDER = (
    "w:rStyle", "w:rFonts", "w:b", "w:bCs", "w:i", "w:iCs", "w:caps", "w:smallCaps", "w:strike",
    "w:dstrike", "w:outline", "w:shadow", "w:emboss", "w:imprint", "w:noProof", "w:snapToGrid",
    "w:vanish", "w:webHidden", "w:color", "w:spacing", "w:w", "w:kern", "w:position", "w:sz", "w:szCs",
    "w:highlight", "w:u", "w:effect", "w:bdr", "w:shd", "w:fitText", "w:vertAlign", "w:rtl", "w:cs",
    "w:em", "w:lang", "w:eastAsianLayout", "w:specVanish", "w:oMath",
)
SETTINGS_AFTER_FOOTNOTEPR = (
    "w:endnotePr", "w:compat", "w:docVars", "w:rsids", "m:mathPr", "w:attachedSchema", "w:themeFontLang",
    "w:clrSchemeMapping", "w:doNotIncludeSubdocsInStats", "w:doNotAutoCompressPictures", "w:forceUpgrade",
    "w:captions", "w:readModeInkLockDown", "w:smartTagType", "sl:schemaLibrary", "w:shapeDefaults",
    "w:doNotEmbedSmartTags", "w:decimalSymbol", "w:listSeparator",
)
SECTPR_ORDER = (
    "w:headerReference", "w:footerReference", "w:footnotePr", "w:endnotePr", "w:type",
    "w:pgSz", "w:pgMar", "w:paperSrc", "w:pgBorders", "w:lnNumType", "w:pgNumType",
    "w:cols", "w:formProt", "w:vAlign", "w:noEndnote", "w:titlePg", "w:textDirection",
    "w:bidi", "w:rtlGutter", "w:docGrid", "w:printerSettings", "w:sectPrChange",
)
TBLPR_ORDER = (
    "w:tblStyle", "w:tblpPr", "w:tblOverlap", "w:bidiVisual", "w:tblStyleRowBandSize",
    "w:tblStyleColBandSize", "w:tblW", "w:jc", "w:tblCellSpacing", "w:tblInd",
    "w:tblBorders", "w:shd", "w:tblLayout", "w:tblCellMar", "w:tblLook",
)
TRPR_ORDER = (
    "w:cnfStyle", "w:divId", "w:gridBefore", "w:gridAfter", "w:wBefore", "w:wAfter",
    "w:cantSplit", "w:trHeight", "w:tblHeader", "w:tblCellSpacing", "w:jc", "w:hidden",
)
BORDER_ORDER = ("w:top", "w:left", "w:bottom", "w:right", "w:between", "w:bar")
TBL_BORDER_ORDER = ("w:top", "w:left", "w:bottom", "w:right", "w:insideH", "w:insideV")
THEME_FONT_ATTRS = ("w:asciiTheme", "w:eastAsiaTheme", "w:hAnsiTheme", "w:cstheme")


def el(tag: str, **attrs: str | int) -> etree._Element:
    """A new `w:` element with `w:`-prefixed attributes (`el("w:jc", val="both")`)."""
    element = OxmlElement(tag)
    for name, value in attrs.items():
        element.set(qn(f"w:{name}"), str(value))
    return element


def put(parent: etree._Element, child: etree._Element, order: Sequence[str]) -> etree._Element:
    """Put `child` into `parent`, replacing a same-named child, at its schema position."""
    tag = child.tag
    for old in parent.findall(tag):
        parent.remove(old)
    names = [qn(name) for name in order]
    later = names[names.index(tag) + 1 :] if tag in names else []
    for index, existing in enumerate(parent):
        if existing.tag in later:
            parent.insert(index, child)
            return child
    parent.append(child)
    return child


def get_or_put(parent: etree._Element, tag: str, order: Sequence[str]) -> etree._Element:
    """The child `tag` of `parent`, created at its schema position if missing."""
    found = parent.find(qn(tag))
    return found if found is not None else put(parent, el(tag), order)


# ---------------------------------------------------------------- run properties


def set_fonts(rpr: etree._Element, latin: str, east_asian: str) -> None:
    """Name the Latin and East Asian faces explicitly, dropping any theme font."""
    fonts = get_or_put(rpr, "w:rFonts", RPR_ORDER)
    for attr in THEME_FONT_ATTRS:
        fonts.attrib.pop(qn(attr), None)
    for attr, value in (("ascii", latin), ("hAnsi", latin), ("eastAsia", east_asian), ("cs", latin)):
        fonts.set(qn(f"w:{attr}"), value)


def set_size(rpr: etree._Element, points: float) -> None:
    """Font size for all scripts (`w:sz` and `w:szCs`, in half-points)."""
    half_points = str(round(points * 2))
    put(rpr, el("w:sz", val=half_points), RPR_ORDER)
    put(rpr, el("w:szCs", val=half_points), RPR_ORDER)


def set_lang(rpr: etree._Element, latin: str, east_asian: str) -> None:
    """Languages of the run's Latin and East Asian text (spell check, line breaking)."""
    put(rpr, el("w:lang", val=latin, eastAsia=east_asian, bidi="ar-SA"), RPR_ORDER)


def set_on(rpr: etree._Element, *tags: str) -> None:
    """Turn on toggle properties such as `w:b` and `w:bCs`."""
    for tag in tags:
        put(rpr, el(tag), RPR_ORDER)


def set_vert_align(rpr: etree._Element, value: str) -> None:
    """Superscript or subscript (`w:vertAlign`)."""
    put(rpr, el("w:vertAlign", val=value), RPR_ORDER)


def strip_theme_fonts(root: etree._Element) -> None:
    """Remove every theme font attribute below `root` (they override the named fonts)."""
    for fonts in root.iter(qn("w:rFonts")):
        for attr in THEME_FONT_ATTRS:
            fonts.attrib.pop(qn(attr), None)


# ---------------------------------------------------------------- paragraph properties


def set_indent(
    ppr: etree._Element,
    *,
    first_line_chars: int = 0,
    left_chars: int = 0,
    right_chars: int = 0,
    left_twips: int = 0,
    right_twips: int = 0,
    char_twips: int,
) -> None:
    """Indents in hundredths of a character (with twip equivalents for readers without char units) or twips."""
    ind = el("w:ind")
    if left_chars:
        ind.set(qn("w:leftChars"), str(left_chars))
        left_twips = round(left_chars * char_twips / 100)
    ind.set(qn("w:left"), str(left_twips))
    if right_chars:
        ind.set(qn("w:rightChars"), str(right_chars))
        right_twips = round(right_chars * char_twips / 100)
    ind.set(qn("w:right"), str(right_twips))
    # An explicit firstLineChars="0" also cancels an inherited character indent.
    ind.set(qn("w:firstLineChars"), str(first_line_chars))
    ind.set(qn("w:firstLine"), str(round(first_line_chars * char_twips / 100)))
    put(ppr, ind, PPR_ORDER)


def set_spacing(ppr: etree._Element, *, line_twips: int | None, before: int = 0, after: int = 0) -> None:
    """Exact line spacing in twips (None: single, auto) and space before/after in twips."""
    spacing = el("w:spacing", before=before, beforeLines=0, after=after, afterLines=0)
    if line_twips is None:
        spacing.set(qn("w:line"), "240")
        spacing.set(qn("w:lineRule"), "auto")
    else:
        spacing.set(qn("w:line"), str(line_twips))
        spacing.set(qn("w:lineRule"), "exact")
    put(ppr, spacing, PPR_ORDER)


def set_toggle(ppr: etree._Element, tag: str, on: bool) -> None:
    """A paragraph on/off property such as `w:snapToGrid` or `w:widowControl`."""
    put(ppr, el(tag, val="1" if on else "0"), PPR_ORDER)


def set_outline_level(ppr: etree._Element, level: int) -> None:
    """Outline level (0-based) so headings show in Word's navigation pane."""
    put(ppr, el("w:outlineLvl", val=level), PPR_ORDER)


def border(tag: str, *, eighths: int, color: str, space: int = 1, style: str = "single") -> etree._Element:
    """One border line (`w:top`, `w:bottom` …); width in eighths of a point."""
    return el(tag, val=style, sz=eighths, space=space, color=color)


def set_borders(ppr: etree._Element, borders: Iterable[etree._Element]) -> None:
    """Paragraph borders (`w:pBdr`) from `border()` lines."""
    pbdr = el("w:pBdr")
    for line in borders:
        put(pbdr, line, BORDER_ORDER)
    put(ppr, pbdr, PPR_ORDER)


# ---------------------------------------------------------------- fields, footnotes


def add_field(p: etree._Element, instruction: str, placeholder: str) -> None:
    """Append a complex field (begin, instrText, separate, result, end) to paragraph `p`."""
    runs = [
        el("w:fldChar", fldCharType="begin"),
        _text("w:instrText", f" {instruction} "),
        el("w:fldChar", fldCharType="separate"),
        _text("w:t", placeholder),
        el("w:fldChar", fldCharType="end"),
    ]
    for content in runs:
        run = el("w:r")
        run.append(content)
        p.append(run)


def _text(tag: str, text: str) -> etree._Element:
    element = el(tag)
    element.text = text
    element.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    return element


_FOOTNOTES_XML = (
    f'<w:footnotes xmlns:w="{W_NS}">'
    '<w:footnote w:type="separator" w:id="-1"><w:p>{ppr}<w:r><w:separator/></w:r></w:p></w:footnote>'
    '<w:footnote w:type="continuationSeparator" w:id="0"><w:p>{ppr}'
    "<w:r><w:continuationSeparator/></w:r></w:p></w:footnote>"
    "</w:footnotes>"
)
# The separators would otherwise inherit Normal's exact 16 pt line and grid snapping.
_SEPARATOR_PPR = (
    '<w:pPr><w:snapToGrid w:val="0"/><w:spacing w:before="0" w:after="0" w:line="240" w:lineRule="auto"/>'
    '<w:ind w:firstLineChars="0" w:firstLine="0"/><w:jc w:val="left"/></w:pPr>'
)


def add_footnotes_part(document_part: DocumentPart) -> StoryPart:
    """Create word/footnotes.xml with its separators and relate it to the document."""
    xml = _FOOTNOTES_XML.replace("{ppr}", _SEPARATOR_PPR)
    part = StoryPart(
        PackURI("/word/footnotes.xml"), CT.WML_FOOTNOTES, parse_xml(xml), document_part.package
    )
    document_part.relate_to(part, RT.FOOTNOTES)
    settings = document_part._settings_part.element  # pyright: ignore[reportPrivateUsage]
    pr = el("w:footnotePr")
    pr.append(el("w:footnote", id=-1))
    pr.append(el("w:footnote", id=0))
    settings.insert_element_before(pr, *SETTINGS_AFTER_FOOTNOTEPR)
    return part


def new_footnote(part: StoryPart, number: int) -> etree._Element:
    """Append an empty `w:footnote` with id `number` to the footnotes part."""
    note = el("w:footnote", id=number)
    part.element.append(note)
    return note


def footnote_ref_run(number: int, char_style: str) -> etree._Element:
    """A run referencing footnote `number` from the text."""
    run = el("w:r")
    rpr = el("w:rPr")
    rpr.append(el("w:rStyle", val=char_style))
    run.append(rpr)
    run.append(el("w:footnoteReference", id=number))
    return run


def footnote_mark_run(char_style: str) -> etree._Element:
    """The footnote's own number at the start of its text (`w:footnoteRef`)."""
    run = el("w:r")
    rpr = el("w:rPr")
    rpr.append(el("w:rStyle", val=char_style))
    run.append(rpr)
    run.append(el("w:footnoteRef"))
    return run


# ---------------------------------------------------------------- tables, sections


def set_table_layout(tbl: etree._Element, *, width_twips: int) -> None:
    """Fixed layout, a total width and centred on the type area."""
    tblpr = tbl.find(qn("w:tblPr"))
    assert tblpr is not None
    put(tblpr, el("w:tblW", w=width_twips, type="dxa"), TBLPR_ORDER)
    put(tblpr, el("w:jc", val="center"), TBLPR_ORDER)
    put(tblpr, el("w:tblLayout", type="fixed"), TBLPR_ORDER)


def float_to_foot(tbl: etree._Element, *, left_twips: int) -> None:
    """Float a table to the foot of the type area (`w:tblpPr`), body text flowing above it.

    Horizontally it is placed from the page edge, not the margin: LibreOffice floats a
    table as wide as the type area only when it is positioned relative to the page.
    """
    tblpr = tbl.find(qn("w:tblPr"))
    assert tblpr is not None
    put(tblpr, el("w:tblpPr", vertAnchor="margin", horzAnchor="page", tblpX=left_twips, tblpYSpec="bottom"),
        TBLPR_ORDER)
    put(tblpr, el("w:tblOverlap", val="never"), TBLPR_ORDER)


def keep_row_whole(tr: etree._Element) -> etree._Element:
    """A table row that never breaks across pages; returns its row properties."""
    trpr = tr.find(qn("w:trPr"))
    if trpr is None:
        trpr = el("w:trPr")
        tr.insert(0 if tr.find(qn("w:tblPrEx")) is None else 1, trpr)
    put(trpr, el("w:cantSplit"), TRPR_ORDER)
    return trpr


def repeat_header_row(tr: etree._Element) -> None:
    """Mark a table row as a header row, repeated on every page, never split."""
    put(keep_row_whole(tr), el("w:tblHeader"), TRPR_ORDER)


def set_doc_grid(sectpr: etree._Element, *, line_pitch_twips: int, char_space: int) -> None:
    """A lines-and-characters document grid (`w:docGrid`)."""
    grid = el("w:docGrid", type="linesAndChars", linePitch=line_pitch_twips, charSpace=char_space)
    put(sectpr, grid, SECTPR_ORDER)


def set_section_start(sectpr: etree._Element, start: str) -> None:
    """How a section starts: nextPage, evenPage, oddPage or continuous."""
    put(sectpr, el("w:type", val=start), SECTPR_ORDER)


# ---------------------------------------------------------------- package


@dataclass(frozen=True)
class FontKind:
    """What a reader without the named face needs to pick a substitute of the same kind.

    `family` is the Windows family class (`roman`: serif, `swiss`: sans, `modern`:
    fixed pitch), `panose` the PANOSE-1 digits in hex (kind 2, then serif style: 02
    cove for the serif faces, 0B normal sans; weight: 05 book, 08 bold; the rest
    moderate), `charset` the Windows charset (86: GB2312, 00: ANSI), and `names` the
    same kind of face under the names Windows, WPS and the Mac install it, most
    common first. Word and WPS read these; LibreOffice reads only the name.
    """

    family: str
    panose: str
    charset: str
    names: tuple[str, ...]
    #: Unicode ranges and code pages the face covers (`w:sig`): CJK ideographs and GB2312
    sig: tuple[tuple[str, str], ...] = ()


_GB2312_SIG = (
    ("usb0", "00000003"), ("usb1", "288F0000"), ("usb2", "00000016"), ("usb3", "00000000"),
    ("csb0", "00040001"), ("csb1", "00000000"),
)

#: the kinds of face a bulletin names, by role key (`docx.faces()`)
FONT_KINDS: dict[str, FontKind] = {
    "fang": FontKind("roman", "02020509030101010101", "86",
                     ("仿宋_GB2312", "FangSong_GB2312", "仿宋", "FangSong", "华文仿宋", "STFangsong"), _GB2312_SIG),
    "kai": FontKind("roman", "02020509030101010101", "86",
                    ("楷体_GB2312", "KaiTi_GB2312", "楷体", "KaiTi", "华文楷体", "STKaiti"), _GB2312_SIG),
    "hei": FontKind("swiss", "020B0509020101010101", "86",
                    ("黑体", "SimHei", "华文黑体", "STHeiti", "Heiti SC"), _GB2312_SIG),
    "song": FontKind("roman", "02020500030101010101", "86",
                     ("宋体", "SimSun", "华文宋体", "STSong", "Songti SC"), _GB2312_SIG),
    "title": FontKind("roman", "02020800030101010101", "86",
                      ("方正小标宋简体", "FZXiaoBiaoSong-B05S", "方正小标宋_GBK", "华文中宋", "STZhongsong"),
                      _GB2312_SIG),
    "latin": FontKind("roman", "02020603050405020304", "00", ("Times New Roman", "Times", "Nimbus Roman")),
}
FONT_KINDS["masthead"] = FONT_KINDS["title"]


def replace_font_table(part: Part, fonts: Iterable[tuple[str, FontKind]]) -> None:
    """Rewrite word/fontTable.xml to declare exactly `fonts`: each name with what a substitute needs.

    The other names of the kind go into `w:altName`, comma-separated, the named face
    itself left out.
    """
    root = etree.fromstring(part.blob)
    for child in list(root):
        root.remove(child)
    for name, kind in fonts:
        font = etree.SubElement(root, qn("w:font"), {qn("w:name"): name})
        others = [other for other in kind.names if other != name]
        if others:
            etree.SubElement(font, qn("w:altName"), {qn("w:val"): ",".join(others)})
        etree.SubElement(font, qn("w:panose1"), {qn("w:val"): kind.panose})
        etree.SubElement(font, qn("w:charset"), {qn("w:val"): kind.charset})
        etree.SubElement(font, qn("w:family"), {qn("w:val"): kind.family})
        etree.SubElement(font, qn("w:pitch"), {qn("w:val"): "variable"})
        if kind.sig:
            etree.SubElement(font, qn("w:sig"), {qn(f"w:{key}"): value for key, value in kind.sig})
    part._blob = etree.tostring(  # pyright: ignore[reportPrivateUsage]
        root, xml_declaration=True, encoding="UTF-8", standalone=True
    )


#: an embedded font part: a font whose first 32 bytes are XOR'd with its key (ECMA-376 Part 1, §17.8.1)
CT_OBFUSCATED_FONT = "application/vnd.openxmlformats-officedocument.obfuscatedFont"
#: children of w:font after its embedding slots; the slots come in this order
FONT_EMBED_ORDER = ("w:embedRegular", "w:embedBold", "w:embedItalic", "w:embedBoldItalic")


def embed_font(font_table: Part, name: str, slot: str, key: str, data: bytes, number: int) -> None:
    """Add `word/fonts/font<number>.odttf` (`data`, already obfuscated) as `slot` of font `name` in the font table.

    `slot` is `w:embedRegular`, `w:embedBold` …; `key` the GUID the part is obfuscated with.
    """
    part = Part(PackURI(f"/word/fonts/font{number}.odttf"), CT_OBFUSCATED_FONT, data, font_table.package)
    rid = font_table.relate_to(part, RT.FONT)
    root = etree.fromstring(font_table.blob)
    font = next(font for font in root.iter(qn("w:font")) if font.get(qn("w:name")) == name)
    element = etree.Element(qn(slot), {qn("r:id"): rid, qn("w:fontKey"): key, qn("w:subsetted"): "1"})
    put(font, element, ("w:altName", "w:panose1", "w:charset", "w:family", "w:notTrueType", "w:pitch", "w:sig",
                        *FONT_EMBED_ORDER))
    font_table._blob = etree.tostring(  # pyright: ignore[reportPrivateUsage]
        root, xml_declaration=True, encoding="UTF-8", standalone=True
    )


#: children of w:settings that stand before w:embedTrueTypeFonts (CT_Settings)
_SETTINGS_BEFORE_EMBED = (
    "w:writeProtection", "w:view", "w:zoom", "w:removePersonalInformation", "w:removeDateAndTime",
    "w:doNotDisplayPageBoundaries", "w:displayBackgroundShape", "w:printPostScriptOverText",
    "w:printFractionalCharacterWidth", "w:printFormsData",
)


def set_embed_fonts(settings: etree._Element) -> None:
    """Say the document carries its fonts, subset (`w:embedTrueTypeFonts`, `w:saveSubsetFonts`).

    Word then keeps embedding them, cut to the characters used, when the file is saved again.
    """
    before = [child for child in settings if child.tag in {qn(tag) for tag in _SETTINGS_BEFORE_EMBED}]
    at = settings.index(before[-1]) + 1 if before else 0
    for offset, tag in enumerate(("w:embedTrueTypeFonts", "w:saveSubsetFonts")):
        if settings.find(qn(tag)) is None:
            settings.insert(at + offset, el(tag))


def default_styles() -> list[etree._Element]:
    """Word's three default styles, formatting-free: character, table and list."""
    xml = (
        f'<w:styles xmlns:w="{W_NS}">'
        '<w:style w:type="character" w:default="1" w:styleId="DefaultParagraphFont">'
        '<w:name w:val="Default Paragraph Font"/><w:uiPriority w:val="1"/><w:semiHidden/><w:unhideWhenUsed/></w:style>'
        '<w:style w:type="table" w:default="1" w:styleId="TableNormal"><w:name w:val="Normal Table"/>'
        '<w:uiPriority w:val="99"/><w:semiHidden/><w:unhideWhenUsed/><w:tblPr><w:tblInd w:w="0" w:type="dxa"/>'
        '<w:tblCellMar><w:top w:w="0" w:type="dxa"/><w:left w:w="108" w:type="dxa"/>'
        '<w:bottom w:w="0" w:type="dxa"/><w:right w:w="108" w:type="dxa"/></w:tblCellMar></w:tblPr></w:style>'
        '<w:style w:type="numbering" w:default="1" w:styleId="NoList"><w:name w:val="No List"/>'
        '<w:uiPriority w:val="99"/><w:semiHidden/><w:unhideWhenUsed/></w:style>'
        "</w:styles>"
    )
    return list(parse_xml(xml))


def drop_parts(source: Part | OpcPackage, reltypes: Iterable[str]) -> None:
    """Remove relationships of the given types from `source`; unreferenced parts are not saved."""
    unwanted = set(reltypes)
    for rId, rel in list(source.rels.items()):
        if rel.reltype in unwanted:
            source.rels.pop(rId)


def repack(docx: bytes, date: dt.date) -> bytes:
    """The same package re-zipped byte-for-byte reproducibly: fixed order, times and modes.

    Entries are stored uncompressed: deflate output may change with the zlib build,
    and an archived issue must rebuild to identical bytes years later.
    """
    stamp = (max(date.year, 1980), date.month, date.day, 0, 0, 0)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(docx)) as source, zipfile.ZipFile(out, "w") as target:
        for name in source.namelist():
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_STORED
            info.create_system = 3
            info.external_attr = 0o100644 << 16
            target.writestr(info, source.read(name))
    return out.getvalue()


def keep_lines_before_breaks(settings: etree._Element) -> None:
    """Set a justified line that ends in a line break (a '\\' in the issue) as the PDF does: not spread.

    Word and LibreOffice otherwise stretch such a line across the measure, one gap per
    character (`w:doNotExpandShiftReturn` in the settings' `w:compat`).
    """
    compat = settings.find(qn("w:compat"))
    if compat is None:
        compat = el("w:compat")
        settings.insert_element_before(compat, *SETTINGS_AFTER_FOOTNOTEPR[2:])
    if compat.find(qn("w:doNotExpandShiftReturn")) is None:
        flag = el("w:doNotExpandShiftReturn")
        # CT_Compat is a sequence: the flag stands before useFELayout and the compatSettings
        later = [child for child in compat if child.tag in (qn("w:useFELayout"), qn("w:compatSetting"))]
        if later:
            later[0].addprevious(flag)
        else:
            compat.append(flag)
