"""The house faces the DOCX carries: parts, keys, names, the characters each holds, the bytes."""
from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest
from docx import Document
from docx.oxml.ns import qn
from fontTools.ttLib import TTFont
from lxml import etree

from bulletin.config import Config
from bulletin.house import DocxFonts
from bulletin.model import Issue, Paragraph, Text
from bulletin.pipeline import load
from bulletin.render import docx_fonts
from bulletin.render.docx import render_docx
from tests.conftest import ROOT, SAMPLES
from tests.render.docx_factory import config
# the fixtures `issue` (every part of the model) and `data` (it rendered) are test_docx's
from tests.render.test_docx import all_paragraphs, data, east_asian_font, issue  # noqa: F401
from tests.render.test_docx_fallback import embedded_fonts

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
CT = "{http://schemas.openxmlformats.org/package/2006/content-types}"
RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
FONT_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/font"
OBFUSCATED = "application/vnd.openxmlformats-officedocument.obfuscatedFont"
GUID = re.compile(r"\{[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}\}")


def read(data: bytes, name: str) -> etree._Element:
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        return etree.fromstring(package.read(name))


def test_each_face_is_an_obfuscated_font_part_of_the_font_table(data: bytes) -> None:
    types = read(data, "[Content_Types].xml")
    overrides = {o.get("PartName"): o.get("ContentType") for o in types.iter(f"{CT}Override")}
    defaults = {d.get("Extension"): d.get("ContentType") for d in types.iter(f"{CT}Default")}
    rels = {rel.get("Id"): rel for rel in read(data, "word/_rels/fontTable.xml.rels").iter(f"{RELS}Relationship")}
    slots = [slot for font in read(data, "word/fontTable.xml").iter(f"{W}font") for slot in font
             if slot.tag.startswith(f"{W}embed")]
    fonts = DocxFonts()
    named = {slot.getparent().get(f"{W}name"): slot.tag.removeprefix(W) for slot in slots}
    # the five house faces; Times New Roman is left to the reader
    assert named == {fonts.body: "embedRegular", fonts.heading1: "embedRegular", fonts.heading2: "embedRegular",
                     fonts.page_number: "embedRegular", fonts.title: "embedBold"}
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        names = package.namelist()
        for slot in slots:
            rel = rels[slot.get(f"{R}id")]
            assert rel.get("Type") == FONT_REL and rel.get("TargetMode") is None
            part = f"/word/{rel.get('Target')}"
            assert part.endswith(".odttf") and part[1:] in names
            assert overrides.get(part, defaults.get("odttf")) == OBFUSCATED, part
            assert GUID.fullmatch(slot.get(f"{W}fontKey")), slot.get(f"{W}fontKey")
            assert slot.get(f"{W}subsetted") == "1"
            # obfuscated: the part does not open as a font as it stands
            with pytest.raises(Exception):
                TTFont(io.BytesIO(package.read(part[1:])))
    settings = read(data, "word/settings.xml")
    assert settings.find(f"{W}embedTrueTypeFonts") is not None and settings.find(f"{W}saveSubsetFonts") is not None


def test_the_obfuscation_is_the_spec_s() -> None:
    # ECMA-376 Part 1, §17.8.1: the key's bytes run from the GUID's last two hex digits to its first
    key = "{62E79491-959F-41E9-B76B-6B32631DEA5C}"
    font = bytes(range(40))
    hidden = docx_fonts.obfuscate(font, key)
    assert hidden[0] == 0x00 ^ 0x5C and hidden[1] == 0x01 ^ 0xEA and hidden[15] == 0x0F ^ 0x62
    assert hidden[16] == 0x10 ^ 0x5C and hidden[31] == 0x1F ^ 0x62
    assert hidden[32:] == font[32:]
    assert docx_fonts.obfuscate(hidden, key) == font


def _characters_by_face(data: bytes) -> dict[str, set[str]]:
    """Characters of each run of the body, its tables and its footers, by the East Asian face the run resolves to."""
    doc = Document(io.BytesIO(data))
    paragraphs = list(all_paragraphs(doc))
    for section in doc.sections:
        paragraphs += section.footer.paragraphs + section.even_page_footer.paragraphs
    found: dict[str, set[str]] = {}
    for paragraph in paragraphs:
        for run in paragraph._p.iter(qn("w:r")):
            text = "".join(t.text or "" for t in run.iter(qn("w:t")))
            face = east_asian_font(doc, paragraph, run)
            if text and face:
                found.setdefault(face, set()).update(text)
    return found


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda path: f"{path.parent.name}-{path.stem}")
def test_each_part_read_with_its_key_is_the_face_the_runs_name_holding_their_characters(
    sample: Path, sample_config: Config
) -> None:
    data = render_docx(load(sample, sample_config), sample_config)
    fonts = embedded_fonts(data)
    used = _characters_by_face(data)
    assert set(fonts) == set(used) - {sample_config.docx_fonts.latin}
    for name, font in fonts.items():
        assert font["name"].getName(1, 3, 1, 0x804).toUnicode() == name
        assert font["name"].getName(1, 3, 1, 0x409).toUnicode() == name
        assert "glyf" in font and "CFF " not in font  # TrueType outlines, which Word embeds and reads
        assert font["OS/2"].fsType & 0x8 or font["OS/2"].fsType == 0  # editable: LibreOffice loads it
        cmap = font.getBestCmap()
        assert {ord(char) for char in used[name]} <= set(cmap), (name, "".join(c for c in used[name] if ord(c) not in cmap))
        assert set("0123456789") <= {chr(code) for code in cmap}  # page and footnote numbers
        # a subset: a glyph per character it holds, and .notdef
        assert font["maxp"].numGlyphs <= len(cmap) + 1, name
    assert len(used[sample_config.docx_fonts.body]) > 300


def test_the_title_face_is_the_bold_one(data: bytes) -> None:
    title = embedded_fonts(data)[DocxFonts().title]
    assert title["OS/2"].usWeightClass == 700 and title["name"].getName(2, 3, 1, 0x409).toUnicode() == "Bold"


def test_a_character_the_house_face_lacks_comes_from_the_fallback(issue: Issue, tmp_path: Path) -> None:
    # 堃 is outside GB2312: the PDF sets it in the wide-coverage fallback, and so does the DOCX's 仿宋
    rare = replace(issue, body=(*issue.body, Paragraph((Text("王堃同志主持会议。"),))))
    fang = embedded_fonts(render_docx(rare, config(tmp_path)))[DocxFonts().body]
    glyph = fang.getBestCmap()[ord("堃")]
    assert fang["glyf"][glyph].numberOfContours > 0
    assert fang["hmtx"][glyph][0] == 1000  # a full em, as the house face's own characters


def test_the_faces_follow_the_configured_names(issue: Issue, tmp_path: Path) -> None:
    fonts = DocxFonts(body="仿宋", heading1="方正黑体_GBK", heading2="楷体", title="方正小标宋_GBK")
    embedded = embedded_fonts(render_docx(issue, config(tmp_path, fonts)))
    assert set(embedded) == {"仿宋", "方正黑体_GBK", "楷体", "方正小标宋_GBK", fonts.masthead, fonts.page_number}
    assert embedded["楷体"]["name"].getName(1, 3, 1, 0x804).toUnicode() == "楷体"


def test_two_builds_give_the_same_bytes(issue: Issue, tmp_path: Path) -> None:
    first = render_docx(issue, config(tmp_path))
    script = (
        "import sys; from pathlib import Path; from bulletin.render.docx import render_docx; "
        "from tests.render.docx_factory import config, full_issue; folder = Path(sys.argv[1]); "
        "(folder / 'again.docx').write_bytes(render_docx(full_issue(folder), config(folder)))"
    )
    cache = tmp_path / "cache"
    # again in fresh processes with another hash seed: first with an empty cache (every
    # glyph made anew), then with the glyphs the first kept there
    for run in ("cold", "warm"):
        other = tmp_path / run
        other.mkdir()
        subprocess.run([sys.executable, "-c", script, str(other)], cwd=ROOT, check=True, timeout=120,
                       env=dict(os.environ, PYTHONHASHSEED="7", BULLETIN_CACHE=str(cache)))
        assert (other / "again.docx").read_bytes() == first, run
    assert sorted(path.name.split("-")[1] for path in cache.glob("docx-*.json")) == ["frame"] * 5 + ["glyphs"] * 5


def test_a_character_beyond_the_basic_plane_comes_from_the_fallback(issue: Issue, tmp_path: Path) -> None:
    # U+2000B 𠀋 (CJK Extension B): not in Fandol, in Noto Serif CJK; it needs a 32-bit cmap
    odd = replace(issue, body=(*issue.body, Paragraph((Text("会议\U0002000B结束。"),))))
    fang = embedded_fonts(render_docx(odd, config(tmp_path)))[DocxFonts().body]
    assert fang["glyf"][fang.getBestCmap()[0x2000B]].numberOfContours > 0
    assert any(table.format == 12 for table in fang["cmap"].tables)


def test_a_character_no_house_face_has_is_left_to_the_reader(issue: Issue, tmp_path: Path) -> None:
    # U+1F600 is in neither 仿宋 nor the fallback: the DOCX still builds, the face holds the rest
    odd = replace(issue, body=(*issue.body, Paragraph((Text("会议\U0001F600结束。"),))))
    cmap = embedded_fonts(render_docx(odd, config(tmp_path)))[DocxFonts().body].getBestCmap()
    assert 0x1F600 not in cmap and {ord("会"), ord("议"), ord("结"), ord("束")} <= set(cmap)
