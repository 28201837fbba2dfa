"""Front matter and body are data: template syntax and raw HTML print as typed, in the PDF and the DOCX."""
from __future__ import annotations

import io
import re
import zipfile
from html.parser import HTMLParser

import docx
import pdfplumber
import pytest

from bulletin.errors import ConfigError
from bulletin.pipeline import load, prepare, render_all
from bulletin.render.html import environment, render_html

from .conftest import FRONT, Project

#: raw HTML a pasted web page may bring along; each line must come out as literal text
RAW_HTML = [
    "<script>alert(1)</script>",
    '<iframe src="http://127.0.0.1:9/"></iframe>',
    '<link rel="stylesheet" href="http://127.0.0.1:9/a.css">',
    '<object data="file:///etc/passwd"></object>',
    '<img src="file:///etc/hostname" onerror="alert(1)">',
    "<style>@import url(http://127.0.0.1:9/b.css);</style>",
    '<p onclick="x()" style="background:url(http://127.0.0.1:9/c.png)">段落</p>',
    '<a href="javascript:alert(1)">点此</a>',
]

TEMPLATE_TEXT = ['{{ 7*7 }}', '{% include "issue.html.j2" %}', "{{ config.items() }}", "{# 注释 #}"]

FRONT_INJECTED = (
    FRONT.replace("title: 关于测试的几点建议", "title: '关于{{ 7*7 }}的<b>建议</b>'")
    .replace("editor: 林书瑶", "editor: '{% include \"blocks.html.j2\" %}'")
    + "cc: '<script>alert(1)</script>'\n"
)
BODY_INJECTED = "\n\n".join(["正文{{ 7*7 }}与{% include \"issue.html.j2\" %}。", *RAW_HTML, *TEMPLATE_TEXT]) + "\n"


def squeeze(text: str) -> str:
    """Text without white space, so that line breaks of the page do not matter."""
    return re.sub(r"\s+", "", text)


class _Tags(HTMLParser):
    """Collects the start tags and attributes of an HTML document."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def test_html_holds_no_tag_and_no_template_result_from_the_issue(project: Project) -> None:
    project.issue(front=FRONT_INJECTED, body=BODY_INJECTED)
    config = project.config
    html = render_html(load(project.root / "issues" / "2026" / "003.md", config), config)
    parser = _Tags()
    parser.feed(html)
    names = [tag for tag, _ in parser.tags]
    for dangerous in ("script", "iframe", "link", "object", "img", "a", "b"):
        assert dangerous not in names
    assert names.count("style") == 1  # the house stylesheet only
    assert not [attrs for _, attrs in parser.tags if any(key.startswith("on") for key in attrs)]
    assert not [attrs for _, attrs in parser.tags if "url(" in (attrs.get("style") or "")]
    assert "49" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "{{ 7*7 }}" in html


@pytest.mark.slow
def test_pdf_and_docx_print_the_issue_literally(project: Project) -> None:
    project.issue(front=FRONT_INJECTED, body=BODY_INJECTED)
    config = project.config
    outputs = render_all(prepare(project.root / "issues" / "2026" / "003.md", config), ("pdf", "docx"))

    with pdfplumber.open(io.BytesIO(outputs["pdf"])) as pdf:
        pdf_text = squeeze("".join(page.extract_text() or "" for page in pdf.pages))
        annotations = [annot for page in pdf.pages for annot in page.annots]
    document = docx.Document(io.BytesIO(outputs["docx"]))
    docx_text = squeeze("\n".join(p.text for p in document.paragraphs))

    expected = [*RAW_HTML, *TEMPLATE_TEXT, "关于{{ 7*7 }}的<b>建议</b>", "<script>alert(1)</script>"]
    for text in expected:
        assert squeeze(text) in pdf_text, text
        assert squeeze(text) in docx_text, text
    assert "49" not in pdf_text and "49" not in docx_text
    assert annotations == []
    for marker in (b"/JavaScript", b"/URI", b"/Launch", b"/JS"):
        assert marker not in outputs["pdf"]
    with zipfile.ZipFile(io.BytesIO(outputs["docx"])) as package:
        relationships = "".join(package.read(n).decode() for n in package.namelist() if n.endswith(".rels"))
    assert 'TargetMode="External"' not in relationships


def test_autoescape_is_on_and_undefined_names_are_errors(project: Project) -> None:
    env = environment(project.root)
    assert env.from_string("{{ x }}").render(x="<i>") == "&lt;i&gt;"
    with pytest.raises(Exception, match="'y' is undefined"):
        env.from_string("{{ y }}").render()


def test_a_template_using_an_undefined_name_fails_the_build(project: Project) -> None:
    project.issue()
    (project.root / "templates").mkdir()
    (project.root / "templates" / "issue.html.j2").write_text("<p>{{ issue.meta.titel }}</p>\n", encoding="utf-8")
    config = project.config
    with pytest.raises(ConfigError, match="undefined name") as caught:
        render_html(load(project.root / "issues" / "2026" / "003.md", config), config)
    assert caught.value.line == 1
    assert caught.value.path == (project.root / "templates" / "issue.html.j2")
