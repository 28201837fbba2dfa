"""Glyph coverage: characters no house font has are named by place, and stop the PDF."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from pypdf import PdfReader

from bulletin.checks.coverage import CHAINS, drawn_by, missing_glyphs
from bulletin.errors import ConfigError
from bulletin.support.fonts import TOOL_FONTS, load_fonts
from bulletin.source import read_source

from tests.conftest import FRONT, Project
from tests.test_cli import run

# U+20000 (CJK Extension B) and an emoji: in no house font
RARE, EMOJI = "\U00020000", "\U0001F600"


def test_each_role_is_drawn_by_its_own_face_first() -> None:
    assert drawn_by("议", "body", TOOL_FONTS) == "House Fang"
    assert drawn_by("议", "title", TOOL_FONTS) == "House Title"
    assert drawn_by("议", "level-1 heading", TOOL_FONTS) == "House Hei"
    assert drawn_by("议", "level-2 heading", TOOL_FONTS) == "House Kai"


def test_a_name_outside_gb2312_falls_back_to_the_wide_face() -> None:
    # 堃 is in names (a recipient of the stress issue) but not in GB2312
    assert drawn_by("堃", "body", TOOL_FONTS) == "House Fallback"
    assert all(chain[-1] == "House Fallback" for chain in CHAINS.values())


def test_every_character_no_font_has_is_listed_with_its_place(project: Project) -> None:
    front = FRONT.replace("title: 关于测试的几点建议", f"title: 关于{RARE}的建议")
    path = project.issue(front=front, body=f"第一段{EMOJI}正文。\n\n## 标题{RARE}\n")
    found = [(m.char, m.line, m.column, m.role) for m in missing_glyphs(read_source(path), TOOL_FONTS)]
    assert found == [(RARE, 5, 10, "title"), (EMOJI, 11, 4, "body"), (RARE, 13, 6, "level-1 heading")]


def test_the_samples_need_no_missing_glyph() -> None:
    samples = sorted((TOOL_FONTS.parent / "issues").rglob("*.md")) + [TOOL_FONTS.parent / "tests/fixtures/stress.md"]
    assert samples
    for sample in samples:
        assert missing_glyphs(read_source(sample), TOOL_FONTS) == [], sample


def test_check_lists_missing_glyphs_as_errors(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    project.issue(front=FRONT.replace("editor: 林书瑶", f"editor: 林{RARE}"))
    code, out, err = run(project, "check", capsys=capsys)
    assert code == 1
    assert f"issues/2026/003.md:7:10: no house font has '{RARE}' (U+20000) for the body" in out
    assert "Traceback" not in out + err


@pytest.mark.slow
def test_build_refuses_a_missing_glyph_unless_told(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    project.issue(body=f"第一段{EMOJI}正文。\n")
    before = project.files()
    code, _, err = run(project, "build", "--format", "pdf", capsys=capsys)
    assert code == 1
    assert "issues/2026/003.md:11:4: no house font has" in err and "--allow-missing-glyphs" in err
    assert project.files() == before
    code, out, err = run(project, "build", "--format", "pdf", "--allow-missing-glyphs", capsys=capsys)
    assert code == 0, err
    assert len(PdfReader(project.root / "build" / "2026" / "003.pdf").pages) == 1


def test_a_tampered_font_file_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "fonts"
    shutil.copytree(TOOL_FONTS, folder)
    target = folder / "FandolFang-Regular.otf"
    data = bytearray(target.read_bytes())
    data[len(data) // 2] ^= 0xFF
    target.write_bytes(bytes(data))
    with pytest.raises(ConfigError, match="FandolFang-Regular.otf differs from its pinned SHA-256"):
        load_fonts(folder)


def test_the_pinned_fonts_load() -> None:
    faces = {font.face for font in load_fonts(TOOL_FONTS)}
    assert {face for chain in CHAINS.values() for face in chain} <= faces


def test_printed_configuration_values_are_checked_too(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    toml = project.root / "bulletin.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace('address = "', f'address = "临江{RARE}'), encoding="utf-8")
    line = next(n for n, text in enumerate(toml.read_text(encoding="utf-8").split("\n"), start=1) if text.startswith("address"))
    path = project.issue()
    code, out, _ = run(project, "check", capsys=capsys)
    assert code == 2
    assert f"bulletin.toml:{line}:14: no house font has '{RARE}' (U+20000) for the body" in out
    code, _, err = run(project, "build", str(path), "--format", "pdf", capsys=capsys)
    assert code == 2
    assert f"bulletin.toml:{line}:14: no house font has" in err
    assert not (project.root / "build" / "2026" / "003.pdf").exists()
