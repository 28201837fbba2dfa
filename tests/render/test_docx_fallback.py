"""The DOCX on a machine without the office fonts: what a reader substitutes, and whether the grid holds.

The DOCX names the faces Chinese offices install (仿宋_GB2312, 黑体 …). Its font table
says what kind each is (class, PANOSE, GB2312, the names the same face has on Windows,
the Mac and in WPS) and every run's East Asian language is zh-CN, so Word and WPS
substitute a face of the right kind and a Chinese one, never Japanese glyph variants.

The DOCX also carries the house faces, cut to the characters the issue sets in each
(docs/docx.md, "Embedded faces"): a reader without the named face uses the copy.

LibreOffice stands in for such a machine: Debian's fonts-noto-cjk and nothing else
(no house fonts, no office fonts), a fresh profile. pdfplumber measures its PDF. A
glyph drawn from a face the DOCX carries is recognised by its outline, the same as
that face's outline for the character; one drawn from the Noto CJK collections by its
CID in the embedded subset, matched against the collections' cmaps (the regional faces
share outlines and differ in which glyph a character maps to).
"""
from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import zipfile
from collections import Counter
from dataclasses import replace
from functools import lru_cache
from pathlib import Path

import pdfplumber
import pytest
from docx import Document
from docx.oxml.ns import qn
from fontTools import t1Lib
from fontTools.ttLib import TTCollection, TTFont
from lxml import etree
from pypdf import PdfReader

from bulletin.config import Config
from bulletin.house import GEOMETRY
from bulletin.model import FootnoteRef, Paragraph, Text
from bulletin.pipeline import load, output_path
from bulletin.render import docx_xml
from bulletin.render.docx import render_docx
from tests.conftest import ROOT, SAMPLES
from tests.pdfmeasure import LEFT, RIGHT
from tests.render.docx_factory import config, full_issue
from tests.render.test_docx_libreoffice import EDGE, Line, body, lines_of

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
SOFFICE = shutil.which("soffice")
NOTO = Path("/usr/share/fonts/opentype/noto")
COLLECTIONS = {"Sans": NOTO / "NotoSansCJK-Regular.ttc", "Serif": NOTO / "NotoSerifCJK-Regular.ttc"}
HAN = re.compile(r"[\u3400-\u9fff]")


def xml(data: bytes, name: str) -> etree._Element:
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        return etree.fromstring(package.read(name))


# ---------------------------------------------------------------- the package itself


@pytest.fixture(scope="module")
def sample_docx(sample_config: Config) -> bytes:
    return render_docx(load(SAMPLES[0], sample_config), sample_config)


def test_every_face_says_what_kind_it_is_and_its_other_names(sample_docx: bytes, sample_config: Config) -> None:
    fonts = {font.get(f"{W}name"): font for font in xml(sample_docx, "word/fontTable.xml").iter(f"{W}font")}
    named = sample_config.docx_fonts
    # the role of each name, the class a substitute must have, and a name the Mac installs it under
    expected = {
        named.body: ("roman", "华文仿宋"), named.heading2: ("roman", "STKaiti"), named.heading1: ("swiss", "STHeiti"),
        named.page_number: ("roman", "STSong"), named.title: ("roman", "华文中宋"), named.latin: ("roman", "Times"),
    }
    assert set(fonts) == set(expected)
    for name, (family, mac) in expected.items():
        font = fonts[name]
        assert [child.tag.removeprefix(W) for child in font][:5] == ["altName", "panose1", "charset", "family", "pitch"]
        assert font.find(f"{W}family").get(f"{W}val") == family, name
        alternatives = font.find(f"{W}altName").get(f"{W}val").split(",")
        assert mac in alternatives and name not in alternatives, name
        panose = font.find(f"{W}panose1").get(f"{W}val")
        assert re.fullmatch(r"[0-9A-F]{20}", panose), name
        # PANOSE serif style: 0B (sans) for 黑体 only, a serif style for the others
        assert (panose[2:4] == "0B") == (family == "swiss"), name
        latin = name == named.latin
        assert font.find(f"{W}charset").get(f"{W}val") == ("00" if latin else "86"), name
        assert font.find(f"{W}pitch").get(f"{W}val") == "variable", name  # a fixed pitch leads to mono faces
    # the Windows names of the GB2312 faces, for a reader that knows only those
    assert "FangSong_GB2312" in fonts[named.body].find(f"{W}altName").get(f"{W}val").split(",")


def test_every_run_is_chinese_of_china(sample_docx: bytes) -> None:
    styles = xml(sample_docx, "word/styles.xml")
    default = styles.find(f"{W}docDefaults/{W}rPrDefault/{W}rPr/{W}lang")
    assert default is not None and default.get(f"{W}eastAsia") == "zh-CN"
    # no style or run may set another East Asian language
    for name in ("word/styles.xml", "word/document.xml", "word/footnotes.xml"):
        for lang in xml(sample_docx, name).iter(f"{W}lang"):
            assert lang.get(f"{W}eastAsia") in (None, "zh-CN"), name
    assert xml(sample_docx, "word/settings.xml").find(f"{W}themeFontLang").get(f"{W}eastAsia") == "zh-CN"


def test_a_note_referenced_twice_is_a_footnote_reference_both_times(tmp_path: Path) -> None:
    issue = full_issue(tmp_path)
    note = issue.footnotes[0].number
    again = Paragraph((Text("再次引用同一资料。"), FootnoteRef(note), Text("正文继续。")))
    twice = replace(issue, body=(*issue.body, again))
    data = render_docx(twice, config(tmp_path))
    document = Document(io.BytesIO(data))
    refs = [ref.get(qn("w:id")) for ref in document.element.body.iter(qn("w:footnoteReference"))]
    assert len(refs) == len(issue.footnotes) + 1 and len(set(refs)) == len(refs)
    notes = {n.get(f"{W}id"): "".join(t.text for t in n.iter(f"{W}t")) for n in xml(data, "word/footnotes.xml")}
    first = next(p for p in document.element.body.iter(qn("w:p")) if p.find(f".//{W}footnoteReference") is not None)
    assert notes[refs[-1]] == notes[first.find(f".//{W}footnoteReference").get(f"{W}id")]
    last = [p for p in document.paragraphs if p.text.startswith("再次引用")][0]
    assert last.text == "再次引用同一资料。正文继续。"  # no plain number stands in for the mark


# ---------------------------------------------------------------- through LibreOffice with Noto CJK only


def noto_machine(folder: Path) -> dict[str, str]:
    """The environment of a Debian machine with fonts-noto-cjk and no office fonts: system fonts only."""
    conf = folder / "fonts.conf"
    conf.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">\n<fontconfig>\n'
        "  <dir>/usr/share/fonts</dir>\n"
        f"  <cachedir>{folder / 'fc-cache'}</cachedir>\n"
        '  <include ignore_missing="yes">/etc/fonts/conf.d</include>\n'
        "</fontconfig>\n",
        encoding="utf-8",
    )
    home = folder / "home"
    home.mkdir(exist_ok=True)
    return dict(os.environ, HOME=str(home), FONTCONFIG_FILE=str(conf))


def on_noto_machine(test):
    """Marks for a test that needs LibreOffice and Debian's Noto CJK collections."""
    test = pytest.mark.skipif(SOFFICE is None, reason="LibreOffice is not installed (./dev test installs it)")(test)
    test = pytest.mark.skipif(
        not all(path.exists() for path in COLLECTIONS.values()),
        reason="Debian's fonts-noto-cjk is not installed (./dev test installs it)",
    )(test)
    return pytest.mark.slow(test)


@pytest.fixture(scope="module")
def on_noto(
    tmp_path_factory: pytest.TempPathFactory, sample_build: Path, sample_config: Config
) -> dict[str, tuple[Path, Path, Path]]:
    """Each sample: its PDF edition, LibreOffice's PDF of its DOCX on the Noto-only machine, and the DOCX."""
    folder = tmp_path_factory.mktemp("noto")
    sources, pdfs = [], []
    for sample in SAMPLES:
        docx = folder / f"{sample.parent.name}-{sample.stem}.docx"
        shutil.copy(output_path(sample_config, sample, sample_build, "docx"), docx)
        sources.append(docx)
        pdfs.append(output_path(sample_config, sample, sample_build, "pdf"))
    assert SOFFICE is not None
    # one LibreOffice per file, as a reader opens one bulletin: within a session LibreOffice
    # keeps the first document's embedded faces for every later one of the same name
    for source in sources:
        subprocess.run(
            [SOFFICE, "--headless", "--norestore", "--convert-to", "pdf", "--outdir", str(folder), str(source)],
            env=noto_machine(folder), check=True, capture_output=True, timeout=300,
        )
    return {source.stem: (pdf, folder / f"{source.stem}.pdf", source) for source, pdf in zip(sources, pdfs)}


@lru_cache(maxsize=None)
def noto_cmaps() -> dict[str, dict[int, int]]:
    """Each Noto CJK face ('Serif SC', 'Sans JP' …): character → CID."""
    faces = {}
    for style, path in COLLECTIONS.items():
        for font in TTCollection(str(path), lazy=True).fonts:
            family = font["name"].getDebugName(1)  # Noto Serif CJK SC
            faces[f"{style} {family.rsplit(' ', 1)[-1]}"] = {
                code: int(glyph.removeprefix("cid")) for code, glyph in font.getBestCmap().items()
            }
    return faces


def _to_unicode(stream: bytes) -> dict[int, str]:
    """A ToUnicode CMap's single-code mappings (bfchar and bfrange)."""
    text = stream.decode("latin-1")
    found: dict[int, str] = {}
    for block in re.findall(r"beginbfchar(.*?)endbfchar", text, re.S):
        for code, uni in re.findall(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            found[int(code, 16)] = bytes.fromhex(uni).decode("utf-16-be")
    for block in re.findall(r"beginbfrange(.*?)endbfrange", text, re.S):
        for start, end, uni in re.findall(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            first = int.from_bytes(bytes.fromhex(uni), "big")
            for offset, code in enumerate(range(int(start, 16), int(end, 16) + 1)):
                found[code] = chr(first + offset)
    return found


def cjk_faces(pdf: Path, tmp: Path) -> dict[str, set[str]]:
    """For each Noto CJK face that could have drawn a Han character of the PDF, those characters.

    Every embedded subset LibreOffice wrote for a Noto CJK collection is read: its glyph
    names carry the CIDs, its ToUnicode map the characters. (The collections are CFF,
    which LibreOffice writes as Type 1; a TrueType font is a face the DOCX carries, even
    one cut from Noto, and `house_fonts` tells those.) A character counts for a
    face when that face maps it to the CID drawn; only characters the faces disagree
    on tell them apart, so each face's set is the characters it explains, and a face
    that explains fewer than all was not the one used.
    """
    cmaps = noto_cmaps()
    drawn: dict[str, dict[str, int]] = {}  # style (Sans, Serif) → character → CID
    for page in PdfReader(pdf).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            name = str(font["/BaseFont"])
            style = "Serif" if "NotoSerifCJK" in name else "Sans" if "NotoSansCJK" in name else None
            descriptor = font["/FontDescriptor"].get_object()
            if style is None or "/ToUnicode" not in font or "/FontFile" not in descriptor:
                continue
            program = descriptor["/FontFile"].get_object().get_data()
            path = tmp / "subset.pfa"
            path.write_bytes(program)
            t1 = t1Lib.T1Font(str(path))
            t1.parse()
            encoding = t1.font["Encoding"]
            for code, char in _to_unicode(font["/ToUnicode"].get_object().get_data()).items():
                glyph = encoding[code] if code < len(encoding) else ".notdef"
                if HAN.match(char) and glyph.startswith("cid"):
                    drawn.setdefault(style, {})[char] = int(glyph[3:])
    found: dict[str, set[str]] = {}
    for style, chars in drawn.items():
        for face, cmap in cmaps.items():
            if face.startswith(style):
                found[face] = {char for char, cid in chars.items() if cmap.get(ord(char)) == cid}
                found.setdefault(f"{style} *", set()).update(chars)
    return found


def embedded_fonts(docx: bytes) -> dict[str, TTFont]:
    """The faces a DOCX carries, by their name in its font table, each read back with its key.

    ECMA-376 Part 1, §17.8.1: the part's first 32 bytes are XOR'd with the font key's
    16 bytes, taken from the last byte of the GUID to the first.
    """
    fonts: dict[str, TTFont] = {}
    with zipfile.ZipFile(io.BytesIO(docx)) as package:
        rels = "word/_rels/fontTable.xml.rels"
        if rels not in package.namelist():
            return fonts
        targets = {rel.get("Id"): rel.get("Target") for rel in etree.fromstring(package.read(rels))}
        for font in etree.fromstring(package.read("word/fontTable.xml")).iter(f"{W}font"):
            for slot in font:
                if slot.tag in (f"{W}embedRegular", f"{W}embedBold"):
                    key = bytes.fromhex(slot.get(f"{W}fontKey").strip("{}").replace("-", ""))[::-1]
                    data = package.read(f"word/{targets[slot.get(f'{R}id')]}")
                    plain = bytes(byte ^ key[index % 16] for index, byte in enumerate(data[:32])) + data[32:]
                    fonts[font.get(f"{W}name")] = TTFont(io.BytesIO(plain))
    return fonts


def _outline(font: TTFont, glyph: str) -> tuple[tuple[int, ...], tuple[tuple[int, int], ...]]:
    outline = font["glyf"][glyph]
    if outline.numberOfContours <= 0:
        return (), ()
    return tuple(outline.endPtsOfContours), tuple(tuple(point) for point in outline.coordinates)


def house_fonts(pdf: Path, docx: bytes) -> dict[str, str]:
    """The PDF's fonts drawn from a face the DOCX carries: font name (as pdfplumber gives it) → the face's name.

    LibreOffice copies an embedded TrueType font's outlines into its PDF subsets; a
    subset is a face's when every Han character it draws has that face's outline.
    """
    faces = embedded_fonts(docx)
    found: dict[str, str] = {}
    for page in PdfReader(pdf).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descriptor = font["/FontDescriptor"].get_object() if "/FontDescriptor" in font else {}
            if "/FontFile2" not in descriptor or "/ToUnicode" not in font:
                continue
            drawn = TTFont(io.BytesIO(descriptor["/FontFile2"].get_object().get_data()))
            codes = drawn["cmap"].tables[0].cmap
            chars = {
                char: codes[code] for code, char in _to_unicode(font["/ToUnicode"].get_object().get_data()).items()
                if HAN.match(char) and code in codes
            }
            for name, face in faces.items():
                cmap = face.getBestCmap()
                if chars and all(
                    ord(char) in cmap and _outline(face, cmap[ord(char)]) == _outline(drawn, glyph)
                    for char, glyph in chars.items()
                ):
                    found[str(font["/BaseFont"]).removeprefix("/")] = name
    return found


def _drawn_by(faces: dict[str, set[str]], style: str) -> list[str]:
    """The faces of `style` that explain every Han character drawn in that style."""
    every = faces.get(f"{style} *", set())
    return [face for face, chars in faces.items() if face.startswith(style) and not face.endswith("*") and chars == every]


@on_noto_machine
def test_chinese_is_set_in_a_simplified_chinese_face_never_japanese(on_noto, tmp_path: Path) -> None:
    for name, (_, docx_pdf, docx) in on_noto.items():
        faces = cjk_faces(docx_pdf, tmp_path)
        styles = {face.split()[0] for face in faces}
        # the faces the DOCX carries are the house's Chinese ones; what they lack comes from Noto CJK
        assert styles or house_fonts(docx_pdf, docx.read_bytes()), name
        for style in styles:
            # the characters Japanese and Chinese faces map to different glyphs decide it
            assert _drawn_by(faces, style) == [f"{style} SC"], (name, style, {f: len(c) for f, c in faces.items()})


@on_noto_machine
def test_body_text_is_set_in_the_serif_face(on_noto, tmp_path: Path, sample_config: Config) -> None:
    fang = sample_config.docx_fonts.body
    for name, (_, docx_pdf, docx) in on_noto.items():
        house = house_fonts(docx_pdf, docx.read_bytes())
        han = [c for page in lines_of(docx_pdf) for line in body(page) for c in line.chars if HAN.match(c["text"])]
        drawn = Counter(house.get(c["fontname"], "") for c in han)
        # running text in the house 仿宋 the DOCX carries; headings, emphasis and quotes in its 黑体 and 楷体
        assert drawn[fang] > len(han) / 2, (name, drawn)
        assert set(drawn) <= set(house.values()), (name, drawn)  # nothing left to a face of the machine's
        faces = cjk_faces(docx_pdf, tmp_path)
        assert not {c["text"] for c in han} & faces.get("Sans *", set()) - faces.get("Serif *", set()), name


@on_noto_machine
def test_the_grid_and_the_page_count_hold_without_the_office_fonts(on_noto) -> None:
    full = 0
    for name, (own_pdf, docx_pdf, _) in on_noto.items():
        pages = lines_of(docx_pdf)
        with pdfplumber.open(own_pdf) as pdf:
            assert len(pages) == len(pdf.pages), name
        checked = short = 0
        for index, page in enumerate(pages[1:-1], start=2):
            lines = body(page)
            assert len(lines) <= GEOMETRY.lines_per_page, (name, index)
            full += len(lines) == GEOMETRY.lines_per_page
            for line in lines:
                # a closing mark LibreOffice hangs past the edge is not in the measure
                chars = [c for c in line.chars if c["x1"] <= RIGHT + EDGE]
                if line.x1 < RIGHT - EDGE or any(c["text"].isascii() for c in chars):
                    continue  # a last line, or one holding Latin letters or digits (half-width)
                indented = abs(line.x0 - LEFT) > EDGE
                cells = sum(1 for c in chars if c["size"] >= GEOMETRY.body_size - 1) + (2 if indented else 0)
                # 27 where the next character may not start a line or a number or Latin word follows
                assert cells in (GEOMETRY.chars_per_line - 1, GEOMETRY.chars_per_line), (name, index, line.text)
                checked += 1
                short += cells < GEOMETRY.chars_per_line
        assert checked >= 10 and short <= max(2, checked / 10), (name, short, checked)
    # pages of running text only hold the full 22 (tables, figures and notes take room on the others)
    assert full >= 5
