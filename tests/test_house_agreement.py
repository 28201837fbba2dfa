"""Both editions agree with the house: what the PDF prints and what the DOCX declares equal
bulletin/house.py (with the project's [house] overrides).

One project (tests/fixtures/house, whose bulletin.toml overrides the title) is built as
PDF and DOCX. For each role the test finds text printed in that role in the PDF and
measures its glyphs (face, size, colour, and leading where it runs to several lines);
it reads the DOCX style that sets the role (face, size, leading, space, tracking,
alignment, weight, colour). The rules' weights, colours and extents, the page margins
and the copy number's slot are checked the same way. Every difference is listed.
"""
from __future__ import annotations

import io
import shutil
from pathlib import Path
from typing import Any

import docx
import pdfplumber
import pytest
from docx.oxml.ns import qn

from bulletin.config import load_config
from bulletin.house import MM, House, copy_number_position
from bulletin.pipeline import build
from bulletin.render.docx import DOCX_ALIGN, eighths, faces, grid_tracking, twips
from tests.layout import LIMITS


#: text that the first issue of the fixture prints in each role (its first occurrence)
PROBES = {
    "marks": "内部资料",
    "control": "本期专报",
    "classification": "征求意见稿",
    "masthead": "临江参阅",
    "tagline": "市级重点新型智库",
    "issue_line": "第1期",
    "publisher_line": "临江发展研究院",
    "title": "关于加快建设",
    "editor_note_label": "编者按",
    "editor_note": "本期刊发的稿件",
    "body": "这是一篇用来检查",
    "heading1": "基本情况",
    "emphasis": "强调",
    "strong": "要点",
    "heading2": "主要做法",
    "table_heading": "项目",
    "table": "企业",
    "footnote": "脚注的文字",
    "colophon": "责任编辑",
}
#: roles whose probe runs to several lines in the fixture: their leading is measured
MULTILINE = {"title": "关于加快建设", "control": "本期专报", "colophon": "地址："}

#: space above and below that the DOCX sets elsewhere than in the role's paragraph style:
#: a table's in the paragraph after it, a colophon row's inside its rules, a figure's below its caption
def docx_space(house: House, role: str) -> tuple[float, float]:
    g, roles = house.geometry, house.roles
    return {
        "table": (0.0, 0.0),
        "colophon": (g.colophon_pad, g.colophon_pad),
        "caption": (roles["caption"].before, roles["figure"].after),
    }.get(role, (roles[role].before, roles[role].after))


#: the DOCX style that sets each role
STYLES = {
    "body": "Body Text", "copy_number": "Copy Number", "marks": "Marks", "control": "Control Line",
    "classification": "Classification", "masthead": "Masthead", "masthead_kind": "Masthead Kind",
    "tagline": "Tagline", "issue_line": "Issue Line", "publisher_line": "Publisher Line", "title": "Title",
    "heading1": "heading 1", "heading2": "heading 2", "heading3": "heading 3", "heading4": "heading 4",
    "editor_note": "Editor Note", "editor_note_label": "Editor Note Label", "quote": "Quote",
    "code": "Code Block", "code_inline": "Code", "emphasis": "Emphasis", "strong": "Strong",
    "table": "Table Text", "table_heading": "Table Heading", "caption": "Caption",
    "footnote": "footnote text", "colophon": "Colophon", "page_number": "Page Number Odd",
}


@pytest.fixture(scope="module")
def limits(tmp_path_factory: pytest.TempPathFactory) -> tuple[House, Any, Path, bytes]:
    """The fixture project built once: its house, its config, the first issue's PDF and DOCX."""
    root = tmp_path_factory.mktemp("agreement")
    shutil.copytree(LIMITS, root, dirs_exist_ok=True)
    config = load_config(root)
    results = build(config, [root / "issues" / "2026" / "001.md"], ("pdf", "docx"), root / "build")
    assert not [str(r.error) for r in results if r.error]
    out = root / "build" / "2026"
    return config.house, config, out / "001.pdf", (out / "001.docx").read_bytes()


# ---------------------------------------------------------------- the PDF as printed


def _find(chars: list[dict[str, Any]], text: str) -> list[dict[str, Any]]:
    """The glyphs of the first occurrence of `text` (ignoring spaces), in print order."""
    glyphs = [c for c in chars if c["text"].strip()]
    joined = "".join(c["text"] for c in glyphs)
    at = joined.find(text)
    assert at >= 0, f"{text!r} is not printed"
    return glyphs[at: at + len(text)]


def _pdf_name(house: House, role: str) -> str:
    """The font name WeasyPrint writes for a role: its CSS face, '-Bold' for weight 700."""
    r = house.roles[role]
    return house.faces[r.face].chain[0].replace(" ", "-") + ("-Bold" if r.bold else "")


def _rgb(hex_colour: str) -> tuple[float, ...]:
    return tuple(round(int(hex_colour[i: i + 2], 16) / 255, 2) for i in (0, 2, 4))


def _ruled(rects: list[dict[str, Any]]) -> list[tuple[float, float, float, float]]:
    """The rules drawn as box borders: (top weight, bottom weight, x0, x1) of each ruled box.

    WeasyPrint draws a box's borders as the area between its border box and its padding
    box, two rectangles of one colour, the inner inside the outer.
    """
    found = []
    for outer in rects:
        inner = [r for r in rects if r is not outer and r["non_stroking_color"] == outer["non_stroking_color"]
                 and r["x0"] >= outer["x0"] - 0.01 and r["x1"] <= outer["x1"] + 0.01
                 and r["top"] >= outer["top"] - 0.01 and r["bottom"] <= outer["bottom"] + 0.01
                 and 0.01 < outer["height"] - r["height"] < 6]
        if inner:
            box = max(inner, key=lambda r: r["height"])
            found.append((round(box["top"] - outer["top"], 2), round(outer["bottom"] - box["bottom"], 2),
                          outer["x0"], outer["x1"]))
    return sorted(set(found))


def _baselines(glyphs: list[dict[str, Any]], page_height: float) -> list[float]:
    return sorted({round(page_height - g["matrix"][5], 2) for g in glyphs})


def pdf_differences(house: House, path: Path) -> list[str]:
    """Where the PDF as printed differs from the house."""
    g, rules = house.geometry, house.rules
    found: list[str] = []
    with pdfplumber.open(path) as pdf:
        pages = pdf.pages
        chars = [dict(c, page=n) for n, page in enumerate(pages) for c in page.chars]
        height = pages[0].height
        size = (round(pages[0].width, 1), round(height, 1))
        want = (round(g.page_width_mm * MM, 1), round(g.page_height_mm * MM, 1))
        if size != want:
            found.append(f"PDF page: {size} pt, house {want}")
        probes = dict(PROBES)
        series = _find(chars, "临江参阅专报")
        measured = {role: _find(chars, text) for role, text in probes.items()}
        measured["masthead_kind"] = series[4:]
        top, bottom = g.margin_top_mm * MM, (g.page_height_mm - g.margin_bottom_mm) * MM
        measured["page_number"] = [c for c in chars if c["top"] >= bottom and c["text"].isdigit()]
        for role, glyphs in measured.items():
            r = house.roles[role]
            sizes = {round(c["size"], 2) for c in glyphs}
            names = {c["fontname"].split("+")[-1] for c in glyphs}
            colours = {tuple(round(v, 2) for v in c["non_stroking_color"] or (0, 0, 0)) for c in glyphs}
            if sizes != {round(r.pt(g), 2)}:
                found.append(f"PDF {role}: size {sorted(sizes)}, house {r.pt(g)}")
            if names != {_pdf_name(house, role)}:
                found.append(f"PDF {role}: face {sorted(names)}, house {_pdf_name(house, role)}")
            if colours != {_rgb(r.color)}:
                found.append(f"PDF {role}: colour {sorted(colours)}, house #{r.color}")
        for role, text in MULTILINE.items():
            glyphs = [c for c in chars if c["page"] == _find(chars, text)[0]["page"]]
            start = _find(chars, text)[0]
            block = [c for c in glyphs if c["fontname"] == start["fontname"]
                     and round(c["size"], 2) == round(start["size"], 2) and c["top"] >= start["top"] - 1]
            lines = _baselines(block, height)[:3]
            steps = {round(b - a, 2) for a, b in zip(lines, lines[1:])}
            if len(lines) < 2 or steps != {round(house.roles[role].line(g), 2)}:
                found.append(f"PDF {role}: leading {sorted(steps)}, house {house.roles[role].line(g)}")
        # the marks group: the copy number's line is the type area's first, the classification the second
        stamp = copy_number_position(house)
        first = measured["marks"][0]
        baseline = height - first["matrix"][5]
        if abs(baseline - (stamp.baseline + house.roles["marks"].line(g))) > 0.1 or abs(first["x0"] - stamp.x) > 0.1:
            found.append(f"PDF marks: first mark at ({first['x0']:.2f}, {baseline:.2f}), house copy-number slot "
                         f"({stamp.x:.2f}, {stamp.baseline:.2f}) one line above")
        if abs(stamp.x - g.margin_left_mm * MM) > 0.01 or stamp.baseline - stamp.size > top + g.line_pitch:
            found.append("copy-number slot is not on the type area's first line")
        # rules: the red rule under the publisher line, the colophon's rules, as wide as the type area
        left, right = g.margin_left_mm * MM, (g.page_width_mm - g.margin_right_mm) * MM
        red = _rgb(rules.red_color)
        reds = _ruled([r for r in pages[0].rects
                       if tuple(round(v, 2) for v in r["non_stroking_color"] or ()) == red])
        want_red = [(round(rules.red_thick, 2), round(rules.red_thin, 2), left, right)]
        if [(t, b) for t, b, _, _ in reds] != [w[:2] for w in want_red] or any(
                abs(x0 - left) > 0.1 or abs(x1 - right) > 0.1 for _, _, x0, x1 in reds):
            found.append(f"PDF red rule: {reds}, house {want_red}")
        start = _find(chars, "责任编辑")[0]
        colophon_page = pages[start["page"]]
        end = _find(chars, "共印")[0]["bottom"]
        ruled = _ruled([r for r in colophon_page.rects if start["top"] - 20 < r["top"] < end + 10])
        weights = sorted({w for t, b, _, _ in ruled for w in (t, b) if w})
        outer, inner = round(rules.colophon_outer, 2), round(rules.colophon_inner, 2)
        if weights != sorted({outer, inner}):
            found.append(f"PDF colophon rules: weights {weights}, house {outer} and {inner}")
        for _, _, x0, x1 in ruled:
            if abs(x0 - left) > 0.1 or abs(x1 - right) > 0.1:
                found.append(f"PDF colophon rule from {x0:.2f} to {x1:.2f}, type area {left:.2f}–{right:.2f}")
        # margins: the type area's left edge and top line as printed
        if abs(min(c["x0"] for c in chars) - left) > 0.1:
            found.append(f"PDF left margin: {min(c['x0'] for c in chars):.2f} pt, house {left:.2f}")
    return found


# ---------------------------------------------------------------- the DOCX as declared


def _east_asian(style: Any) -> str | None:
    fonts = style.element.find(f"{qn('w:rPr')}/{qn('w:rFonts')}")
    return None if fonts is None else fonts.get(qn("w:eastAsia"))


def _tracking(style: Any) -> int | None:
    spacing = style.element.find(f"{qn('w:rPr')}/{qn('w:spacing')}")
    return None if spacing is None else int(spacing.get(qn("w:val")))


def _borders(element: Any, path: str) -> dict[str, tuple[int, str]]:
    box = element.find(path)
    return {} if box is None else {
        child.tag.split("}")[1]: (int(child.get(qn("w:sz"))), child.get(qn("w:color")).upper()) for child in box
    }


def docx_differences(house: House, config: Any, data: bytes) -> list[str]:
    """Where the DOCX's declared styles, rules and margins differ from the house."""
    g, rules = house.geometry, house.rules
    document = docx.Document(io.BytesIO(data))
    names = faces(config.docx_fonts)
    found: list[str] = []
    for role, style_name in STYLES.items():
        r, style = house.roles[role], document.styles[style_name]
        face = names["masthead"] if role == "masthead" else names[r.face]
        declared: dict[str, object] = {"face": _east_asian(style)}
        expected: dict[str, object] = {"face": face}
        if not r.character or r.size is not None:
            declared["size"], expected["size"] = style.font.size.pt if style.font.size else None, r.pt(g)
        declared["bold"], expected["bold"] = bool(style.font.bold), r.bold
        if r.color != "000000" or not r.character:
            colour = style.font.color.rgb if style.font.color and style.font.color.type else None
            declared["colour"], expected["colour"] = str(colour) if colour else "000000", r.color
        if not r.character:
            fmt = style.paragraph_format
            declared["leading"], expected["leading"] = round(fmt.line_spacing.pt, 2), round(r.line(g), 2)
            before, after = docx_space(house, role)
            declared["before"], expected["before"] = round(fmt.space_before.pt, 2), round(before, 2)
            declared["after"], expected["after"] = round(fmt.space_after.pt, 2), round(after, 2)
            tracking = grid_tracking(g) if r.tracking is None else r.tracking
            declared["tracking"], expected["tracking"] = _tracking(style), twips(tracking)
            if r.align:
                jc = style.element.find(f"{qn('w:pPr')}/{qn('w:jc')}")
                declared["align"] = None if jc is None else jc.get(qn("w:val"))
                expected["align"] = DOCX_ALIGN[r.align]
        elif r.tracking is not None:
            declared["tracking"], expected["tracking"] = _tracking(style), twips(r.tracking)
        for key, value in expected.items():
            if isinstance(value, float) and isinstance(declared[key], float):
                # Word keeps lengths in whole twips (1/20 pt)
                if abs(declared[key] - value) <= 0.05:  # type: ignore[operator]
                    continue
            if declared[key] != value:
                found.append(f"DOCX {role} ({style_name}): {key} {declared[key]}, house {value}")
    after_table = round(document.styles["After Table"].paragraph_format.line_spacing.pt, 2)
    if abs(after_table - house.roles["table"].after) > 0.05:
        found.append(f"DOCX table: space after {after_table}, house {house.roles['table'].after}")
    red = _borders(document.styles["Red Rule"].element, f"{qn('w:pPr')}/{qn('w:pBdr')}")
    want = {"top": (eighths(rules.red_thick), rules.red_color), "bottom": (eighths(rules.red_thin), rules.red_color)}
    if red != want:
        found.append(f"DOCX red rule: {red}, house {want}")
    colophon = _borders(document.styles["Colophon Table"].element, f"{qn('w:tblPr')}/{qn('w:tblBorders')}")
    want = {"top": (eighths(rules.colophon_outer), rules.color), "bottom": (eighths(rules.colophon_outer), rules.color),
            "insideH": (eighths(rules.colophon_inner), rules.color)}
    if colophon != want:
        found.append(f"DOCX colophon rules: {colophon}, house {want}")
    section = document.sections[0]
    margins = tuple(round(m.mm, 1) for m in (section.top_margin, section.bottom_margin, section.left_margin,
                                            section.right_margin, section.page_width, section.page_height))
    want_margins = tuple(round(v, 1) for v in (g.margin_top_mm, g.margin_bottom_mm, g.margin_left_mm,
                                               g.margin_right_mm, g.page_width_mm, g.page_height_mm))
    if margins != want_margins:
        found.append(f"DOCX page and margins (mm): {margins}, house {want_margins}")
    return found


def test_both_editions_agree_with_the_house(limits: tuple[House, Any, Path, bytes]) -> None:
    house, config, pdf, data = limits
    assert house.roles["title"].size == 24  # the fixture's override is in force
    assert pdf_differences(house, pdf) + docx_differences(house, config, data) == []

