"""The house's furniture rules and [house] overrides, measured on built pages."""
from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pdfplumber
import pytest

from bulletin.config import load_config
from bulletin.errors import BulletinError
from bulletin.house import HOUSE, MM, Fields, copy_number_position, rows
from bulletin.pipeline import build
from tests.conftest import Project
from tests.layout import LIMITS



@pytest.fixture(scope="module")
def limits(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The limits project's PDFs; their folder."""
    root = tmp_path_factory.mktemp("limits")
    shutil.copytree(LIMITS, root, dirs_exist_ok=True)
    results = build(load_config(root), [], ("pdf",), root / "build")
    assert not [str(r.error) for r in results if r.error]
    return root / "build" / "2026"


def _lines(page: Any, top: float, bottom: float) -> list[list[dict[str, Any]]]:
    """The glyphs between `top` and `bottom`, grouped into lines by their baseline, left to right."""
    lines: dict[float, list[dict[str, Any]]] = {}
    for c in page.chars:
        if top <= c["top"] <= bottom and c["text"].strip():
            lines.setdefault(round(page.height - c["matrix"][5]), []).append(c)
    return [sorted(line, key=lambda c: c["x0"]) for _, line in sorted(lines.items())]


def test_twelve_recipients_hang_under_their_label(limits: Path) -> None:
    g = HOUSE.geometry
    left, right = g.margin_left_mm * MM, (g.page_width_mm - g.margin_right_mm) * MM
    with pdfplumber.open(limits / "001.pdf") as pdf:
        page = pdf.pages[0]
        lines = _lines(page, 0, 400)
        texts = ["".join(c["text"] for c in line) for line in lines]
        first = next(i for i, t in enumerate(texts) if t.startswith("本期专报："))
        label_end = lines[first][len("本期专报：") - 1]["x1"]
        following = []
        for line, text in zip(lines[first + 1:], texts[first + 1:]):
            if text == "征求意见稿":
                break
            following.append(line)
        assert len(following) >= 2  # the names take several lines
        for line in following:
            assert abs(line[0]["x0"] - label_end) < 1.0  # under the first name, not the label
            assert line[-1]["x1"] <= right + 0.5
        # the draft mark could not share the last line: it has a row of its own, flush right
        mark = lines[first + 1 + len(following)]
        assert abs(mark[-1]["x1"] - right) < 1.0 and mark[0]["x0"] > left + 100


def test_a_row_of_names_breaks_between_names_in_both_editions(limits: Path) -> None:
    # twelve recipients and four publishers: no name is cut at a line's end (李思齐副市 / 长)
    import io

    from docx import Document

    from bulletin.pipeline import load
    from bulletin.render.docx import render_docx

    root = limits.parent.parent
    config = load_config(root)
    issue = load(root / "issues" / "2026" / "001.md", config)
    names = [f"{name}、" for name in issue.meta.recipients[:-1]] + [issue.meta.recipients[-1]]
    publishers = issue.series.publisher.split(" ")
    with pdfplumber.open(limits / "001.pdf") as pdf:
        texts = ["".join(c["text"] for c in line) for line in _lines(pdf.pages[0], 0, 480)]
    first = next(i for i, t in enumerate(texts) if t.startswith("本期专报："))
    printed = texts[first : first + 4]
    assert "".join(printed) == "本期专报：" + "".join(names)
    # each line ends after a name's separator, and holds whole names only
    assert all(line.endswith("、") for line in printed[:-1]), printed
    start = next(i for i, t in enumerate(texts) if t.startswith(publishers[0]))
    assert texts[start] == "".join(publishers[:-1]) and texts[start + 1].startswith(publishers[-1]), texts[start : start + 2]
    # the DOCX breaks the same rows at the same places (a line break in the paragraph)
    document = Document(io.BytesIO(render_docx(issue, config)))
    control = next(p for p in document.paragraphs if p.text.startswith("本期专报："))
    assert control.text.split("\n") == printed
    publisher = next(p for p in document.paragraphs if p.text.startswith(publishers[0]))
    first_line, second_line = publisher.text.split("\n")
    assert first_line == " ".join(publishers[:-1]) and second_line.startswith(publishers[-1])


def test_long_publisher_wraps_in_the_type_area_and_the_date_moves_flush_right(limits: Path) -> None:
    g = HOUSE.geometry
    right = (g.page_width_mm - g.margin_right_mm) * MM
    with pdfplumber.open(limits / "002.pdf") as pdf:
        lines = _lines(pdf.pages[0], 0, 400)
        texts = ["".join(c["text"] for c in line) for line in lines]
        start = next(i for i, t in enumerate(texts) if t.startswith("临江发展研究院"))
        assert texts[start + 2] == "2026年1月26日"
        assert all(c["x1"] <= right + 0.5 for line in lines[start: start + 3] for c in line)
        assert abs(lines[start + 2][-1]["x1"] - right) < 1.0


@pytest.mark.parametrize("name, count", [("001", 3), ("002", 1)])
def test_titles_stay_in_the_type_area_centred(limits: Path, name: str, count: int) -> None:
    g = HOUSE.geometry
    left, right = g.margin_left_mm * MM, (g.page_width_mm - g.margin_right_mm) * MM
    with pdfplumber.open(limits / f"{name}.pdf") as pdf:
        size = load_config(limits.parent.parent).house.roles["title"].size  # the fixture's override: 24
        title = [c for c in pdf.pages[0].chars if "Title" in c["fontname"] and round(c["size"]) == size]
        lines = _lines(pdf.pages[0], 0, pdf.pages[0].height)
        rows_ = [line for line in lines if line[0] in title]
        assert len(rows_) == count
        for line in rows_:
            assert line[0]["x0"] >= left - 0.5 and line[-1]["x1"] <= right + 0.5
            middle = (line[0]["x0"] + line[-1]["x1"]) / 2
            assert abs(middle - (left + right) / 2) < 2.0


def test_copy_number_slot_is_the_type_areas_first_line_and_empty() -> None:
    stamp = copy_number_position()
    g = HOUSE.geometry
    assert stamp.x == pytest.approx(g.margin_left_mm * MM)
    assert g.margin_top_mm * MM < stamp.baseline < g.margin_top_mm * MM + g.line_pitch
    assert (stamp.size, stamp.face) == (16.0, "House Fang")


def test_a_split_line_moves_its_right_part_when_they_do_not_fit() -> None:
    class Meta:
        recipients = ("甲", "乙")
        draft = True

    class Series:
        kind = "专报"

    fields = Fields(Meta(), Series(), None)
    assert [(r.left, r.right) for r in rows(HOUSE.furniture.control, fields, 28)] == [("本期专报：甲、乙", "征求意见稿")]
    moved = rows(HOUSE.furniture.control, fields, 10)
    assert [(r.left, r.flush_right, r.hang) for r in moved] == [("本期专报：甲、乙", False, 5.0), ("征求意见稿", True, 0.0)]


def test_house_overrides_are_validated_with_lines_and_suggestions(tmp_path: Path) -> None:
    project = Project(tmp_path)
    toml = tmp_path / "bulletin.toml"
    toml.write_text(
        toml.read_text(encoding="utf-8")
        + "\n[house.roles.title]\nsise = 24\n\n[house.roles.titel]\nsize = 24\n\n[house.rules]\nred_thick = -1\n",
        encoding="utf-8",
    )
    with pytest.raises(BulletinError) as caught:
        load_config(project.root)
    reported = [line.replace(str(tmp_path) + "/", "") for line in str(caught.value).split("\n")]
    lines = toml.read_text(encoding="utf-8").split("\n")
    sise, titel = lines.index("sise = 24") + 1, lines.index("[house.roles.titel]") + 1
    assert f"bulletin.toml:{sise}: unknown key 'house.roles.title.sise' (did you mean 'size'?)" in reported
    assert f"bulletin.toml:{titel}: unknown key 'house.roles.titel' (did you mean 'title'?)" in reported
    assert any(line.startswith(f"bulletin.toml:{len(lines) - 1}: 'house.rules.red_thick'") for line in reported)
    assert len(reported) == 3


def test_house_override_reaches_both_editions(tmp_path: Path) -> None:
    import docx

    project = Project(tmp_path)
    toml = tmp_path / "bulletin.toml"
    toml.write_text(toml.read_text(encoding="utf-8") + "\n[house.roles.colophon]\nsize = 12\n", encoding="utf-8")
    project.issue()
    results = build(project.config, [], ("pdf", "docx"), tmp_path / "build")
    assert not [r.error for r in results if r.error]
    with pdfplumber.open(tmp_path / "build" / "2026" / "003.pdf") as pdf:
        chars = pdf.pages[-1].chars
        text = "".join(c["text"] for c in chars)
        at = text.index("责任编辑")
        assert round(chars[at]["size"], 2) == 12.0
    document = docx.Document(str(tmp_path / "build" / "2026" / "003.docx"))
    assert document.styles["Colophon"].font.size.pt == 12.0


def test_a_number_in_the_copy_number_slot_lands_where_the_house_says(tmp_path: Path) -> None:
    """The slot filled (as `bulletin print` fills it) prints at `copy_number_position()`, over nothing."""
    from weasyprint import HTML

    from bulletin.support.fonts import fonts_dir
    from bulletin.pipeline import load
    from bulletin.render.html import render_html
    from bulletin.render.justify import Justification
    from bulletin.render.pdf import isolate_fontconfig
    from tests.layout import overprints

    shutil.copytree(LIMITS, tmp_path, dirs_exist_ok=True)
    config = load_config(tmp_path)
    issue = load(tmp_path / "issues" / "2026" / "001.md", config)
    isolate_fontconfig(fonts_dir(config.root))
    with Justification():
        pdf = HTML(string=render_html(issue, config, copy_number="000017")).write_pdf()
    (tmp_path / "copy.pdf").write_bytes(pdf)
    stamp = copy_number_position(config.house)
    with pdfplumber.open(tmp_path / "copy.pdf") as document:
        page = document.pages[0]
        digits = [c for c in page.chars if c["text"].isdigit() and c["top"] < 200]
        assert "".join(c["text"] for c in digits) == "000017"
        assert digits[0]["x0"] == pytest.approx(stamp.x, abs=0.05)
        assert page.height - digits[0]["matrix"][5] == pytest.approx(stamp.baseline, abs=0.05)
        assert {round(c["size"], 2) for c in digits} == {stamp.size}
        assert {c["fontname"].split("+")[-1] for c in digits} == {stamp.face.replace(" ", "-")}
    assert overprints(tmp_path / "copy.pdf") == []
