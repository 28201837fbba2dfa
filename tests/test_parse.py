"""Source -> model: front matter validation and the Markdown body."""
from __future__ import annotations

import datetime as dt

import PIL.Image
import pytest

from bulletin import model as m
from bulletin.errors import BulletinError
from bulletin.parse import parse_issue
from bulletin.source import read_source

from .conftest import FRONT, Project


def load(project: Project, front: str = FRONT, body: str = "正文。\n") -> m.Issue:
    return parse_issue(read_source(project.issue(front=front, body=body)), project.config)


def problems(project: Project, front: str = FRONT, body: str = "正文。\n") -> list[BulletinError]:
    with pytest.raises(BulletinError) as caught:
        load(project, front, body)
    return list(getattr(caught.value, "problems", [caught.value]))


def test_front_matter_becomes_meta(project: Project) -> None:
    meta = load(project).meta
    assert (meta.issue, meta.total, meta.date) == (3, 51, dt.date(2026, 5, 18))
    assert meta.recipients == ("陈明远书记", "周立衡市长")
    assert meta.classification == ""


def test_three_problems_each_with_its_line(project: Project) -> None:
    front = FRONT.replace("print_run: 30", "printrun: 30").replace("issue: 3", "issue: 三").replace(
        "date: 2026-05-18", "date: 2026-02-30"
    )
    found = {(p.line, p.message) for p in problems(project, front)}
    assert (2, "'issue' must be a whole number, not '三'") in found
    assert (4, "'date': 2026-02-30 is not a date that exists") in found
    assert (8, "unknown key 'printrun' (did you mean 'print_run'?)") in found
    assert len(found) == 3, "a misspelt key is not reported as missing too"


def test_a_missing_key_with_no_lookalike_is_reported(project: Project) -> None:
    [problem] = problems(project, FRONT.replace("editor: 林书瑶\n", ""))
    assert problem.message.startswith("missing key 'editor'")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("print_run: 30", "print_run: -5"), "'print_run' must be 1 or more, not -5"),
        (("total: 51", "total: 2"), "'total' (2) cannot be less than 'issue' (3)"),
        (("title: 关于测试的几点建议", "title: ''"), "'title' must not be empty"),
        (("recipients: [陈明远书记, 周立衡市长]", "recipients: 陈明远书记"), "'recipients' must be a list of names"),
        (("editor: 林书瑶", "editor: 林书瑶\neditor: 何雨桐"), "duplicate key 'editor' (first on line 7)"),
        (("date: 2026-05-18", "date: 18.05.2026"), "'date' must be a date YYYY-MM-DD"),
    ],
)
def test_front_matter_problems(project: Project, change: tuple[str, str], message: str) -> None:
    messages = [p.message for p in problems(project, FRONT.replace(*change))]
    assert any(msg.startswith(message) for msg in messages), messages


def test_yaml_syntax_error_names_the_line(project: Project) -> None:
    [problem] = problems(project, FRONT.replace("editor: 林书瑶", "editor: [林书瑶"))
    assert "YAML syntax" in problem.message
    assert problem.line is not None and problem.line >= 7


def test_headings_are_numbered_per_level_and_never_twice(project: Project) -> None:
    body = "## 甲\n\n### 乙\n\n#### 丙\n\n##### 丁\n\n## 二、戊\n\n### 己\n\n## 2025年回顾\n"
    headings = [b for b in load(project, body=body).body if isinstance(b, m.Heading)]
    assert [(h.level, h.number) for h in headings] == [(1, "一、"), (2, "（一）"), (3, "1."), (4, "（1）"), (1, ""), (2, "（一）"), (1, "三、")]


def test_single_hash_heading_is_refused(project: Project) -> None:
    [problem] = problems(project, body="正文。\n\n# 大标题\n")
    assert "use ## for level 1" in problem.message
    assert problem.line == 13


def test_wrapped_chinese_lines_join_without_spaces(project: Project) -> None:
    [paragraph] = load(project, body="临江港是\n对外开放的门户，\nAI and\nports。\n").body
    assert paragraph == m.Paragraph((m.Text("临江港是对外开放的门户，AI and ports。"),))


def test_inline_markup(project: Project) -> None:
    [paragraph] = load(project, body="甲*乙*丙**丁**戊`x`己\\\n庚  \n辛\n").body
    kinds = [child.kind for child in paragraph.children]
    assert kinds == ["text", "emphasis", "text", "strong", "text", "code", "text", "linebreak", "text", "linebreak", "text"]
    assert paragraph.children[-1] == m.Text("辛")


def test_footnotes_are_numbered_in_order_of_reference(project: Project) -> None:
    body = "甲[^b]乙[^a]。\n\n[^a]: 资料来源：乙。\n[^b]: 资料来源：甲。\n"
    issue = load(project, body=body)
    refs = [c for c in issue.body[0].children if isinstance(c, m.FootnoteRef)]
    assert [r.number for r in refs] == [1, 2]
    texts = [note.children[0].children[0].text for note in issue.footnotes]
    assert texts == ["资料来源：甲。", "资料来源：乙。"]


def test_lists_tables_quotes(project: Project) -> None:
    body = "1. 甲\n2. 乙\n\n- 丙\n\n> 引文\n\n| 年份 | 数量 |\n|---|--:|\n| 2025 | 12 |\n"
    lists, bullets, quote, table = load(project, body=body).body
    assert isinstance(lists, m.ListBlock) and lists.ordered and len(lists.items) == 2
    assert isinstance(bullets, m.ListBlock) and not bullets.ordered
    assert isinstance(quote, m.Quote)
    assert isinstance(table, m.Table)
    assert [c.children[0].text for c in table.header] == ["年份", "数量"]
    assert table.rows[0][1].align == "right"


def test_raw_html_is_kept_as_text(project: Project) -> None:
    [paragraph] = load(project, body='甲<script>alert(1)</script>乙&amp;丙\n').body
    assert paragraph.children == (m.Text("甲<script>alert(1)</script>乙&丙"),)


def test_images_resolve_relative_to_the_issue(project: Project) -> None:
    image = project.root / "issues" / "2026" / "images" / "a.png"
    image.parent.mkdir(parents=True)
    PIL.Image.new("RGB", (4, 3), "white").save(image)
    [block] = load(project, body="![图1 说明](images/a.png)\n").body
    assert block == m.Image(image.resolve(), "图1 说明")


def test_missing_image_names_its_line(project: Project) -> None:
    [problem] = problems(project, body="第一段。\n\n![图](images/none.png)\n")
    assert problem.message == "image 'images/none.png' not found"
    assert problem.line == 13


def test_editor_note_is_markdown(project: Project) -> None:
    front = FRONT + "editor_note: |\n  本期**重点**讨论。\n"
    issue = load(project, front=front)
    assert [c.kind for c in issue.editor_note[0].children] == ["text", "strong", "text"]


def test_an_email_autolink_keeps_its_letters_and_builds_a_docx(project: Project) -> None:
    from bulletin.render.docx import render_docx

    path = project.issue(body="来信请寄 <bgs@lj.gov.cn> 或 <0@0>。\n")
    issue = parse_issue(read_source(path), project.config)
    links = [inline for inline in issue.body[0].children if isinstance(inline, m.Link)]
    assert [m.plain_text(link.children) for link in links] == ["bgs@lj.gov.cn", "0@0"]
    assert [link.href for link in links] == ["mailto:bgs@lj.gov.cn", "mailto:0@0"]
    assert render_docx(issue, project.config)  # no control character reaches the DOCX
