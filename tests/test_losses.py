"""`check` warns, at the right place, about text that would print wrong or be lost; `--fix` mends the unambiguous ones."""
from __future__ import annotations

import datetime as dt
import re
import subprocess
from pathlib import Path

import pytest

from .conftest import BODY, FRONT, Project, run_cli

#: the body starts on line 12 of a file written by Project.issue with FRONT
FIRST = 2 + FRONT.count("\n") + 2


@pytest.mark.parametrize(
    ("body", "line", "column", "words"),
    [
        ("正文引用[^2]。\n", 0, 5, "[^2] is never defined"),
        ("| 指标 | 数值 |\n|---|---|\n| 增速 | 5% | 多余 |\n", 2, 1, "3 cells, the header 2"),
        ("| 指标 | 数值 | 备注 |\n|---|---|---|\n| 增速 | 5% |\n", 2, 1, "2 cells, the header 3"),
        ("主要措施如下：\n- 第一项\n- 第二项\n", 1, 1, "glued to the paragraph above"),
        ("一段**  重点**文字。\n", 0, 3, "'**' followed by a space prints literally"),
        ("##标题没有空格\n", 0, 1, "'##' without a space prints literally"),
        ("他说“好”,然后离开。\n", 0, 6, "half-width ',' after a Chinese closing mark"),
        ("增长２０２５年ＧＤＰ。\n", 0, 3, "full-width '２０２５'"),
    ],
)
def test_check_warns_of_each_silent_loss(project: Project, capsys, body: str, line: int, column: int, words: str) -> None:  # type: ignore[no-untyped-def]
    project.issue(body=body)
    code, out, _ = run_cli(project, ["check"], capsys)
    assert code == 0, out
    expected = f"issues/2026/003.md:{FIRST + line}:{column}: warning: "
    assert any(l.startswith(expected) and words in l for l in out.splitlines()), out


def test_recipients_with_a_chinese_comma_warn_at_the_comma(project: Project, capsys) -> None:  # type: ignore[no-untyped-def]
    project.issue(front=FRONT.replace("[陈明远书记, 周立衡市长]", "[陈明远书记，周立衡市长]"))
    code, out, _ = run_cli(project, ["check"], capsys)
    assert "issues/2026/003.md:6:19: warning: '，' inside recipients joins two names" in out, out


def test_clean_issue_has_no_loss_warnings(project: Project, capsys) -> None:  # type: ignore[no-untyped-def]
    project.issue(body=BODY + "\n引用[^1]。\n\n- 甲\n- 乙\n\n| 指标 | 数值 |\n|---|---|\n| 增速 | 5% |\n\n[^1]: 资料来源。\n")
    code, out, _ = run_cli(project, ["check"], capsys)
    assert code == 0 and "warning" not in out, out


def test_fix_mends_the_unambiguous_losses(project: Project, capsys) -> None:  # type: ignore[no-untyped-def]
    path = project.issue(body="他说“好”,然后离开。\n增长２０２５年。\n##标题\n主要措施：\n- 第一项\n")
    code, out, _ = run_cli(project, ["check", "--fix"], capsys)
    assert code == 0
    body = path.read_text(encoding="utf-8").split("---\n\n", 1)[1]
    assert body == "他说“好”，然后离开。\n增长2025年。\n## 标题\n主要措施：\n\n- 第一项\n"
    assert out.count("fixed:") == 4, out
    _, again, _ = run_cli(project, ["check"], capsys)
    assert "warning" not in again, again


def test_new_carries_the_house_details_over_and_build_refuses_its_placeholders(project: Project, capsys) -> None:  # type: ignore[no-untyped-def]
    project.issue(front=FRONT + "classification: 内部资料\n")
    code, out, _ = run_cli(project, ["new", "--date", "2026-05-25"], capsys)
    assert code == 0 and out.strip() == "issues/2026/004.md", out
    text = (project.root / "issues" / "2026" / "004.md").read_text(encoding="utf-8")
    for line in ("issue: 4", "total: 52", "date: 2026-05-25", 'recipients: ["陈明远书记", "周立衡市长"]',
                 'editor: "林书瑶"', "print_run: 30", 'classification: "内部资料"'):
        assert line in text.splitlines(), text
    code, _, err = run_cli(project, ["build", "issues/2026/004.md", "--format", "docx"], capsys)
    assert code == 1
    placeholders = [line for line in err.splitlines() if "placeholder" in line]
    assert placeholders[0] == "issues/2026/004.md:5:8: placeholder 【待填：标题】 not filled in", err
    assert len(placeholders) == 5 and "Traceback" not in err
    assert not (project.root / "build" / "2026" / "004.docx").exists()


def _pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


def _docx_text(path: Path) -> str:
    import docx

    return "\n".join(p.text for p in docx.Document(str(path)).paragraphs)


@pytest.mark.slow
def test_a_draft_carries_the_mark_on_both_editions_and_a_published_issue_none(project: Project, capsys) -> None:  # type: ignore[no-untyped-def]
    future = (dt.date.today() + dt.timedelta(days=7)).isoformat()
    draft = project.issue("2026/003.md", front=FRONT.replace("2026-05-18", future) + "status: draft\n")
    code, out, _ = run_cli(project, ["check"], capsys)
    assert code == 0, out
    code, _, err = run_cli(project, ["build"], capsys)
    assert code == 0, err
    built = project.root / "build" / "2026"
    assert "征求意见稿" in _pdf_text(built / "003.pdf")
    assert "征求意见稿" in _docx_text(built / "003.docx")
    first = (built / "003.pdf").read_bytes()
    code, _, err = run_cli(project, ["build", "--force"], capsys)
    assert code == 0 and (built / "003.pdf").read_bytes() == first

    draft.write_text(draft.read_text(encoding="utf-8").replace("status: draft\n", ""), encoding="utf-8")
    code, out, _ = run_cli(project, ["check"], capsys)
    assert code == 1
    assert f"issues/2026/003.md:4: date {future} is in the future" in out and "status: draft" in out, out
    draft.write_text(draft.read_text(encoding="utf-8").replace(future, "2026-05-18"), encoding="utf-8")
    code, _, err = run_cli(project, ["build"], capsys)
    assert code == 0, err
    assert "征求意见稿" not in _pdf_text(built / "003.pdf") + _docx_text(built / "003.docx")


def test_status_other_than_draft_is_refused_on_its_line(project: Project, capsys) -> None:  # type: ignore[no-untyped-def]
    project.issue(front=FRONT + "status: final\n")
    code, out, _ = run_cli(project, ["check"], capsys)
    assert code == 1
    assert "issues/2026/003.md:9: 'status': 'final' is not known" in out, out


def test_new_for_next_week_is_a_draft_that_checks(project: Project, capsys) -> None:  # type: ignore[no-untyped-def]
    project.issue()
    future = dt.date.today() + dt.timedelta(days=7)
    code, out, _ = run_cli(project, ["new", "--date", future.isoformat()], capsys)
    assert code == 0, out
    path = project.root / out.strip()
    text = path.read_text(encoding="utf-8")
    assert "status: draft" in text.splitlines()
    path.write_text(re.sub(r"【待填：[^】]*】", "内容", text), encoding="utf-8")
    code, out, _ = run_cli(project, ["check"], capsys)
    assert code == 0, out


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("title: 关于", "title：关于", "issues/2026/003.md:5:6: full-width colon '：' after 'title': write a half-width ':'"),
        ("editor: 林", "editor:\u3000林", "issues/2026/003.md:7:8: full-width space '\u3000' (U+3000) after 'editor:'"),
        ("print_run: 30", "\u3000print_run: 30", "issues/2026/003.md:8:1: full-width space '\u3000' (U+3000) before a key"),
    ],
)
def test_full_width_colon_or_space_in_front_matter_is_named(project: Project, capsys, old: str, new: str, expected: str) -> None:  # type: ignore[no-untyped-def]
    project.issue(front=FRONT.replace(old, new))
    code, out, err = run_cli(project, ["check"], capsys)
    assert code == 1
    assert out.splitlines()[0].startswith(expected), out
    assert "Traceback" not in out + err


@pytest.mark.slow
def test_a_title_sets_its_own_break_with_a_bar_in_both_editions(project: Project, capsys) -> None:  # type: ignore[no-untyped-def]
    import pdfplumber

    project.issue(front=FRONT.replace("title: 关于测试的几点建议", "title: 关于进一步推动|实体经济发展的建议"))
    code, _, err = run_cli(project, ["build"], capsys)
    assert code == 0, err
    built = project.root / "build" / "2026"
    with pdfplumber.open(built / "003.pdf") as pdf:
        lines = pdf.pages[0].extract_text().splitlines()
    assert "关于进一步推动" in lines and "实体经济发展的建议" in lines, lines
    assert "|" not in "".join(lines)
    import docx

    title = next(p for p in docx.Document(str(built / "003.docx")).paragraphs if p.style.name == "Title")
    assert title.text == "关于进一步推动\n实体经济发展的建议"
