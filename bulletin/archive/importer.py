"""Bring a back issue made by hand in Word into the archive as an issue file.

A Word file is read with python-docx (bounded: the ZIP members' sizes are checked
first, XML is parsed without entities); the mapping to the house model is done here.
The masthead, the control line, the issue line, the date, the red rule, the title,
编者按 and the colophon become front matter; the rest becomes the Markdown body.
What has no place in the house is reported as a warning located by paragraph, never
dropped silently.
"""
from __future__ import annotations

import datetime as dt
import io
import json
import re
import stat
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from bulletin.config import Config
from bulletin.support.zipsafe import zip_bomb
from bulletin.errors import ContentError, UsageError, display_path
from bulletin.output import atomic_write
from bulletin.typography import chinese_numeral, heading_label

#: the largest DOCX file read (its parts are bounded by `support.zipsafe`)
MAX_DOCX_BYTES = 50 * 1024 * 1024
#: the date's Chinese digits; 〇, ○ and 零 all write zero
_DIGIT = {c: i for i, c in enumerate("〇一二三四五六七八九")} | {"○": 0, "零": 0, "O": 0, "０": 0}

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NS = {
    "w": W,
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "a": "http://schemas.openxmlformats.org/drawingml/2006/main",
    "wp": "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing",
    "wps": "http://schemas.microsoft.com/office/word/2010/wordprocessingShape",
    "v": "urn:schemas-microsoft-com:vml",
    "mc": "http://schemas.openxmlformats.org/markup-compatibility/2006",
    "m": "http://schemas.openxmlformats.org/officeDocument/2006/math",
}


def _q(name: str) -> str:
    prefix, local = name.split(":")
    return f"{{{NS[prefix]}}}{local}"


#: paragraph styles that carry no meaning of their own: read as body text, no warning
PLAIN_STYLES = {
    "normal", "body text", "body text indent", "body text first indent", "body text first indent 2", "plain text",
    "no spacing", "default", "正文", "正文文本", "正文文本缩进", "正文首行缩进", "纯文本", "无间隔", "list paragraph",
    "列表段落", "normal (web)", "普通(网站)", "table text", "table heading", "after table", "figure",
    "footnote text", "脚注文本", "header", "footer", "页眉", "页脚", "colophon", "table grid", "body rule",
}
_LABEL_RE = re.compile(r"(?<![（(])(责任编辑|联系电话|电\s*话|传\s*真|地\s*址|共印|印数|抄\s*送|签\s*发|审\s*核|校\s*对|编\s*辑)\s*[：:]?")
_COLOPHON_START = re.compile(r"^(责任编辑|联系电话|电\s*话|传\s*真|地\s*址|共印|印数|抄\s*送|签\s*发|审\s*核|校\s*对)\s*[：:]")
_RECIPIENTS = re.compile(r"^本期(专报|送|报送|呈送|送阅|报)\s*[：:]\s*(.*)$")
_ISSUE_LINE = re.compile(
    r"第\s*([0-9]+|[一二三四五六七八九十百〇零]+)\s*期\s*(?:[（(]\s*总第\s*([0-9]+)\s*期\s*[）)])?"
)
_DATE = re.compile(
    r"([0-9]{4}|[〇○零一二三四五六七八九O０]{4})\s*年\s*([0-9]{1,2}|[一二三四五六七八九十]{1,3})\s*月\s*"
    r"([0-9]{1,2}|[一二三四五六七八九十]{1,3})\s*日"
)
_CLASSIFICATION = re.compile(r"(内部资料|内部参阅|内部刊物|内部文件|秘密|机密|绝密)(?:[\s　]*注意保存)?(?:[\s　]*★?[\s　]*\S*年)?")
_EDITOR_NOTE = re.compile(r"^[【\[]?\s*编\s*者\s*按\s*[】\]]?\s*[：:]?\s*")
_HEADINGS = (
    (1, re.compile(r"^([一二三四五六七八九十百]+)\s*[、．.]\s*")),
    (2, re.compile(r"^[（(]\s*([一二三四五六七八九十百]+)\s*[）)]\s*")),
    (3, re.compile(r"^([0-9]+)\s*[.．、](?![0-9])\s*")),
    (4, re.compile(r"^[（(]\s*([0-9]+)\s*[）)]\s*")),
)
_BULLETS = "●•·▪■◆◇○□►▶-–"
_SENTENCE_END = "。！？；…"
_PAGE_NUMBER = re.compile(r"^[\s—–\-－·第页]*[0-9]*[\s—–\-－·页]*$")


class ImportProblem(ContentError):
    """A Word file that cannot be imported (exit 1)."""


@dataclass
class Segment:
    """A piece of a paragraph's text with its emphasis, or a footnote call."""

    text: str = ""
    strong: bool = False
    emphasis: bool = False
    footnote: str | None = None
    linebreak: bool = False
    link: str = ""


@dataclass
class Para:
    """What the mapping needs to know about one paragraph."""

    number: int
    segments: list[Segment]
    style: str = ""
    align: str = ""
    size: float = 0.0
    red: bool = False
    rule: bool = False
    border: bool = False
    images: list[tuple[bytes, str]] = field(default_factory=list)
    boxes: list[list["Para"]] = field(default_factory=list)
    numbering: tuple[str, int] | None = None
    in_table: bool = False
    direct_align: str = ""

    @property
    def text(self) -> str:
        return "".join(s.text for s in self.segments)

    @property
    def bare(self) -> str:
        return re.sub(r"[\s\u3000]+", "", self.text)


@dataclass
class Block:
    """A paragraph or a table of the document body, in order."""

    para: Para | None = None
    rows: list[list[Para]] | None = None
    number: int = 0


@dataclass
class Imported:
    """The result: the issue file's text, its images, and the warnings."""

    year: int
    issue: int
    text: str
    images: list[tuple[str, bytes]]
    warnings: list[str]


# ---------------------------------------------------------------- reading, bounded


def read_docx(path: Path) -> Any:
    """The python-docx Document of `path`, after checking it is a sane DOCX; ImportProblem otherwise."""
    import docx
    from docx.opc.exceptions import PackageNotFoundError
    from lxml import etree

    try:
        info = path.stat()
        if stat.S_ISDIR(info.st_mode):
            raise ImportProblem("is a folder, not a Word file", path)
        if not stat.S_ISREG(info.st_mode):  # a FIFO would block the read forever: never opened
            raise ImportProblem("is not a regular file (a FIFO, device or socket); not read", path)
        if info.st_size > MAX_DOCX_BYTES:
            raise ImportProblem(f"is {info.st_size / 1024 / 1024:.1f} MB; a Word file may be at most 50 MB", path)
        data = path.read_bytes()
    except FileNotFoundError:
        raise ImportProblem("no such file", path) from None
    except OSError as exc:
        raise ImportProblem(f"cannot read: {exc.strerror or exc}", path) from None
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, EOFError):
        raise ImportProblem("not a DOCX file (not a ZIP archive); save it from Word as .docx", path) from None
    with archive:
        bomb = zip_bomb(archive)
        if bomb:
            raise ImportProblem(bomb, path)
        if "word/document.xml" not in archive.namelist() and "[Content_Types].xml" not in archive.namelist():
            raise ImportProblem("not a DOCX file (no word/document.xml)", path)
    try:
        return docx.Document(io.BytesIO(data))
    except etree.XMLSyntaxError as exc:
        raise ImportProblem(f"damaged XML in the Word file: {exc.msg}", path) from None
    except (PackageNotFoundError, KeyError, ValueError, zipfile.BadZipFile, EOFError, NotImplementedError) as exc:
        raise ImportProblem(f"not a DOCX file ({exc})", path) from None
    except Exception as exc:  # zlib.error, a CRC mismatch: a damaged archive
        raise ImportProblem(f"damaged Word file ({type(exc).__name__}: {exc})", path) from None


def _parse_xml(blob: bytes, path: Path, name: str) -> Any:
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, remove_blank_text=False)
    try:
        return etree.fromstring(blob, parser)
    except etree.XMLSyntaxError as exc:
        raise ImportProblem(f"damaged XML in {name}: {exc.msg}", path) from None


def _part(document: Any, suffix: str) -> Any | None:
    for rel in document.part.rels.values():
        if not rel.is_external and rel.reltype.endswith("/" + suffix):
            return rel.target_part
    return None


# ---------------------------------------------------------------- formatting


class Styles:
    """Effective run and paragraph formatting, following style inheritance."""

    def __init__(self, document: Any) -> None:
        self.by_id: dict[str, Any] = {}
        for style in document.styles.element.findall(_q("w:style")):
            self.by_id[style.get(_q("w:styleId"))] = style
        self.default_rpr = document.styles.element.find(f"{_q('w:docDefaults')}/{_q('w:rPrDefault')}/{_q('w:rPr')}")

    def name(self, style_id: str | None) -> str:
        style = self.by_id.get(style_id or "")
        if style is None:
            return style_id or ""
        name = style.find(_q("w:name"))
        return name.get(_q("w:val")) if name is not None else (style_id or "")

    def chain(self, style_id: str | None) -> Iterator[Any]:
        seen: set[str] = set()
        while style_id and style_id not in seen and style_id in self.by_id:
            seen.add(style_id)
            style = self.by_id[style_id]
            yield style
            based = style.find(_q("w:basedOn"))
            style_id = based.get(_q("w:val")) if based is not None else None

    def rpr_value(self, rprs: list[Any], tag: str, attr: str = "w:val") -> str | None:
        for rpr in rprs:
            if rpr is None:
                continue
            el = rpr.find(_q(tag))
            if el is not None:
                value: str | None = el.get(_q(attr), "true") if attr == "w:val" else el.get(_q(attr))
                return value
        return None

    def run_rprs(self, run: Any, pstyle: str | None) -> tuple[list[Any], list[Any]]:
        """(the run's own properties and its character style's, the paragraph style's and defaults)."""
        rpr = run.find(_q("w:rPr"))
        own = [rpr]
        if rpr is not None:
            rstyle = rpr.find(_q("w:rStyle"))
            if rstyle is not None:
                own += [s.find(_q("w:rPr")) for s in self.chain(rstyle.get(_q("w:val")))]
        inherited = [s.find(_q("w:rPr")) for s in self.chain(pstyle)] + [self.default_rpr]
        return own, inherited


def _on(value: str | None) -> bool:
    return value is not None and value not in ("0", "false", "off", "none")


def _is_red(value: str | None) -> bool:
    if not value or len(value) != 6:
        return False
    try:
        r, g, b = (int(value[i : i + 2], 16) for i in (0, 2, 4))
    except ValueError:
        return False
    return r >= 0x99 and g <= 0x66 and b <= 0x66


def _fonts(rprs: list[Any]) -> str:
    for rpr in rprs:
        if rpr is None:
            continue
        fonts = rpr.find(_q("w:rFonts"))
        if fonts is not None:
            names = [fonts.get(_q(f"w:{k}")) for k in ("eastAsia", "ascii", "hAnsi")]
            if any(names):
                return " ".join(n for n in names if n)
    return ""


# ---------------------------------------------------------------- the reader


class Reader:
    """Walks the document body into blocks of paragraphs and tables; collects warnings."""

    def __init__(self, document: Any, path: Path) -> None:
        self.document = document
        self.path = path
        self.styles = Styles(document)
        self.warnings: list[tuple[int, str]] = []
        self.count = 0
        self.numbering = self._numbering()
        self.comments = self._comments()
        self.notes: dict[str, dict[str, Any]] = {"footnote": self._notes("footnotes", "w:footnote"),
                                                  "endnote": self._notes("endnotes", "w:endnote")}
        self.tracked: set[int] = set()

    def warn(self, number: int, message: str) -> None:
        self.warnings.append((number, message))

    def _numbering(self) -> dict[tuple[str, int], str]:
        """(numId, level) -> numFmt ('bullet', 'decimal', …)."""
        part = _part(self.document, "numbering")
        if part is None:
            return {}
        root = _parse_xml(part.blob, self.path, "word/numbering.xml")
        abstract = {}
        for a in root.findall(_q("w:abstractNum")):
            levels = {}
            for lvl in a.findall(_q("w:lvl")):
                fmt = lvl.find(_q("w:numFmt"))
                levels[int(lvl.get(_q("w:ilvl"), "0"))] = fmt.get(_q("w:val")) if fmt is not None else "decimal"
            abstract[a.get(_q("w:abstractNumId"))] = levels
        found = {}
        for num in root.findall(_q("w:num")):
            ref = num.find(_q("w:abstractNumId"))
            if ref is not None:
                for level, fmt in abstract.get(ref.get(_q("w:val")), {}).items():
                    found[(num.get(_q("w:numId")), level)] = fmt
        return found

    def _comments(self) -> dict[str, str]:
        part = _part(self.document, "comments")
        if part is None:
            return {}
        root = _parse_xml(part.blob, self.path, "word/comments.xml")
        return {
            c.get(_q("w:id")): "".join(c.itertext()).strip()
            for c in root.findall(_q("w:comment"))
        }

    def _notes(self, name: str, tag: str) -> dict[str, Any]:
        part = _part(self.document, name)
        if part is None:
            return {}
        root = _parse_xml(part.blob, self.path, f"word/{name}.xml")
        return {
            n.get(_q("w:id")): n
            for n in root.findall(_q(tag))
            if n.get(_q("w:type")) in (None, "normal")
        }

    # -- blocks

    def blocks(self, container: Any, in_table: bool = False) -> Iterator[Block]:
        for child in container:
            tag = child.tag
            if tag == _q("w:p"):
                self.count += 1
                yield Block(para=self.paragraph(child, self.count, in_table), number=self.count)
            elif tag == _q("w:tbl"):
                yield self.table(child)
            elif tag == _q("w:sdt"):
                content = child.find(_q("w:sdtContent"))
                if content is not None:
                    yield from self.blocks(content, in_table)
            elif tag in (_q("w:sectPr"), _q("w:bookmarkStart"), _q("w:bookmarkEnd"), _q("w:proofErr"),
                         _q("w:permStart"), _q("w:permEnd"), _q("w:tcPr"), _q("w:tblPr"), _q("w:tblGrid"),
                         _q("w:trPr"), _q("w:sdtPr"), _q("w:sdtEndPr")):
                continue
            elif tag in (_q("w:customXml"),):
                yield from self.blocks(child, in_table)
            elif tag in (_q("w:commentRangeStart"), _q("w:commentRangeEnd")):
                continue
            else:
                local = tag.split("}")[-1] if isinstance(tag, str) else "?"
                self.warn(self.count + 1, f"'{local}' element has no place in the house; not imported")

    def table(self, tbl: Any) -> Block:
        rows: list[list[Para]] = []
        first = self.count + 1
        merged = False
        for tr in tbl.findall(_q("w:tr")):
            row: list[Para] = []
            for tc in tr.findall(_q("w:tc")):
                tcpr = tc.find(_q("w:tcPr"))
                span = 1
                if tcpr is not None:
                    grid = tcpr.find(_q("w:gridSpan"))
                    if grid is not None:
                        span = int(grid.get(_q("w:val"), "1") or 1)
                    if tcpr.find(_q("w:vMerge")) is not None:
                        merged = True
                paras = [b.para for b in self.blocks(tc, in_table=True) if b.para is not None]
                if tc.find(f".//{_q('w:tbl')}") is not None:
                    self.warn(first, "a table inside a table cell: its cells were joined into the outer cell")
                    paras = [self.flat(tc, first)]
                cell = self.join(paras)
                row.append(cell)
                if span > 1:
                    merged = True
                    row.extend(Para(cell.number, [], in_table=True) for _ in range(span - 1))
            rows.append(row)
        if merged:
            self.warn(first, "merged table cells were split; the text stands in the first of them")
        return Block(rows=rows, number=first)

    def flat(self, element: Any, number: int) -> Para:
        """Every paragraph inside `element` (nested tables too) as one paragraph."""
        parts = []
        for p in element.iter(_q("w:p")):
            parts.append(self.paragraph(p, number, True))
        return self.join(parts)

    @staticmethod
    def join(paras: list[Para]) -> Para:
        segments: list[Segment] = []
        for i, para in enumerate(paras):
            if i and para.text.strip() and segments:
                segments.append(Segment(linebreak=True))
            segments.extend(para.segments)
        number = paras[0].number if paras else 0
        joined = Para(number, segments, in_table=True)
        if paras:
            joined.align, joined.direct_align = paras[0].align, paras[0].direct_align
        for para in paras:
            joined.images += para.images
            joined.boxes += para.boxes
            joined.red = joined.red or para.red
            joined.size = max(joined.size, para.size)
        return joined

    # -- paragraphs

    def paragraph(self, p: Any, number: int, in_table: bool) -> Para:
        from lxml import etree

        ppr = p.find(_q("w:pPr"))
        style_id = None
        align = direct = ""
        rule = border = False
        numbering = None
        if ppr is not None:
            ps = ppr.find(_q("w:pStyle"))
            style_id = ps.get(_q("w:val")) if ps is not None else None
            jc = ppr.find(_q("w:jc"))
            align = jc.get(_q("w:val"), "") if jc is not None else ""
            direct = align
            borders = ppr.find(_q("w:pBdr"))
            if borders is not None:
                rule = any(_is_red(b.get(_q("w:color"))) for b in borders)
                border = any(b.get(_q("w:val")) not in (None, "nil", "none") for b in borders)
            numpr = ppr.find(_q("w:numPr"))
            if numpr is not None:
                num_id = numpr.find(_q("w:numId"))
                level = numpr.find(_q("w:ilvl"))
                if num_id is not None and num_id.get(_q("w:val")) != "0":
                    numbering = (num_id.get(_q("w:val")), int(level.get(_q("w:val"), "0")) if level is not None else 0)
        for style in self.styles.chain(style_id):
            spr = style.find(_q("w:pPr"))
            if spr is None:
                continue
            if not align:
                jc = spr.find(_q("w:jc"))
                align = jc.get(_q("w:val"), "") if jc is not None else ""
            borders = spr.find(_q("w:pBdr"))
            if borders is not None and any(_is_red(b.get(_q("w:color"))) for b in borders):
                rule = True
            elif borders is not None and any(b.get(_q("w:val")) not in (None, "nil", "none") for b in borders):
                border = True
            if numbering is None and spr.find(_q("w:numPr")) is not None:
                numpr = spr.find(_q("w:numPr"))
                num_id = numpr.find(_q("w:numId"))
                if num_id is not None:
                    numbering = (num_id.get(_q("w:val")), 0)
        para = Para(number, [], style=self.styles.name(style_id), align=align, rule=rule, in_table=in_table,
                    numbering=numbering, direct_align=direct, border=border)
        sizes: Counter[float] = Counter()
        red = 0
        for run, link in self.runs(p, para):
            own, inherited = self.styles.run_rprs(run, style_id)
            every = own + inherited
            size_val = self.styles.rpr_value(every, "w:sz")
            size = int(size_val) / 2 if size_val and size_val.isdigit() else 10.5
            color = self.styles.rpr_value(every, "w:color")
            fonts_own = _fonts(own)
            char_style = self._char_style(run)
            strong = _on(self.styles.rpr_value(own, "w:b")) or "黑" in fonts_own or char_style in ("strong",
                                                                                                    "strong emphasis")
            emphasis = (_on(self.styles.rpr_value(own, "w:i")) or "楷" in fonts_own
                        or char_style in ("emphasis", "strong emphasis"))
            for child in run:
                tag = child.tag
                if tag == _q("w:t"):
                    text = child.text or ""
                    for inner in child:  # an entity reference (left as it is by the parser), an XML comment
                        if isinstance(inner, etree._Entity):
                            self.warn(number, f"XML entity '{inner.text}' left out (entities are never expanded)")
                        text += inner.tail or ""
                    if text:
                        para.segments.append(Segment(text, strong, emphasis, link=link))
                        sizes[size] += len(text.strip())
                        if _is_red(color):
                            red += len(text.strip())
                elif tag == _q("w:tab"):
                    para.segments.append(Segment("\t"))
                elif tag in (_q("w:br"), _q("w:cr")):
                    if child.get(_q("w:type")) not in ("page", "column"):
                        para.segments.append(Segment(linebreak=True))
                elif tag in (_q("w:noBreakHyphen"),):
                    para.segments.append(Segment("-", strong, emphasis))
                elif tag == _q("w:sym"):
                    self.warn(number, f"symbol character {child.get(_q('w:char'))} in font "
                                      f"'{child.get(_q('w:font'))}' has no Unicode meaning; not imported")
                elif tag in (_q("w:footnoteReference"), _q("w:endnoteReference")):
                    kind = "footnote" if tag == _q("w:footnoteReference") else "endnote"
                    para.segments.append(Segment(footnote=f"{kind}:{child.get(_q('w:id'))}"))
                    if kind == "endnote":
                        self.warn(number, "an endnote was imported as a footnote")
                elif tag in (_q("w:drawing"), _q("w:pict"), _q("mc:AlternateContent"), _q("w:object")):
                    self.graphic(child, para)
        if sizes:
            para.size = max(sizes.items(), key=lambda kv: (kv[1], kv[0]))[0]
        para.red = red > 0 and red * 2 >= sum(sizes.values())
        return para

    def _char_style(self, run: Any) -> str:
        rpr = run.find(_q("w:rPr"))
        rstyle = rpr.find(_q("w:rStyle")) if rpr is not None else None
        return self.styles.name(rstyle.get(_q("w:val"))).lower() if rstyle is not None else ""

    def runs(self, element: Any, para: Para, link: str = "") -> Iterator[tuple[Any, str]]:
        """(run, link address) of a paragraph in order, through links, fields and insertions; deletions left out."""
        for child in element:
            tag = child.tag
            if tag == _q("w:r"):
                yield child, link
            elif tag == _q("w:hyperlink"):
                rel = self.document.part.rels.get(child.get(_q("r:id")) or "")
                address = rel.target_ref if rel is not None and rel.is_external else ""
                if address and not re.match(r"^(https?://|mailto:)", address):
                    self.warn(para.number, f"a link address was not kept: '{_short(address, 60)}'")
                    address = ""
                yield from self.runs(child, para, address or link)
            elif tag in (_q("w:smartTag"), _q("w:fldSimple"), _q("w:customXml"),
                         _q("w:sdt"), _q("w:sdtContent"), _q("w:dir"), _q("w:bdo")):
                yield from self.runs(child, para, link)
            elif tag in (_q("w:ins"), _q("w:moveTo")):
                self._tracked(para)
                yield from self.runs(child, para, link)
            elif tag in (_q("w:del"), _q("w:moveFrom")):
                self._tracked(para)
            elif tag == _q("w:commentRangeStart"):
                text = self.comments.get(child.get(_q("w:id")), "")
                self.warn(para.number, f"comment not imported: '{_short(text)}'")
            elif tag in (_q("m:oMath"), _q("m:oMathPara")):
                self.warn(para.number, f"a formula was imported as its plain text '{_short(''.join(child.itertext()))}'")
                para.segments.append(Segment("".join(child.itertext())))

    def _tracked(self, para: Para) -> None:
        if para.number not in self.tracked:
            self.tracked.add(para.number)
            self.warn(para.number, "tracked changes: insertions kept, deletions left out; "
                                   "accept or reject them in Word to be sure")

    def graphic(self, element: Any, para: Para) -> None:
        """An image, a text box or a shape inside a run."""
        if element.tag == _q("mc:AlternateContent"):
            choice = element.find(_q("mc:Choice"))
            fallback = element.find(_q("mc:Fallback"))
            chosen = choice if choice is not None else fallback
            if chosen is not None:
                for child in chosen:
                    self.graphic(child, para)
            return
        boxes = [b for b in element.iter(_q("w:txbxContent"))
                 if not any(a.tag == _q("w:txbxContent") for a in b.iterancestors())]
        for box in boxes:
            inner = [b.para for b in self._box_blocks(box, para.number) if b.para is not None]
            para.boxes.append(inner)
        # pictures inside a text box belong to the box's own paragraphs
        blips = [b.get(_q("r:embed")) or b.get(_q("r:link")) for b in element.iter(_q("a:blip"))
                 if not _inside_box(b, element)]
        blips += [i.get(_q("r:id")) for i in element.iter(_q("v:imagedata")) if not _inside_box(i, element)]
        for rid in [b for b in blips if b]:
            try:
                part = self.document.part.related_parts[rid]
            except KeyError:
                self.warn(para.number, "an image linked from outside the file was not imported")
                continue
            ext = (part.partname.ext or "bin").lower()
            para.images.append((part.blob, ext))
        if boxes or blips:
            return
        if element.tag == _q("w:object"):
            self.warn(para.number, "an embedded object (OLE) has no place in the house; not imported")
            return
        if _red_line(element):
            para.rule = True
            return
        self.warn(para.number, "a drawn shape has no place in the house; not imported")

    def _box_blocks(self, box: Any, number: int) -> Iterator[Block]:
        saved = self.count
        for child in box:
            if child.tag == _q("w:p"):
                yield Block(para=self.paragraph(child, number, False), number=number)
            elif child.tag == _q("w:tbl"):
                self.count = number - 1
                block = self.table(child)
                for row in block.rows or []:
                    for cell in row:
                        yield Block(para=cell, number=number)
        self.count = saved

    # -- notes

    def note(self, key: str) -> Para | None:
        kind, _, ident = key.partition(":")
        element = self.notes[kind].get(ident)
        if element is None:
            return None
        paras = [self.paragraph(p, 0, False) for p in element.findall(_q("w:p"))]
        return self.join(paras)


def _inside_box(node: Any, stop: Any) -> bool:
    """True when `node` lies in a text box inside `stop`."""
    for ancestor in node.iterancestors():
        if ancestor is stop:
            return False
        if ancestor.tag == _q("w:txbxContent"):
            return True
    return False


def _red_line(element: Any) -> bool:
    """A line or thin rectangle drawn in red: the red rule under the masthead."""
    for attr in ("strokecolor", "fillcolor"):
        for el in element.iter():
            value = (el.get(attr) or "").lstrip("#").split(" ")[0]
            if el.tag in (_q("v:line"), _q("v:rect"), _q("v:shape")) and (value.lower() == "red" or _is_red(value.upper())):
                return True
    for ln in element.iter(_q("a:ln")):
        for color in ln.iter(_q("a:srgbClr")):
            if _is_red((color.get("val") or "").upper()):
                return True
    return False


def _short(text: str, limit: int = 30) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= limit else text[:limit] + "…"


# ---------------------------------------------------------------- the mapping


def _number(text: str) -> int:
    """'12' or '十二' as 12."""
    if text.isdigit():
        return int(text)
    for n in range(1, 1000):
        if chinese_numeral(n) == text:
            return n
    total = 0
    for char in text:
        total = total * 10 + _DIGIT.get(char, 0)
    return total


def _date_part(text: str) -> int:
    text = text.replace("０", "0")
    if text.isdigit():
        return int(text)
    if len(text) == 4 and all(c in _DIGIT for c in text):
        return int("".join(str(_DIGIT[c]) for c in text))
    return _number(text)


def find_date(text: str) -> dt.date | None:
    match = _DATE.search(text)
    if not match:
        return None
    try:
        return dt.date(*(_date_part(g) for g in match.groups()))
    except ValueError:
        return None


_ESCAPE = re.compile(r"([\\`*_\[\]])")


def _escape(text: str) -> str:
    return _ESCAPE.sub(r"\\\1", text)


def _line_start(text: str) -> str:
    """A paragraph's first characters that Markdown would read as a list, heading or quote."""
    match = re.match(r"^(\d+)([.)])(\s|$)", text)
    if match:
        return f"{match.group(1)}\\{match.group(2)}{text[match.end(2):]}"
    if re.match(r"^([#>]|[+\-*](\s|$))", text):
        return "\\" + text
    return text


def inline(segments: list[Segment], notes: dict[str, int], plain: bool = False, table: bool = False) -> str:
    """Segments as Markdown: ** for strong, * for emphasis, [^n] for a note, a hard break as \\ and a newline."""
    out: list[str] = []
    runs: list[tuple[str, bool, bool, str]] = []

    def flush() -> None:
        merged: list[list[Any]] = []
        for text, strong, emph, link in runs:
            if merged and merged[-1][1:] == [strong, emph, link]:
                merged[-1][0] += text
            else:
                merged.append([text, strong, emph, link])
        for text, strong, emph, link in merged:
            if link and text.strip() and not plain:
                out.append(f"[{_escape(text.replace(chr(9), ' '))}]({link.replace(' ', '%20').replace(')', '%29')})")
                continue
            text = text.replace("\t", " ")
            body = _escape(text)
            if table:
                body = body.replace("|", "\\|")
            core = body.strip(" \u3000")
            if (strong or emph) and core and not plain:
                lead = body[: len(body) - len(body.lstrip(" \u3000"))]
                trail = body[len(body.rstrip(" \u3000")) :]
                mark = ("**" if strong else "") + ("*" if emph else "")
                close = ("*" if emph else "") + ("**" if strong else "")
                out.append(f"{lead}{mark}{core}{close}{trail}")
            else:
                out.append(body)
        runs.clear()

    for seg in segments:
        if seg.footnote:
            flush()
            if seg.footnote in notes:
                out.append(f"[^{notes[seg.footnote]}]")
        elif seg.linebreak:
            flush()
            out.append(" " if table else "\\\n")
        else:
            runs.append((seg.text, seg.strong, seg.emphasis, seg.link))
    flush()
    text = "".join(out)
    text = re.sub(r"(\\\n)+$", "", text)
    return text


def _strip(segments: list[Segment], count: int) -> list[Segment]:
    """`segments` without their first `count` characters (a typed number) and leading spaces."""
    result: list[Segment] = []
    for seg in segments:
        if count > 0 and not seg.footnote and not seg.linebreak:
            cut = min(count, len(seg.text))
            count -= cut
            seg = Segment(seg.text[cut:], seg.strong, seg.emphasis, link=seg.link)
        result.append(seg)
    return _lstrip(result)


def _lstrip(segments: list[Segment]) -> list[Segment]:
    result = list(segments)
    while result and not result[0].footnote and (result[0].linebreak or not result[0].text.strip(" \t\u3000\xa0")):
        result.pop(0)
    if result and not result[0].footnote:
        first = result[0]
        result[0] = Segment(first.text.lstrip(" \t\u3000\xa0"), first.strong, first.emphasis, link=first.link)
    while result and not result[-1].footnote and (result[-1].linebreak or not result[-1].text.strip(" \t\u3000\xa0")):
        result.pop()
    if result and not result[-1].footnote:
        last = result[-1]
        result[-1] = Segment(last.text.rstrip(" \t\u3000\xa0"), last.strong, last.emphasis, link=last.link)
    return result


def _heading_level(para: Para) -> tuple[int, re.Match[str] | None] | None:
    """(level, the typed number's match) when `para` is a heading."""
    style = para.style.lower()
    match = re.match(r"^(heading|标题)\s*([1-9])$", style)
    text = para.text.strip(" \t\u3000\xa0")
    if match:
        level = min(int(match.group(2)), 4)
        typed = _HEADINGS[level - 1][1].match(text)
        return level, typed
    if not text or para.in_table:
        return None
    for level, pattern in _HEADINGS:
        typed = pattern.match(text)
        if typed:
            rest = text[typed.end() :]
            if not rest:
                return None
            short = len(text) <= 60 and text[-1] not in _SENTENCE_END and "。" not in text[:-1]
            return (level, typed) if short else None
    return None


def _is_colophon(para: Para) -> bool:
    return bool(_COLOPHON_START.match(para.text.strip(" \t\u3000\xa0")))


@dataclass
class Front:
    recipients: list[str] | None = None
    kind: str = ""
    classification: str = ""
    masthead: str = ""
    issue: int | None = None
    total: int | None = None
    date: dt.date | None = None
    publisher: str = ""
    title: list[str] = field(default_factory=list)
    editor_note: str = ""
    editor: str = ""
    print_run: int | None = None
    cc: str = ""
    phone: str = ""
    fax: str = ""
    address: str = ""
    draft: bool = False


class Mapper:
    """From the reader's blocks to front matter and Markdown."""

    def __init__(self, reader: Reader, config: Config, stem: str) -> None:
        self.reader = reader
        self.config = config
        self.front = Front()
        self.body: list[str] = []
        self.notes: dict[str, int] = {}
        self.note_text: list[str] = []
        self.images: list[tuple[str, bytes]] = []
        self.stem = stem
        self.counts = [0, 0, 0, 0, 0]
        self.pending_list: list[str] = []

    def warn(self, number: int, message: str) -> None:
        self.reader.warn(number, message)

    # -- front matter pieces

    def colophon(self, para: Para) -> None:
        """责任编辑：… 联系电话：… 地址：… 共印：N份, in any order, on one line or several."""
        text = para.text.replace("\u3000", " ").replace("\t", " ")
        labels = list(_LABEL_RE.finditer(text))
        # a fax written after the phone: 0571-8806 2317　0571-8806 2318（传真）
        for i, match in enumerate(labels):
            end = labels[i + 1].start() if i + 1 < len(labels) else len(text)
            label = re.sub(r"\s", "", match.group(1))
            value = text[match.end() : end].strip(" ：:;；，,")
            if label == "责任编辑":
                self.front.editor = value
            elif label in ("联系电话", "电话"):
                fax = re.search(r"(\d[\d\-]*(?: \d+)?)\s*[（(]\s*传真\s*[）)]", value)
                if fax:
                    self.front.fax = fax.group(1).strip()
                    value = value[: fax.start()].strip()
                self.front.phone = value
            elif label == "传真":
                self.front.fax = value
            elif label == "地址":
                self.front.address = value
            elif label in ("共印", "印数"):
                number = re.search(r"([0-9]+)", value)
                if number:
                    self.front.print_run = int(number.group(1))
                else:
                    self.warn(para.number, f"cannot read the print run in '{_short(para.text)}'")
            elif label == "抄送":
                self.front.cc = value
            else:
                self.warn(para.number, f"colophon line '{label}：{_short(value)}' has no place in the house; not imported")
        if labels and text[: labels[0].start()].strip():
            self.warn(para.number, f"colophon text '{_short(text[: labels[0].start()])}' not imported")

    def front_line(self, para: Para) -> bool:
        """Recognise one line above the title; True when it was used."""
        text = para.text.strip(" \t\u3000\xa0")
        if "征求意见稿" in text:
            self.front.draft = True
            text = text.replace("征求意见稿", "").strip(" \t\u3000\xa0")
            if not text:
                return True
        style = para.style.lower()
        recipients = _RECIPIENTS.match(text)
        if recipients:
            self.front.kind = recipients.group(1)
            rest = recipients.group(2)
            parts = re.split(r"\t|\s{2,}|\u3000{2,}", rest, maxsplit=1)
            names, tail = parts[0], parts[1] if len(parts) > 1 else ""
            mark = _CLASSIFICATION.search(tail) if tail else None
            if mark:
                self.front.classification = mark.group(0).strip()
            elif tail.strip():
                names = rest
            self.front.recipients = [n.strip() for n in re.split(r"[、，,；;]", names.strip()) if n.strip()]
            return True
        if style == "control line":
            mark = _CLASSIFICATION.search(text)
            if mark:
                self.front.classification = mark.group(0).strip()
            return True
        issue = _ISSUE_LINE.search(text)
        if issue and self.front.issue is None and len(text) <= 40:
            self.front.issue = _number(issue.group(1))
            if issue.group(2):
                self.front.total = int(issue.group(2))
            before = text[: issue.start()]
            if find_date(text) and self.front.date is None:
                self.front.date = find_date(text)
            elif before.strip() and not _DATE.search(before) and not re.fullmatch(r"[0-9〇一二三四五六七八九零]{4}\s*年\s*", before.strip()):
                self.warn(para.number, f"text '{_short(before)}' beside the issue line not imported")
            return True
        date = find_date(text)
        if date and self.front.date is None and len(text) <= 60:
            self.front.date = date
            self.front.publisher = _DATE.sub("", text).strip(" \t\u3000")
            return True
        if (para.red and para.size >= 20) or style == "masthead":
            self.front.masthead = re.sub(r"[\s\u3000]+", "", text)
            return True
        mark = _CLASSIFICATION.fullmatch(text.replace("\u3000", " ").strip())
        if mark:
            self.front.classification = text.replace("\u3000", " ").strip()
            return True
        if style == "tagline" or (self.config.series.tagline and para.bare == self.config.series.tagline):
            if para.bare != re.sub(r"\s", "", self.config.series.tagline):
                self.warn(para.number, f"tagline '{_short(text)}' differs from bulletin.toml "
                                       f"'{self.config.series.tagline}'")
            return True
        return False

    # -- the whole document

    def run(self, blocks: list[Block]) -> None:
        colophon_blocks = self._colophon_tail(blocks)
        # text boxes: colophon lines go to the colophon; the front is read from them too
        start = self._front(blocks)
        body_size = self._body_size(blocks[start:])
        start = self._title(blocks, start, body_size)
        for index in range(start, len(blocks)):
            if index in colophon_blocks:
                self._colophon_block(blocks[index])
                continue
            self.block(blocks[index], blocks, index)
        self._flush_list()
        for key, number in list(self.notes.items()):
            para = self.reader.note(key)
            text = inline(_lstrip(para.segments), {}) if para else ""
            text = text.replace("\\\n", " ")
            self.note_text.append(f"[^{number}]: {text}" if text else f"[^{number}]: 【待填：脚注】")
            if not text:
                self.warn(0, f"footnote {number} is empty in the Word file")

    def _colophon_tail(self, blocks: list[Block]) -> set[int]:
        """The blocks at the end that form the colophon (with empty ones between them)."""
        found: set[int] = set()
        for index in range(len(blocks) - 1, -1, -1):
            block = blocks[index]
            if block.para is not None:
                para = block.para
                if _is_colophon(para) or para.style.lower() == "colophon":
                    found.add(index)
                    continue
                if not para.text.strip(" \t\u3000\xa0") and not para.images and not para.boxes:
                    continue
                if para.boxes and all(_is_colophon(p) or not p.text.strip() for box in para.boxes for p in box) \
                        and not para.text.strip(" \t\u3000\xa0"):
                    found.add(index)
                    continue
                break
            rows = block.rows or []
            cells = [c for row in rows for c in row if c.text.strip(" \t\u3000\xa0")]
            if cells and all(_is_colophon(c) for c in cells):
                found.add(index)
                continue
            break
        return found

    def _colophon_block(self, block: Block) -> None:
        if block.para is not None:
            if block.para.text.strip():
                self.colophon(block.para)
            for box in block.para.boxes:
                for p in box:
                    if p.text.strip():
                        self.colophon(p)
            return
        for row in block.rows or []:
            for cell in row:
                if cell.text.strip():
                    for line in _split_lines(cell):
                        self.colophon(line)

    def _front(self, blocks: list[Block]) -> int:
        """Read the lines above the title; the index of the first block after them."""
        rule_at = None
        for index, block in enumerate(blocks[:40]):
            para = block.para
            if para is not None and (para.rule or para.style.lower() == "red rule"):
                rule_at = index
                break
        limit = rule_at if rule_at is not None else min(len(blocks), 12)
        last = -1
        for index in range(limit):
            block = blocks[index]
            paras: list[Para] = []
            if block.para is not None:
                paras = [block.para] + [p for box in block.para.boxes for p in box]
            else:
                paras = [line for row in block.rows or [] for cell in row for line in _split_lines(cell)]
            used = False
            for para in paras:
                if not para.text.strip(" \t\u3000\xa0"):
                    continue
                if self.front_line(para):
                    used = True
                elif rule_at is not None:
                    self.warn(para.number, f"text above the red rule not recognised; not imported: "
                                           f"'{_short(para.text)}'")
            if block.para is not None and block.para.images:
                self.warn(block.number, "an image above the red rule (a masthead picture?) was not imported")
            if used:
                last = index
        return (rule_at + 1) if rule_at is not None else last + 1

    def _body_size(self, blocks: list[Block]) -> float:
        sizes: Counter[float] = Counter()
        for block in blocks:
            if block.para is not None and block.para.size and block.para.align != "center":
                sizes[block.para.size] += len(block.para.bare)
        return sizes.most_common(1)[0][0] if sizes else 0.0

    def _title(self, blocks: list[Block], start: int, body_size: float) -> int:
        """Find the title (and 编者按) after the front; the index where the body starts."""
        window: list[int] = []
        candidates: dict[int, Para] = {}  # the paragraph of each index in the window
        for index in range(start, min(len(blocks), start + 12)):
            para = blocks[index].para
            if para is None:
                break
            if not para.text.strip(" \t\u3000\xa0") and not para.boxes:
                continue
            if _EDITOR_NOTE.match(para.text.strip(" \t\u3000")) or _heading_level(para):
                break
            window.append(index)
            candidates[index] = para
            if len(window) >= 4:
                break
        chosen: list[int] = []
        styled = [i for i in window if candidates[i].style.lower() == "title"]
        if styled:
            chosen = styled[:1]
        elif window:
            biggest = max(candidates[i].size for i in window)
            if biggest > body_size:
                first = next(i for i in window if candidates[i].size == biggest)
                chosen = [first]
                for i in window[window.index(first) + 1 :]:
                    para = candidates[i]
                    if para.size == biggest and para.text.strip()[-1:] not in _SENTENCE_END:
                        chosen.append(i)
                    else:
                        break
            else:
                centred = [i for i in window if candidates[i].align == "center"]
                chosen = centred[:1]
        for index in window:
            if chosen and index < chosen[0]:
                para = blocks[index].para
                if para is not None and not self.front_line(para):
                    # between the rule and the title: keep as the first body lines
                    self.warn(para.number, f"text above the title placed at the start of the body: '{_short(para.text)}'")
                    self.block(blocks[index], blocks, index)
        if not chosen:
            self.warn(blocks[start].number if start < len(blocks) else 0, "no title found (the largest text after the "
                                                                          "red rule); write it into the front matter")
            return start
        for index in chosen:
            para = blocks[index].para
            assert para is not None
            lines = [line.strip(" \t\u3000") for line in re.split(r"\n", "".join(
                "\n" if s.linebreak else s.text for s in para.segments if not s.footnote))]
            for seg in para.segments:
                if seg.footnote:
                    note = self.reader.note(seg.footnote)
                    self.warn(para.number, "a footnote on the title has no place in the house; not imported: "
                                           f"'{_short(note.text if note else '')}'")
            for blob, ext in para.images:
                self.warn(para.number, "a picture in the title's paragraph was placed at the start of the body")
                self.image(para.number, blob, ext, "")
            self.front.title.extend(line for line in lines if line)
            for box in para.boxes:
                self._box(para, box)
        index = chosen[-1] + 1
        # 编者按: the paragraph starting with it, right after the title
        while index < len(blocks) and (para := blocks[index].para) is not None and not para.text.strip() \
                and not para.images and not para.boxes:
            index += 1
        if index < len(blocks) and blocks[index].para is not None:
            para = blocks[index].para
            assert para is not None
            match = _EDITOR_NOTE.match(para.text.lstrip(" \t\u3000"))
            if match or para.style.lower() == "editor note":
                lead = len(para.text) - len(para.text.lstrip(" \t\u3000")) + (match.end() if match else 0)
                segments = _strip(para.segments, lead)
                uniform = {(s.strong, s.emphasis) for s in segments if s.text.strip()}
                self.front.editor_note = inline(segments, self.notes_for(segments), plain=len(uniform) == 1)
                index += 1
                # the house's own DOCX: a note of several paragraphs, each in the note's style
                while index < len(blocks) and (note := blocks[index].para) is not None \
                        and note.style.lower() == "editor note":
                    more = _lstrip(note.segments)
                    self.front.editor_note += "\n\n" + inline(more, self.notes_for(more))
                    index += 1
        return index

    def notes_for(self, segments: list[Segment]) -> dict[str, int]:
        for seg in segments:
            if seg.footnote and seg.footnote not in self.notes:
                self.notes[seg.footnote] = len(self.notes) + 1
        return self.notes

    # -- body blocks

    def block(self, block: Block, blocks: list[Block], index: int) -> None:
        if block.rows is not None:
            self._flush_list()
            cells = [c for row in block.rows for c in row if c.text.strip(" \t\u3000\xa0")]
            if cells and all(_is_colophon(line) for c in cells for line in _split_lines(c) if line.text.strip()):
                self._colophon_block(block)
            else:
                self.table(block)
            return
        para = block.para
        assert para is not None
        for box in para.boxes:
            self._box(para, box)
        if para.images:
            self._flush_list()
            caption = ""
            following = blocks[index + 1].para if index + 1 < len(blocks) else None
            if following is not None and self._is_caption(following):
                caption = following.text.strip(" \t\u3000")
                following.segments = []
            for blob, ext in para.images:
                self.image(para.number, blob, ext, caption)
                caption = ""
        segments = _lstrip(para.segments)
        if not segments:
            if para.border and not para.rule and not para.in_table:
                self._flush_list()
                self.body.append("---")  # a rule across the body: a thematic break
            return
        style = para.style.lower()
        if style and style not in PLAIN_STYLES and not re.match(r"^(heading|标题)\s*[1-9]$", style) \
                and not style.startswith("list") and style not in ("quote", "caption", "题注", "引用"):
            self.warn(para.number, f"unknown style '{para.style}': read as a body paragraph")
        if style == "caption":
            self._flush_list()
            self.warn(para.number, f"a caption with no image before it was read as a paragraph: '{_short(para.text)}'")
        heading = _heading_level(para)
        if heading:
            self._flush_list()
            self.heading(para, segments, *heading)
            return
        if para.numbering or style.startswith("list"):
            fmt = self.reader.numbering.get(para.numbering, "bullet" if "bullet" in style else "decimal") \
                if para.numbering else ("bullet" if "bullet" in style else "decimal")
            marker = "-" if fmt == "bullet" else "1."
            level = min(para.numbering[1] if para.numbering else 0, len(self.pending_list))
            self._list_kind(marker, level)
            self.pending_list.append(f"{'    ' * level}{marker} {inline(segments, self.notes_for(segments))}")
            return
        text = para.text.strip(" \t\u3000\xa0")
        if len(text) > 1 and text[0] in _BULLETS and (text[0] in "●•▪■◆►▶" or text[1] in " \u3000\t"):
            self._list_kind("-")
            self.pending_list.append(f"- {inline(_strip(segments, 1), self.notes_for(segments))}")
            return
        self._flush_list()
        body = _line_start(inline(segments, self.notes_for(segments)))
        if style in ("quote", "引用"):
            body = "> " + body.replace("\n", "\n> ")
        self.body.append(body)

    def _list_kind(self, marker: str, level: int = 0) -> None:
        """Start a new list when the marker changes (a bullet list after a numbered one)."""
        if self.pending_list and level == 0 and not self.pending_list[0].startswith(marker + " "):
            self._flush_list()

    def _flush_list(self) -> None:
        if self.pending_list:
            self.body.append("\n".join(self.pending_list))
            self.pending_list = []

    def _is_caption(self, para: Para) -> bool:
        text = para.text.strip(" \t\u3000")
        if not text or para.images:
            return False
        if para.style.lower() in ("caption", "题注"):
            return True
        return len(text) <= 40 and text[-1] not in _SENTENCE_END and (para.align == "center" or text.startswith("图"))

    def _box(self, anchor: Para, box: list[Para]) -> None:
        texts = [p for p in box if p.text.strip(" \t\u3000\xa0")]
        for p in box:
            for blob, ext in p.images:
                self.warn(anchor.number, "a picture in a text box cannot be placed; it follows the paragraph")
                self.image(anchor.number, blob, ext, "")
            for inner in p.boxes:
                self._box(anchor, inner)
        if not texts:
            return
        if all(_is_colophon(p) for p in texts):
            for p in texts:
                self.colophon(p)
            return
        self.warn(anchor.number, f"a text box cannot be placed; its text follows the paragraph as body text: "
                                 f"'{_short(texts[0].text)}'")
        for p in texts:
            self.body.append(_line_start(inline(_lstrip(p.segments), self.notes_for(p.segments))))

    def heading(self, para: Para, segments: list[Segment], level: int, typed: re.Match[str] | None) -> None:
        self.counts[level] += 1
        for deeper in range(level + 1, len(self.counts)):
            self.counts[deeper] = 0
        if typed is not None:
            written = re.sub(r"\s", "", typed.group(0)).replace("．", ".").replace("(", "（").replace(")", "）")
            if written == heading_label(level, self.counts[level]):
                lead = len(para.text) - len(para.text.lstrip(" \t\u3000\xa0"))
                segments = _strip(para.segments, lead + typed.end())
        text = inline(segments, self.notes_for(segments), plain=True).replace("\\\n", "")
        self.body.append("#" * (level + 1) + " " + text)

    def image(self, number: int, blob: bytes, ext: str, caption: str) -> None:
        ext = {"jpeg": "jpg"}.get(ext, ext)
        if ext not in ("png", "jpg"):
            converted = _to_png(blob)
            if converted is None:
                self.warn(number, f"a {ext.upper()} image was saved as it is; convert it to PNG for the house")
            else:
                blob, ext = converted, "png"
        name = f"images/{self.stem}-{len(self.images) + 1}.{ext}"
        self.images.append((name, blob))
        alt = _escape(caption).replace("\n", " ")
        if not alt.strip():
            # the house prints every picture with its caption, which is also its description in the PDF
            self.warn(number, f"picture {name} has no caption; write one in place of {_placeholder('图题')}")
            alt = _placeholder("图题")
        self.body.append(f"![{alt}]({name})")

    def table(self, block: Block) -> None:
        rows = block.rows or []
        rows = [row for row in rows if row]
        if not rows:
            return
        width = max(len(row) for row in rows)
        lines = []
        for i, row in enumerate(rows):
            cells = []
            for cell in row + [Para(0, [], in_table=True)] * (width - len(row)):
                for box in cell.boxes:
                    self._box(cell, box)
                if cell.images:
                    self.warn(block.number, "an image inside a table cannot be placed; it follows the table")
                text = inline(_lstrip(cell.segments), self.notes_for(cell.segments), table=True)
                cells.append(text.replace("\n", " ") or " ")
            lines.append("| " + " | ".join(cells) + " |")
            if i == 0:
                model = rows[1] if len(rows) > 1 else row
                marks = {"right": "---:", "end": "---:", "center": ":---:", "left": ":---", "start": ":---"}
                lines.append("| " + " | ".join(
                    marks.get(cell.direct_align, "---") for cell in model + [Para(0, [])] * (width - len(model))
                ) + " |")
        self.body.append("\n".join(lines))
        for row in rows:
            for cell in row:
                for blob, ext in cell.images:
                    self.image(block.number, blob, ext, "")


def _to_png(blob: bytes) -> bytes | None:
    """A raster image Pillow can read (GIF, BMP, TIFF…) as PNG; None for what it cannot (EMF, WMF)."""
    import warnings

    from PIL import Image, UnidentifiedImageError

    from bulletin.checks.images import MAX_PIXELS

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(blob)) as image:
                if image.width * image.height > MAX_PIXELS:
                    return None
                image.load()
                out = io.BytesIO()
                image.convert("RGBA" if "A" in image.getbands() or "transparency" in image.info else "RGB").save(
                    out, "PNG")
                return out.getvalue()
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError, Warning, Image.DecompressionBombError):
        return None


def _split_lines(cell: Para) -> list[Para]:
    """A table cell's paragraphs (joined with line breaks) back as separate lines."""
    lines: list[Para] = []
    current: list[Segment] = []
    for seg in cell.segments:
        if seg.linebreak:
            lines.append(Para(cell.number, current, in_table=True))
            current = []
        else:
            current.append(seg)
    lines.append(Para(cell.number, current, in_table=True))
    return lines


# ---------------------------------------------------------------- the issue file


_PLAIN_YAML = re.compile(r"^[^\s\-?:,\[\]{}#&*!|>'\"%@`0-9][^:#\[\]{},]*$")


def _yaml_text(value: str) -> str:
    value = value.strip()
    if _PLAIN_YAML.match(value) and not value.endswith(" ") and value not in ("null", "true", "false", "yes", "no"):
        return value
    return json.dumps(value, ensure_ascii=False)


def _placeholder(what: str) -> str:
    return f"【待填：{what}】"


def import_docx(path: Path, config: Config) -> Imported:
    """Read the Word file at `path` and map it to an issue file's text and images."""
    document = read_docx(path)
    reader = Reader(document, path)
    try:
        blocks = list(reader.blocks(document.element.body))
    except (ValueError, KeyError) as exc:
        raise ImportProblem(f"damaged Word file ({exc})", path) from None
    if not any((b.para and b.para.text.strip()) or b.rows for b in blocks):
        raise ImportProblem("the Word file has no text", path)
    read_warnings = len(reader.warnings)
    front_probe = Mapper(reader, config, "000")
    front_probe._front(blocks)
    for block in blocks:  # the issue line may sit in a text box or a table anywhere on page 1
        if front_probe.front.issue is not None and front_probe.front.date is not None:
            break
        for para in _all_paras(block):
            if front_probe.front.issue is None and _ISSUE_LINE.search(para.text) and len(para.text.strip()) <= 40:
                front_probe.front_line(para)
            if front_probe.front.date is None and find_date(para.text) and len(para.text.strip()) <= 60:
                front_probe.front.date = find_date(para.text)
    issue, date = front_probe.front.issue, front_probe.front.date
    if issue is None:
        raise ImportProblem("no issue line 第N期 found; cannot tell the issue's number", path)
    if date is None:
        raise ImportProblem("no date (2025年11月3日 or 二〇二五年十一月三日) found; cannot tell the issue's year", path)
    del reader.warnings[read_warnings:]
    mapper = Mapper(reader, config, f"{issue:03d}")
    mapper.run(blocks)
    front = mapper.front
    front.issue, front.date = issue, date
    if front.total is None:
        front.total = front_probe.front.total
    _headers(document, reader)
    _compare(front, config, reader)
    text = render(front, mapper)
    warnings = [
        f"{display_path(path)}: paragraph {number}: {message}" if number else f"{display_path(path)}: {message}"
        for number, message in reader.warnings
    ]
    return Imported(date.year, issue, text, mapper.images, warnings)


def _all_paras(block: Block) -> list[Para]:
    if block.para is not None:
        return [block.para] + [p for box in block.para.boxes for p in box]
    return [line for row in block.rows or [] for cell in row for line in _split_lines(cell)]


def _headers(document: Any, reader: Reader) -> None:
    """Header and footer text other than page numbers has no place in the house: say so."""
    seen: set[str] = set()
    for section in document.sections:
        for part in (section.header, section.footer, section.first_page_header, section.first_page_footer,
                     section.even_page_header, section.even_page_footer):
            try:
                if part.is_linked_to_previous:
                    continue
                text = " ".join(p.text for p in part.paragraphs).strip()
            except (ValueError, KeyError):
                continue
            if text and not _PAGE_NUMBER.match(text) and text not in seen:
                seen.add(text)
                reader.warn(0, f"header or footer text not imported: '{_short(text)}'")


def _norm(text: str) -> str:
    return re.sub(r"[\s\u3000\-－—()（）]", "", text)


def _compare(front: Front, config: Config, reader: Reader) -> None:
    """Colophon and masthead values that differ from bulletin.toml: the house's values will print."""
    contact = config.contact
    for label, found, house in (("phone", front.phone, contact.phone), ("fax", front.fax, contact.fax),
                                ("address", front.address, contact.address)):
        if found and _norm(found) != _norm(house):
            reader.warn(0, f"colophon {label} '{found}' differs from bulletin.toml '{house}'; the issue will print "
                           f"bulletin.toml's")
    series = config.series
    if front.masthead and _norm(series.name) not in _norm(front.masthead):
        reader.warn(0, f"masthead '{front.masthead}' differs from bulletin.toml '{series.name}'")
    if front.kind and front.kind not in (series.kind, "送", "报送", "呈送", "送阅", "报"):
        reader.warn(0, f"本期{front.kind} differs from bulletin.toml's kind '{series.kind}'")
    if front.publisher and _norm(front.publisher) != _norm(series.publisher):
        reader.warn(0, f"publisher '{front.publisher}' differs from bulletin.toml '{series.publisher}'")
    missing = [name for name, value in (("总第M期", front.total),
                                        ("title", front.title), ("责任编辑", front.editor),
                                        ("共印：N份", front.print_run)) if value in (None, "", [])]
    for name in missing:
        reader.warn(0, f"no {name} found; a placeholder 【待填】 was written for it")


def render(front: Front, mapper: Mapper) -> str:
    """The issue file: front matter, body, footnotes."""
    lines = ["---", f"issue: {front.issue}"]
    lines.append(f"total: {front.total if front.total is not None else _placeholder('总期号')}")
    lines.append(f"date: {front.date.isoformat() if front.date else _placeholder('日期')}")
    title = "|".join(front.title) if front.title else _placeholder("标题")
    lines.append(f"title: {_yaml_text(title)}")
    names = front.recipients or []
    lines.append("recipients: [" + ", ".join(_yaml_text(n) for n in names) + "]")
    lines.append(f"editor: {_yaml_text(front.editor) if front.editor else _placeholder('责任编辑')}")
    lines.append(f"print_run: {front.print_run if front.print_run else _placeholder('印数')}")
    if front.classification:
        lines.append(f"classification: {_yaml_text(front.classification)}")
    if front.cc:
        lines.append(f"cc: {_yaml_text(front.cc)}")
    if front.draft:
        lines.append("status: draft")
    if front.editor_note:
        lines.append("editor_note: |")
        lines.extend(("  " + line) if line else "" for line in front.editor_note.split("\n"))
    lines.append("---")
    parts = ["\n".join(lines), *mapper.body]
    if mapper.note_text:
        parts.append("\n".join(mapper.note_text))
    return "\n\n".join(parts) + "\n"


def write_imported(imported: Imported, out_root: Path, force: bool) -> Path:
    """Write the issue file and its images under `out_root`/YYYY/; all of them or none."""
    target = out_root / str(imported.year) / f"{imported.issue:03d}.md"
    files = [(target.parent / name, blob) for name, blob in imported.images] + [(target, imported.text.encode())]
    if not force:
        for path, _ in files:
            if path.exists() or path.is_symlink():
                raise UsageError(f"{display_path(path)} exists already; add --force to replace it")
    written: list[Path] = []
    try:
        for path, data in files:
            existed = path.exists()
            atomic_write(path, data)
            if not existed:
                written.append(path)
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        raise
    return target
