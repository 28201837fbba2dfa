"""`check` warns, at the right place, about text that would print wrong or be lost; `--fix` mends the unambiguous ones."""
from __future__ import annotations

import datetime as dt
import re
import subprocess
from pathlib import Path

import pytest

from tests.conftest import BODY, FRONT, Project, run_cli

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


@pytest.mark.parametrize(
    ("title", "column", "words"),
    [
        ("关于进一步推动实|体经济发展的建议", 16, "the title's '|' breaks the word '实体' across two lines"),
        ("关于" + "A" * 50 + "的建议", 10, "the word '" + "A" * 50 + "' is wider than a title line"),
    ],
)
def test_a_title_broken_inside_a_word_is_a_located_warning_in_both_languages(  # type: ignore[no-untyped-def]
        project: Project, capsys, title: str, column: int, words: str) -> None:
    project.issue(front=FRONT.replace("title: 关于测试的几点建议", f"title: {title}"))
    code, out, _ = run_cli(project, ["--lang", "en", "check"], capsys)
    assert code == 0
    assert f"issues/2026/003.md:5:{column}: warning: {words}" in out, out
    code, out, _ = run_cli(project, ["--lang", "zh", "check"], capsys)
    line = next(line for line in out.splitlines() if line.startswith(f"issues/2026/003.md:5:{column}: 警告："))
    assert "实体" in line or "AAAA" in line


def test_a_title_broken_between_words_gives_no_warning(project: Project, capsys) -> None:  # type: ignore[no-untyped-def]
    project.issue(front=FRONT.replace("title: 关于测试的几点建议", "title: 关于进一步推动实体经济高质量发展的若干建议"))
    code, out, _ = run_cli(project, ["check"], capsys)
    assert code == 0 and "title" not in out, out


def _colophon_alone(project: Project) -> tuple[int, Path]:
    """The fewest one-line paragraphs that push the colophon alone onto page 3, found by laying out."""
    import pdfplumber

    from bulletin import pipeline

    line = "这是一行正文，长度不足一行。"

    def pages(count: int) -> tuple[int, bytes]:
        path = project.issue(body="\n\n".join([line] * count) + "\n")
        pdf = pipeline.renderer("pdf")(pipeline.prepare(path, project.config))
        import pypdfium2

        document = pypdfium2.PdfDocument(pdf)
        try:
            return len(document), pdf
        finally:
            document.close()

    low, high = 5, 80
    assert pages(low)[0] <= 2 and pages(high)[0] >= 3
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (middle, high) if pages(middle)[0] <= 2 else (low, middle)
    count, pdf = pages(high)
    target = project.root / "alone.pdf"
    target.write_bytes(pdf)
    with pdfplumber.open(target) as document:
        last = document.pages[-1].extract_text()
    assert "共印" in last and "这是一行正文" not in last, last  # the colophon, and nothing of the text
    return high, project.issue(body="\n\n".join([line] * high) + "\n")


@pytest.mark.slow
def test_a_last_page_holding_only_the_colophon_is_warned_by_build_and_check_layout(  # type: ignore[no-untyped-def]
        project: Project, capsys) -> None:
    count, path = _colophon_alone(project)
    last_line = path.read_text(encoding="utf-8").rstrip().count("\n") + 1
    expected = (f"issues/2026/003.md:{last_line}:1: warning: the last page (page 3) holds only the colophon, "
                "one more sheet per copy (30 per run): shorten the text to end higher on page 2")
    code, _, err = run_cli(project, ["--lang", "en", "build", "--format", "pdf"], capsys)
    assert code == 0 and expected in err.splitlines(), err
    code, out, _ = run_cli(project, ["--lang", "en", "check"], capsys)
    assert "colophon" not in out  # check alone does not lay out
    code, out, _ = run_cli(project, ["--lang", "zh", "check", "--layout"], capsys)
    assert f"issues/2026/003.md:{last_line}:1: 警告：末页（第3页）只有版记，每份多用一张纸" in out, out
    # one paragraph fewer: the colophon shares page 2 with the text, no warning
    project.issue(body="\n\n".join(["这是一行正文，长度不足一行。"] * (count - 1)) + "\n")
    code, _, err = run_cli(project, ["--lang", "en", "build", "--format", "pdf"], capsys)
    assert code == 0 and "colophon" not in err, err
