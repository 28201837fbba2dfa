"""Typographic checks of the source and their unambiguous fixes."""
from __future__ import annotations


import pytest

from bulletin.checks.lint import find, fix
from bulletin.source import read_source

from tests.conftest import FRONT, SAMPLES, Project
from tests.test_cli import run

FIRST_BODY_LINE = 11  # FRONT holds seven keys: fences on lines 1 and 9, a blank line 10


def findings(project: Project, body: str, front: str = FRONT) -> list[tuple[int, int, str, str | None]]:
    path = project.issue(front=front, body=body)
    return [(f.line, f.column, f.message, f.replacement) for f in find(read_source(path))]


def test_half_width_marks_between_chinese_characters(project: Project) -> None:
    found = findings(project, "调研发现,企业反映;用工贵:订单少?是的!好。\n")
    assert [(f[1], f[3]) for f in found] == [(5, "，"), (10, "；"), (14, "："), (18, "？"), (21, "！")]
    assert found[0][2] == "half-width ',' in Chinese text: use '，'"
    assert all(f[0] == FIRST_BODY_LINE for f in found)


def test_half_width_marks_in_latin_text_and_code_are_left_alone(project: Project) -> None:
    found = findings(project, "数据见Smith, J. (2024), p. 3；代码`a,b`不改；链接[说明](https://example.org/a,b)。\n")
    assert [f for f in found if "half-width" in f[2] or "quote" in f[2]] == []


def test_half_width_parentheses_around_chinese(project: Project) -> None:
    found = findings(project, "大模型(LLM)持续迭代，试点(第一批)已完成。\n")
    assert [(f[1], f[3]) for f in found] == [(4, "（LLM）"), (16, "（第一批）")]


def test_straight_quotes_in_chinese_text(project: Project) -> None:
    found = findings(project, '他说："不知道从哪儿下手"，也就是\'不会\'。\n')
    assert [(f[1], f[3]) for f in found] == [(4, "“"), (13, "”"), (18, "‘"), (21, "’")]


def test_an_odd_straight_quote_is_reported_but_not_guessed(project: Project) -> None:
    found = findings(project, '他说："不知道从哪儿下手。\n')
    assert [(f[1], f[3]) for f in found] == [(4, None)]


def test_spacing_around_figures_must_be_consistent(project: Project) -> None:
    found = findings(project, "到 2025 年实现目标，到2026年再看，到2027年完成。\n")
    assert [(f[0], f[1]) for f in found] == [(FIRST_BODY_LINE, 2), (FIRST_BODY_LINE, 7)]
    assert "a space between Chinese and a figure" in found[0][2] and "4 other place(s)" in found[0][2]


def test_consistent_spacing_is_fine_either_way(project: Project) -> None:
    assert findings(project, "到 2025 年实现目标，到 2026 年再看，AI 产业。\n") == []
    assert findings(project, "到2025年实现目标，到2026年再看，AI产业。\n") == []


def test_unbalanced_brackets_and_quotes(project: Project) -> None:
    found = findings(project, "见《临江市规划（2024—2026年）\n的说明”。\n\n“好的”。\n")
    assert [(f[0], f[1], f[2]) for f in found] == [
        (FIRST_BODY_LINE, 2, "'《' is never closed with '》'"),
        (FIRST_BODY_LINE + 1, 4, "'”' closes nothing opened before it"),
    ]


def test_front_matter_prose_is_checked_but_not_its_syntax(project: Project) -> None:
    front = FRONT.replace("title: 关于测试的几点建议", 'title: "关于测试,排版的建议"') + 'editor_note: |\n  本文讨论"排版"问题。\n'
    found = findings(project, "正文。\n", front=front)
    assert [(f[0], f[1], f[3]) for f in found] == [(5, 13, "，"), (10, 7, "“"), (10, 10, "”")]


def test_the_samples_are_clean() -> None:
    assert SAMPLES
    for sample in SAMPLES:
        assert find(read_source(sample)) == [], sample


def test_fix_rewrites_only_the_unambiguous(project: Project) -> None:
    path = project.issue(body='调研发现,企业说"难"。到 2025 年,到2026年。《未闭合\n')
    fixed = fix(path)
    assert [(f.original, f.replacement) for f in fixed] == [(",", "，"), ('"', "“"), ('"', "”"), (",", "，")]
    text = path.read_text(encoding="utf-8")
    assert text.endswith("调研发现，企业说“难”。到 2025 年，到2026年。《未闭合\n")
    left = [f.message for f in find(read_source(path))]
    assert len(left) == 3 and all(f.replacement is None for f in find(read_source(path)))
    assert fix(path) == []


def test_fix_keeps_windows_line_ends(project: Project) -> None:
    path = project.issue(body="调研发现,企业反映。\n")
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    fix(path)
    data = path.read_bytes()
    assert "调研发现，企业反映。\r\n".encode() in data and b"\n" not in data.replace(b"\r\n", b"")


def test_check_prints_warnings_without_failing(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    project.issue(body="调研发现,企业反映。\n")
    code, out, err = run(project, "check", capsys=capsys)
    assert code == 0
    assert "issues/2026/003.md:11:5: warning: half-width ',' in Chinese text: use '，'" in out
    assert "1 warning(s)" in err


def test_check_fix_changes_the_file_and_says_what(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    path = project.issue(body="调研发现,企业反映。\n")
    code, out, _ = run(project, "check", "--fix", capsys=capsys)
    assert code == 0
    assert "issues/2026/003.md:11:5: fixed: ',' -> '，'" in out
    assert "warning" not in out
    assert "调研发现，企业反映。" in path.read_text(encoding="utf-8")
    assert sorted(p.name for p in path.parent.iterdir()) == ["003.md"]
