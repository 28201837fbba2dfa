"""The house faces embedded in the DOCX, each cut down to the characters the issue sets in it.

A reader without 仿宋_GB2312 & co. would otherwise substitute what it likes (LibreOffice
asks fontconfig by name alone and sets the body in a sans). So, as Word does when told
to embed fonts (ECMA-376 Part 1, §17.8.1 and §17.8.3.3), each house face the runs name
goes into the package: a TrueType subset of the pinned font file, renamed to the name
the runs ask for, obfuscated with a key derived from its own bytes (`.odttf`), related
from the font table and declared there with `w:embedRegular`/`w:embedBold`.

Word and WPS use an installed font of that name before the embedded one, so an office
machine keeps its own 仿宋_GB2312; LibreOffice, and Word or WPS without the face, use
the copy. See docs/docx.md, "Embedded faces".
"""
from __future__ import annotations

import base64
import hashlib
import io
import struct
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterator

from docx.document import Document
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.part import XmlPart
from docx.oxml.ns import qn
from fontTools import subset
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTFont, newTable
from fontTools.ttLib.tables._c_m_a_p import CmapSubtable
from fontTools.ttLib.tables._g_l_y_f import Glyph
from lxml import etree

from bulletin.render import docx_xml as x
from bulletin.support import cache
from bulletin.support.fonts import FontFile, load_fonts

#: what a reader numbers itself (pages, footnotes) is set in the face around it
DIGITS = "0123456789"
#: the layout tables a horizontal DOCX has no use for (and the subsetter's slowest part)
UNUSED_TABLES = ("GSUB", "GPOS", "GDEF", "BASE", "JSTF", "VORG")
#: largest distance, font units (1000 to the em), of a quadratic outline from the cubic one
MAX_ERROR = 1.0


@dataclass(frozen=True)
class Embedded:
    """One face as the package carries it: the name runs ask for, its slot, key and font."""

    name: str
    bold: bool  # w:embedBold, else w:embedRegular
    font: bytes  # a TrueType font, not yet obfuscated

    @property
    def key(self) -> str:
        """The font key, a GUID taken from the font's own SHA-256 (same font, same key)."""
        digits = hashlib.sha256(self.font).hexdigest()[:32].upper()
        return f"{{{digits[:8]}-{digits[8:12]}-{digits[12:16]}-{digits[16:20]}-{digits[20:]}}}"


def obfuscate(font: bytes, key: str) -> bytes:
    """The font with its first 32 bytes XOR'd with the key's 16 bytes, last byte of the GUID first (§17.8.1).

    The same operation recovers the font from an `.odttf` part.
    """
    secret = bytes.fromhex(key.strip("{}").replace("-", ""))[::-1]
    head = bytes(byte ^ secret[index % 16] for index, byte in enumerate(font[:32]))
    return head + font[32:]


# ---------------------------------------------------------------- which characters each face sets


@dataclass(frozen=True)
class _StyleFonts:
    east_asian: str | None
    latin: str | None
    bold: bool | None
    based_on: str | None


def _fonts_of(rpr: etree._Element | None) -> tuple[str | None, str | None, bool | None]:
    if rpr is None:
        return None, None, None
    fonts, bold = rpr.find(qn("w:rFonts")), rpr.find(qn("w:b"))
    east = fonts.get(qn("w:eastAsia")) if fonts is not None else None
    latin = fonts.get(qn("w:ascii")) if fonts is not None else None
    on = None if bold is None else bold.get(qn("w:val"), "1") not in ("0", "false", "off")
    return east, latin, on


def _styles(document: Document) -> tuple[dict[str, _StyleFonts], _StyleFonts, str | None]:
    """Fonts and weight of every style by id, of the document defaults, and the default paragraph style's id."""
    root = document.styles.element
    styles: dict[str, _StyleFonts] = {}
    default_paragraph = None
    for style in root.iter(qn("w:style")):
        based = style.find(qn("w:basedOn"))
        styles[style.get(qn("w:styleId"))] = _StyleFonts(
            *_fonts_of(style.find(qn("w:rPr"))), based.get(qn("w:val")) if based is not None else None
        )
        if style.get(qn("w:type")) == "paragraph" and style.get(qn("w:default")) in ("1", "true"):
            default_paragraph = style.get(qn("w:styleId"))
    defaults = root.find(f"{qn('w:docDefaults')}/{qn('w:rPrDefault')}/{qn('w:rPr')}")
    return styles, _StyleFonts(*_fonts_of(defaults), None), default_paragraph


def _stories(document: Document) -> Iterator[etree._Element]:
    """The root of every part holding text: body, footers, headers, footnotes."""
    seen = set()
    for rel in document.part.rels.values():
        if rel.is_external or rel.reltype not in (RT.FOOTER, RT.HEADER, RT.FOOTNOTES, RT.ENDNOTES):
            continue
        part = rel.target_part
        if isinstance(part, XmlPart) and part.partname not in seen:
            seen.add(part.partname)
            yield part.element
    yield document.element


def characters_by_face(document: Document) -> dict[tuple[str, bool], set[str]]:
    """For each (font name, bold) a run resolves to, the characters set in it.

    A run's East Asian and Latin faces and its weight are read from the run, its
    character style, its paragraph's style and the document defaults, in that order,
    following `w:basedOn`. A run's characters count for both its faces: which of the two
    a reader draws a mark such as “ or — in depends on the reader.
    """
    styles, defaults, default_paragraph = _styles(document)

    def chain(style_id: str | None) -> Iterator[_StyleFonts]:
        while style_id in styles:
            yield styles[style_id]
            style_id = styles[style_id].based_on

    found: dict[tuple[str, bool], set[str]] = {}
    for root in _stories(document):
        for paragraph in root.iter(qn("w:p")):
            pstyle = paragraph.find(f"{qn('w:pPr')}/{qn('w:pStyle')}")
            paragraph_chain = list(chain(pstyle.get(qn("w:val")) if pstyle is not None else default_paragraph))
            for run in paragraph.iter(qn("w:r")):
                rpr = run.find(qn("w:rPr"))
                rstyle = rpr.find(qn("w:rStyle")) if rpr is not None else None
                own = _StyleFonts(*_fonts_of(rpr), None)
                levels = [own, *chain(rstyle.get(qn("w:val")) if rstyle is not None else None), *paragraph_chain,
                          defaults]
                east = next((level.east_asian for level in levels if level.east_asian), None)
                latin = next((level.latin for level in levels if level.latin), None)
                bold = next((level.bold for level in levels if level.bold is not None), False)
                text = "".join(t.text or "" for t in run.iter(qn("w:t")))
                for name in {east, latin} - {None}:
                    found.setdefault((str(name), bold), set()).update(text)
    return found


# ---------------------------------------------------------------- the subsets


def _quadratic(glyph: Any) -> Glyph:
    """A glyph of a glyph set as a TrueType outline."""
    pen = TTGlyphPen(None)
    glyph.draw(Cu2QuPen(pen, MAX_ERROR, reverse_direction=True))
    return pen.glyph()


def _to_truetype(font: TTFont) -> None:
    """Give a CFF-flavoured font quadratic (glyf) outlines, as fontTools' otf2ttf snippet does.

    Word embeds and reads TrueType outlines; CFF ones it does not embed.
    """
    order = font.getGlyphOrder()
    glyphs = font.getGlyphSet()
    outlines = {name: _quadratic(glyphs[name]) for name in order}
    font["loca"] = newTable("loca")
    font["glyf"] = glyf = newTable("glyf")
    glyf.glyphOrder = order
    glyf.glyphs = outlines
    del font["CFF "]
    metrics = font["hmtx"]
    for name, outline in outlines.items():
        outline.recalcBounds(glyf)
        metrics[name] = (metrics[name][0], getattr(outline, "xMin", 0))
    font["maxp"] = maxp = newTable("maxp")
    maxp.tableVersion = 0x00010000
    maxp.maxZones = 1
    for field in ("maxTwilightPoints", "maxStorage", "maxFunctionDefs", "maxInstructionDefs", "maxStackElements",
                  "maxSizeOfInstructions", "maxComponentElements"):
        setattr(maxp, field, 0)
    font["post"].formatType = 3.0  # no glyph names
    font.sfntVersion = "\x00\x01\x00\x00"


def _rename(font: TTFont, family: str, bold: bool) -> None:
    """Name the font's family `family`, so it answers to the name the runs ask for.

    The PostScript name (ID 6), copyright, licence and version records stay the file's
    own. Family and full names go in Windows records, English and Chinese (PRC); the
    Mac and typographic-family records of the old name are dropped.
    """
    table = font["name"]
    style = "Bold" if bold else "Regular"
    for name_id in (1, 2, 3, 4, 16, 17, 18, 21, 22):
        table.removeNames(nameID=name_id)
    postscript = font["name"].getDebugName(6) or "HouseFace"
    for language in (0x409, 0x804):
        table.setName(family, 1, 3, 1, language)
        table.setName(style, 2, 3, 1, language)
        table.setName(f"{postscript};{family}", 3, 3, 1, language)
        table.setName(family if not bold else f"{family} {style}", 4, 3, 1, language)


def _cut(path: Path, characters: str) -> TTFont:
    """The font of `path` cut to `characters`, with TrueType outlines; its timestamps stay the file's own."""
    options = subset.Options()
    options.layout_features = []
    options.drop_tables = [*options.drop_tables, *UNUSED_TABLES]
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.name_legacy = True
    options.notdef_outline = True
    options.hinting = True  # CFF hints go with the outlines anyway; removing them costs time
    font = TTFont(str(path), lazy=True, recalcTimestamp=False)
    cutter = subset.Subsetter(options)
    cutter.populate(unicodes=sorted({ord(char) for char in characters}))
    cutter.subset(font)
    if "CFF " in font:
        _to_truetype(font)
    return font


def _map(font: TTFont, code: int, glyph: str) -> None:
    """Map character `code` to `glyph` in the font's Unicode cmaps; beyond U+FFFF in a format 12 one, made if need be."""
    tables = font["cmap"].tables
    if code > 0xFFFF and not any(table.format == 12 for table in tables):
        full = CmapSubtable.newSubtable(12)
        full.platformID, full.platEncID, full.language, full.cmap = 3, 10, 0, dict(font.getBestCmap() or {})
        tables.append(full)
    for table in tables:
        if table.isUnicode() and (code <= 0xFFFF or table.format == 12):
            table.cmap[code] = glyph


@lru_cache(maxsize=8)
def _source(path: Path, sha256: str) -> TTFont:
    """A font file opened once in a process and read lazily (the glyphs made of it are kept by `_made`)."""
    return TTFont(str(path), lazy=True)


@lru_cache(maxsize=8)
def _frame(path: Path, sha256: str) -> bytes:
    """The font of `path` cut to the digits: the tables every subset of it starts from (kept on disk by its pin)."""
    name = f"docx-frame-{sha256}.json"
    stored = cache.load(name)
    if isinstance(stored, str):
        return base64.b64decode(stored)
    out = io.BytesIO()
    _cut(path, DIGITS).save(out)
    cache.store(name, base64.b64encode(out.getvalue()).decode("ascii"))
    return out.getvalue()


@lru_cache(maxsize=8)
def _made(sha256: str) -> dict[str, Any]:
    """The TrueType glyphs made so far of the font pinned `sha256`, as kept on disk: its characters' glyphs, those it lacks.

    `{"cmap": {code: glyph}, "absent": [code…], "glyphs": {glyph: [data, advance, lsb, vertical]}}`,
    each glyph's data compiled and in base64: a glyph is made once on a machine, not in
    every process (making them costs a second or two an issue).
    """
    stored = cache.load(f"docx-glyphs-{sha256}.json")
    if isinstance(stored, dict) and {"cmap", "absent", "glyphs"} <= stored.keys():
        return {"cmap": dict(stored["cmap"]), "absent": set(stored["absent"]), "glyphs": dict(stored["glyphs"]), "new": False}
    return {"cmap": {}, "absent": set(), "glyphs": {}, "new": False}


def _keep(sha256: str) -> None:
    """Write the glyphs made of the font pinned `sha256` to disk, when new ones were made."""
    made = _made(sha256)
    if made["new"]:
        cache.store(f"docx-glyphs-{sha256}.json", {
            "cmap": made["cmap"], "absent": sorted(made["absent"]), "glyphs": made["glyphs"],
        })
        made["new"] = False


def _borrow(font: TTFont, path: Path, sha256: str, characters: str) -> str:
    """Add the glyphs the font of `path` has for `characters` to `font` (same units per em); returns those it lacks.

    The glyphs are read one by one from the whole file, opened once, and each is made
    TrueType once: cutting 5–25 MB fonts afresh for every issue costs seconds.
    """
    kept = _made(sha256)
    order = list(font.getGlyphOrder())
    missing = ""
    for char in characters:
        code = str(ord(char))
        if code not in kept["cmap"] and ord(char) not in kept["absent"]:
            _make(kept, path, sha256, char, font["glyf"])
        if ord(char) in kept["absent"]:
            missing += char
            continue
        data, advance, lsb, vertical = kept["glyphs"][kept["cmap"][code]]
        name = f"u{ord(char):05X}"
        font["glyf"].glyphs[name] = Glyph(base64.b64decode(data))
        font["hmtx"][name] = (advance, lsb)
        if "vmtx" in font and vertical is not None:
            font["vmtx"][name] = tuple(vertical)
        _map(font, ord(char), name)
        order.append(name)
    font.setGlyphOrder(order)
    font["glyf"].glyphOrder = order
    return missing


def _make(kept: dict[str, Any], path: Path, sha256: str, char: str, table: Any) -> None:
    """Make the TrueType glyph of `char` from the font file (opened once in a process) into `kept`, or note it lacks one."""
    donor = _source(path, sha256)
    have = donor.getBestCmap() or {}
    if ord(char) not in have:
        kept["absent"].add(ord(char))
    else:
        glyph = have[ord(char)]
        if glyph not in kept["glyphs"]:
            outline = _quadratic(donor.getGlyphSet()[glyph])
            outline.recalcBounds(table)
            vertical = list(donor["vmtx"][glyph]) if "vmtx" in donor else None
            data = base64.b64encode(outline.compile(table)).decode("ascii")
            kept["glyphs"][glyph] = [data, donor["hmtx"][glyph][0], getattr(outline, "xMin", 0), vertical]
        kept["cmap"][str(ord(char))] = glyph
    kept["new"] = True


@lru_cache(maxsize=32)
def subset_font(chain: tuple[tuple[Path, str], ...], characters: str, family: str, bold: bool) -> bytes:
    """A TrueType font holding `characters`, named `family`: from the first file of `chain` that has each.

    `chain` is the face's files with their pins (the cache key), most wanted first, as
    the PDF's CSS chains try them: a character the house face lacks (堃) comes from the
    wide-coverage fallback. Same inputs, same bytes.
    """
    font = TTFont(io.BytesIO(_frame(*chain[0])), recalcTimestamp=False)
    own = font.getBestCmap() or {}
    missing = "".join(char for char in characters if ord(char) not in own)
    for path, sha256 in chain:
        if missing:
            missing = _borrow(font, path, sha256, missing)
            _keep(sha256)
    _rename(font, family, bold)
    _bounds(font)
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


def _bounds(font: TTFont) -> None:
    """Set the font's bounding box, point counts and side bearings from its glyphs' compiled headers.

    What fontTools would recompute on saving by unpacking every glyph again (most of the
    time a subset takes): a glyph's data starts with its contour count and box, and its
    contours' end points give its point count.
    """
    glyf, metrics = font["glyf"], font["hmtx"]
    boxes, points, contours = [], 0, 0
    extents = []
    for name in glyf.glyphOrder:
        glyph = glyf.glyphs[name]
        data = glyph.data if hasattr(glyph, "data") else glyph.compile(glyf, recalcBBoxes=True)
        if len(data) < 10:
            continue  # an empty glyph
        count, x0, y0, x1, y1 = struct.unpack(">hhhhh", data[:10])
        boxes.append((x0, y0, x1, y1))
        if count > 0:
            contours = max(contours, count)
            points = max(points, struct.unpack(">H", data[10 + 2 * (count - 1) : 12 + 2 * (count - 1)])[0] + 1)
        advance, lsb = metrics[name]
        extents.append((advance, lsb, lsb + x1 - x0))
    head, hhea, maxp = font["head"], font["hhea"], font["maxp"]
    if boxes:
        head.xMin, head.yMin = min(b[0] for b in boxes), min(b[1] for b in boxes)
        head.xMax, head.yMax = max(b[2] for b in boxes), max(b[3] for b in boxes)
        hhea.minLeftSideBearing = min(lsb for _, lsb, _ in extents)
        hhea.minRightSideBearing = min(advance - extent for advance, _, extent in extents)
        hhea.xMaxExtent = max(extent for _, _, extent in extents)
    hhea.advanceWidthMax = max(advance for advance, _ in metrics.metrics.values())
    maxp.numGlyphs = len(glyf.glyphOrder)
    maxp.maxPoints, maxp.maxContours = points, contours
    maxp.maxCompositePoints = maxp.maxCompositeContours = maxp.maxComponentDepth = 0
    font.recalcBBoxes = False


def _house_file(fonts: tuple[FontFile, ...], face: str, weight: int) -> FontFile | None:
    """The file of CSS face `face` nearest `weight`."""
    files = [font for font in fonts if font.face == face]
    return min(files, key=lambda font: (abs(font.weight - weight), font.weight), default=None)


def embedded_faces(document: Document, chains: dict[str, tuple[str, ...]], folder: Path) -> list[Embedded]:
    """The faces to embed: each house face a run resolves to, cut to the characters set in it.

    `chains` gives, for each font name the DOCX asks for, the house's CSS faces that draw
    it (`docx.face_chains`); a name without one (the Latin Times New Roman) is left to
    the reader. A bold run uses the face's bold file where the house has one.
    """
    fonts = load_fonts(folder)
    wanted: dict[tuple[str, tuple[FontFile, ...]], set[str]] = {}
    for (name, bold), characters in sorted(characters_by_face(document).items()):
        first = _house_file(fonts, chains[name][0], 700 if bold else 400) if name in chains else None
        if first is None or not characters:
            continue
        # the fallbacks in the weight of the face's own file
        rest = (_house_file(fonts, face, first.weight) for face in chains[name][1:])
        chain = (first, *(file for file in rest if file is not None))
        wanted.setdefault((name, chain), set(DIGITS)).update(characters)
    return [
        Embedded(name, chain[0].weight >= 600, subset_font(
            tuple((file.path, file.sha256) for file in chain), "".join(sorted(chars)), name, chain[0].weight >= 600,
        ))
        for (name, chain), chars in sorted(wanted.items(), key=lambda item: (item[0][0], item[0][1][0].weight))
    ]


def embed_fonts(document: Document, chains: dict[str, tuple[str, ...]], folder: Path) -> list[Embedded]:
    """Put the house faces the document's runs use into its package and font table; returns them."""
    embedded = embedded_faces(document, chains, folder)
    table = document.part.part_related_by(RT.FONT_TABLE)
    for number, face in enumerate(embedded, start=1):
        x.embed_font(table, face.name, "w:embedBold" if face.bold else "w:embedRegular", face.key,
                     obfuscate(face.font, face.key), number)
    if embedded:
        x.set_embed_fonts(document.settings.element)
    return embedded

