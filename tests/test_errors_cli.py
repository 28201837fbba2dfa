"""Every kind of bad input, through the real command line: one located line, its exit code, nothing written.

Each row's id is a row of the table in docs/errors.md; a test keeps the two in step.
"""
from __future__ import annotations

import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import PIL.Image
import pytest

from bulletin.support.fonts import TOOL_FONTS
from bulletin.support.folders import TOOL_TEMPLATES

from .conftest import BODY, FRONT, ROOT, Project, run_cli

ISSUE = "issues/2026/003.md"

#: one problem, as the user sees it: path:line[:col]: message (or a bare message when no file is involved)
LOCATED = re.compile(r"^(?:[^\s:]+(?::\d+){0,2}: )?\S.*$")


@dataclass(frozen=True)
class Row:
    """One bad input: how to make it, the command, and what the user must see."""

    id: str
    make: Callable[[Project, Path], None]
    code: int
    line: str
    args: tuple[str, ...] = ("build",)
    writes: tuple[str, ...] = field(default=())


def body(text: str) -> Callable[[Project, Path], None]:
    """An issue with good front matter and `text` as its body."""

    def make(project: Project, outside: Path) -> None:
        project.issue(body=text)

    return make


def front(text: str) -> Callable[[Project, Path], None]:
    """An issue with `text` as its front matter and a good body."""

    def make(project: Project, outside: Path) -> None:
        project.issue(front=text)

    return make


def raw(data: bytes) -> Callable[[Project, Path], None]:
    """An issue file of exactly these bytes."""

    def make(project: Project, outside: Path) -> None:
        project.raw("2026/003.md", data)

    return make


def with_image(name: str, write: Callable[[Path], None], markdown: str | None = None) -> Callable[[Project, Path], None]:
    """An issue showing images/`name`, written by `write`."""

    def make(project: Project, outside: Path) -> None:
        path = project.root / "issues" / "2026" / "images" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        write(path)
        project.issue(body=markdown or f"正文。\n\n![图一](images/{name})\n")

    return make


def png(path: Path, size: tuple[int, int] = (40, 30), mode: str = "RGB") -> None:
    PIL.Image.new(mode, size, 0).save(path, format="PNG")


def truncated_png(path: Path) -> None:
    png(path, (200, 200))
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def symlink_out(project: Project, outside: Path) -> None:
    target = outside / "secret.png"
    png(target)
    link = project.root / "issues" / "2026" / "images" / "leak.png"
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(target)
    project.issue(body="正文。\n\n![图一](images/leak.png)\n")


def toml(text: str | bytes) -> Callable[[Project, Path], None]:
    """A project whose bulletin.toml holds `text`."""

    def make(project: Project, outside: Path) -> None:
        project.issue()
        data = text.encode("utf-8") if isinstance(text, str) else text
        (project.root / "bulletin.toml").write_bytes(data)

    return make


def template(name: str, old: str, new: str) -> Callable[[Project, Path], None]:
    """A project with its own templates, `old` replaced by `new` in `name`."""

    def make(project: Project, outside: Path) -> None:
        project.issue()
        shutil.copytree(TOOL_TEMPLATES, project.root / "templates")
        path = project.root / "templates" / name
        text = path.read_text(encoding="utf-8")
        assert old in text
        path.write_text(text.replace(old, new, 1), encoding="utf-8")

    return make


def output_in_the_way(project: Project, outside: Path) -> None:
    project.issue()
    (project.root / "build" / "2026" / "003.pdf").mkdir(parents=True)


def no_config(project: Project, outside: Path) -> None:
    project.issue()
    (project.root / "bulletin.toml").unlink()


def deep_toml(project: Project, outside: Path) -> None:
    project.issue()
    (project.root / "bulletin.toml").write_text(GOOD_TOML + "deep = " + "[" * DEEP + "]" * DEEP + "\n", encoding="utf-8")


def font_manifest(text: str) -> Callable[[Project, Path], None]:
    """A project with its own fonts/, whose fonts.toml holds `text` ('{good}' is the shipped manifest)."""

    def make(project: Project, outside: Path) -> None:
        project.issue()
        shutil.copytree(TOOL_FONTS, project.root / "fonts")
        manifest = project.root / "fonts" / "fonts.toml"
        manifest.write_text(text.replace("{good}", manifest.read_text(encoding="utf-8")), encoding="utf-8")

    return make


def manifest(text: str) -> Callable[[Project, Path], None]:
    """A build folder whose manifest.json holds `text`."""

    def make(project: Project, outside: Path) -> None:
        project.issue()
        (project.root / "build").mkdir()
        (project.root / "build" / "manifest.json").write_text(text, encoding="utf-8")

    return make


def issue_link_out(project: Project, outside: Path) -> None:
    project.issue()
    target = outside / "004.md"
    target.write_text("---\ntitle: 外部\n---\n", encoding="utf-8")
    (project.root / "issues" / "2026" / "004.md").symlink_to(target)


def build_folder_link_out(project: Project, outside: Path) -> None:
    project.issue()
    (project.root / "build").mkdir()
    (project.root / "build" / "2026").symlink_to(outside)


def template_link_out(project: Project, outside: Path) -> None:
    project.issue()
    shutil.copytree(TOOL_TEMPLATES, project.root / "templates")
    shutil.move(project.root / "templates" / "issue.html.j2", outside / "issue.html.j2")
    (project.root / "templates" / "issue.html.j2").symlink_to(outside / "issue.html.j2")


def pdf_with(*files: tuple[str, bytes]) -> Callable[[Project, Path], None]:
    """A PDF in.pdf carrying `files`, and restored/003.md edited since."""

    def make(project: Project, outside: Path) -> None:
        from pypdf import PdfWriter

        writer = PdfWriter()
        writer.add_blank_page(100, 100)
        for name, data in files:
            writer.add_attachment(name, data)
        with open(project.root / "in.pdf", "wb") as handle:
            writer.write(handle)
        (project.root / "restored").mkdir()
        (project.root / "restored" / "003.md").write_text("edited")

    return make


def docx_of(parts: dict[str, bytes]) -> Callable[[Project, Path], None]:
    """A file in.docx: a zip of `parts`."""

    def make(project: Project, outside: Path) -> None:
        import zipfile

        with zipfile.ZipFile(project.root / "in.docx", "w", zipfile.ZIP_DEFLATED) as archive:
            for name, data in parts.items():
                archive.writestr(name, data)

    return make


LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10) for i in range(1, 10))
    + b']><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">&lol9;</Types>'
)


def year_with_broken_last(project: Project, outside: Path) -> None:
    project.issue()
    project.issue("2026/004.md", front=FRONT.replace("issue: 3", "issue: 4").replace("total: 51", "total: 五十二"))


GOOD_TOML = (ROOT / "bulletin.toml").read_text(encoding="utf-8")
DEEP = 5000

ROWS = [
    # -- the issue file itself
    Row("empty-file", raw(b""), 1, f"{ISSUE}:1: empty file"),
    Row("blank-file", raw(b" \n\n\t\n"), 1, f"{ISSUE}:1: empty file"),
    Row("binary-file", raw(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), 1, f"{ISSUE}: binary file, not a Markdown issue"),
    Row(
        "not-utf8",
        raw(f"---\n{FRONT}---\n\n正文".encode("utf-8") + "第二段。\n".encode("gbk")),
        1,
        f"{ISSUE}:11:3: not UTF-8 text (byte 0xb5); save the file as UTF-8",
    ),
    Row(
        "control-character",
        raw(f"---\n{FRONT}---\n\n正文\x0b第二行\n".encode("utf-8")),
        1,
        f"{ISSUE}:11:3: control character U+000B cannot be printed; delete it",
    ),
    Row(
        "nul-after-8-kb",
        raw(f"---\n{FRONT}---\n\n{'正文。' * 1000}\x00\n".encode("utf-8")),
        1,
        f"{ISSUE}:11:3001: control character U+0000 cannot be printed; delete it",
    ),
    Row("20-mb-file", raw(b"---\n" + b"a" * (20 * 1024 * 1024)), 1, f"{ISSUE}: file is 20.0 MB; an issue may be at most 2 MB"),
    Row("missing-file", lambda p, o: None, 1, "issues/none.md: no such file", args=("build", "issues/none.md")),
    # -- front matter
    Row("no-front-matter", raw("title: 标题\n\n正文\n".encode()), 1, f"{ISSUE}:1: no front matter: an issue starts with a line '---'"),
    Row(
        "unterminated-front-matter",
        raw(f"---\n{FRONT}\n正文\n".encode()),
        1,
        f"{ISSUE}:1: front matter opened here is never closed with a line '---'",
    ),
    Row("empty-front-matter", raw(b"---\n---\n\nbody\n"), 1, f"{ISSUE}:2: front matter is empty"),
    Row(
        "yaml-syntax",
        front(FRONT.replace("title: 关于测试的几点建议", "title: [关于测试")),
        1,
        f"{ISSUE}:6:11: YAML syntax: expected ',' or ']', but got ':'",
    ),
    Row("yaml-not-a-mapping", front("- 一\n- 二\n"), 1, f"{ISSUE}:2: front matter must be 'key: value' lines"),
    Row(
        "yaml-alias",
        front(FRONT.replace("editor: 林书瑶", "editor: &a 林书瑶\nclassification: *a")),
        1,
        f"{ISSUE}:8:17: YAML syntax: aliases (*name) are not allowed in front matter",
    ),
    Row(
        "yaml-python-tag",
        front(FRONT.replace("print_run: 30", "print_run: !!python/object/apply:os.system [ls]")),
        1,
        f"{ISSUE}:8: 'print_run': could not determine a constructor for the tag "
        "'tag:yaml.org,2002:python/object/apply:os.system'",
    ),
    Row(
        "yaml-deep-nesting",
        front(FRONT.replace("title: 关于测试的几点建议", "title: " + "[" * DEEP + "]" * DEEP)),
        1,
        f"{ISSUE}:2: YAML nested too deeply",
    ),
    Row("yaml-key-not-a-name", front("[a, b]: 1\n" + FRONT), 1, f"{ISSUE}:2: a key must be a plain name, like 'title'"),
    Row(
        "duplicate-key",
        front(FRONT + "title: 又一个标题\n"),
        1,
        f"{ISSUE}:9: duplicate key 'title' (first on line 5)",
    ),
    Row(
        "missing-key",
        front(FRONT.replace("editor: 林书瑶\n", "")),
        1,
        f"{ISSUE}:2: missing key 'editor': the responsible editor (责任编辑)",
    ),
    Row(
        "unknown-key",
        front(FRONT.replace("print_run: 30", "pirnt_run: 30\nprint_run: 30")),
        1,
        f"{ISSUE}:8: unknown key 'pirnt_run' (did you mean 'print_run'?)",
    ),
    Row("wrong-type", front(FRONT.replace("total: 51", "total: 五十一")), 1, f"{ISSUE}:3: 'total' must be a whole number, not '五十一'"),
    Row(
        "recipients-not-a-list",
        front(FRONT.replace("recipients: [陈明远书记, 周立衡市长]", "recipients: 陈明远书记")),
        1,
        f"{ISSUE}:6: 'recipients' must be a list of names, e.g. [陈明远书记, 周立衡市长], not '陈明远书记'",
    ),
    Row("impossible-date", front(FRONT.replace("2026-05-18", "2026-02-30")), 1, f"{ISSUE}:4: 'date': 2026-02-30 is not a date that exists"),
    Row(
        "date-out-of-range",
        front(FRONT.replace("2026-05-18", "2206-05-18")),
        1,
        f"{ISSUE}:4: 'date': 2206-05-18 is not between 1900 and 2100; a typo?",
    ),
    Row(
        "control-character-escaped-in-yaml",
        front(FRONT.replace("editor: 林书瑶", 'editor: "林书瑶\\x1b"')),
        1,
        f"{ISSUE}:7: 'editor' holds control character U+001B, which cannot be printed",
    ),
    Row("not-a-date", front(FRONT.replace("2026-05-18", "五月十八日")), 1, f"{ISSUE}:4: 'date' must be a date YYYY-MM-DD, not '五月十八日'"),
    Row("negative-number", front(FRONT.replace("print_run: 30", "print_run: -5")), 1, f"{ISSUE}:8: 'print_run' must be 1 or more, not -5"),
    Row("zero-issue", front(FRONT.replace("issue: 3", "issue: 0")), 1, f"{ISSUE}:2: 'issue' must be 1 or more, not 0"),
    Row("total-below-issue", front(FRONT.replace("total: 51", "total: 2")), 1, f"{ISSUE}:3: 'total' (2) cannot be less than 'issue' (3)"),
    Row(
        "number-too-long",
        front(FRONT.replace("print_run: 30", "print_run: " + "9" * 5000)),
        1,
        f"{ISSUE}:8: 'print_run': value too large or too deeply nested",
    ),
    Row(
        "yaml11-octal",
        front(FRONT.replace("print_run: 30", "print_run: 030")),
        1,
        f"{ISSUE}:8:12: 'print_run': 030 is an octal number in YAML 1.1 and would mean 24; "
        "write the number without a leading zero or separators, or quote it if it is text",
    ),
    Row(
        "yaml11-sexagesimal",
        front(FRONT.replace("total: 51", "total: 1:30")),
        1,
        f"{ISSUE}:3:8: 'total': 1:30 is a base-60 (sexagesimal) number in YAML 1.1 and would mean 90; "
        "write the number without a leading zero or separators, or quote it if it is text",
    ),
    Row(
        "number-out-of-bounds",
        front(FRONT.replace("total: 51", "total: 1000000000")),
        1,
        f"{ISSUE}:3: 'total' is 1000000000; at most 99,999 is allowed (a typo?)",
    ),
    Row(
        "title-too-long",
        front(FRONT.replace("title: 关于测试的几点建议", "title: " + "长" * 300)),
        1,
        f"{ISSUE}:5: 'title' is 300 characters long; at most 255 are allowed",
    ),
    Row(
        "yaml-surrogate-escape",
        front(FRONT.replace("editor: 林书瑶", 'editor: "林\\ud800"')),
        1,
        f"{ISSUE}:7: 'editor' holds a lone surrogate U+D800 (from an escape), which is not a character",
    ),
    Row("empty-title", front(FRONT.replace("title: 关于测试的几点建议", "title: ''")), 1, f"{ISSUE}:5: 'title' must not be empty"),
    # -- the Markdown body
    Row(
        "deep-list-indent",
        body("".join("\t" * level + "- 项\n" for level in range(1500))),
        1,
        f"{ISSUE}:23: lists or quotes nested deeper than 12 levels",
    ),
    Row("deep-list-markers", body("- " * DEEP + "项\n"), 1, f"{ISSUE}:11: lists or quotes nested deeper than 12 levels"),
    Row("deep-quotes", body("> " * DEEP + "引文\n"), 1, f"{ISSUE}:11: lists or quotes nested deeper than 12 levels"),
    Row("deep-emphasis", body("正文。\n\n" + "*强调 " * DEEP + "字" + "*" * DEEP + "\n"), 1, f"{ISSUE}:13: markup nested too deeply"),
    Row(
        "stray-brackets",
        body("正文。\n\n" + "[" * 20000 + "\n"),
        1,
        f"{ISSUE}:13: too many '[' in too long a paragraph; remove stray brackets or split the paragraph",
    ),
    Row(
        "title-heading-in-body",
        body("# 又一个标题\n"),
        1,
        f"{ISSUE}:11: heading '又一个标题' has no level here: the title comes from the front matter; use ## for level 1",
    ),
    Row(
        "footnote-duplicate-label",
        body("正文[^a]。\n\n[^a]: 第一条。\n[^a]: 第二条。\n"),
        1,
        f"{ISSUE}:14: footnote [^a] is defined twice (first on line 13)",
    ),
    Row(
        "footnote-cycle",
        body("正文[^a]。\n\n[^a]: 见[^b]。\n[^b]: 见[^a]。\n"),
        1,
        f"{ISSUE}:13: footnote [^a] refers back to itself through footnotes",
    ),
    Row("empty-body", body(""), 0, "", args=("build", "--format", "html"), writes=("build/2026/003.html",)),
    Row("image-inline", body("见图![图一](a.png)所示。\n"), 1, f"{ISSUE}:11: an image must stand alone in its own paragraph"),
    # -- images
    Row("image-missing", body("正文。\n\n![图一](images/none.png)\n"), 1, f"{ISSUE}:13: image 'images/none.png' not found"),
    Row(
        "image-not-an-image",
        with_image("fake.png", lambda p: p.write_text("这不是图片", encoding="utf-8")),
        1,
        f"{ISSUE}:13: image 'images/fake.png' is not an image (PNG or JPEG expected)",
    ),
    Row(
        "image-truncated",
        with_image("cut.png", truncated_png),
        1,
        f"{ISSUE}:13: image 'images/cut.png' is damaged (image file is truncated)",
    ),
    Row(
        "image-svg",
        with_image("chart.svg", lambda p: p.write_text('<svg xmlns="http://www.w3.org/2000/svg"/>')),
        1,
        f"{ISSUE}:13: image 'images/chart.svg' is SVG, which is not supported; export it as PNG",
    ),
    Row(
        "image-gif",
        with_image("anim.gif", lambda p: PIL.Image.new("P", (8, 8)).save(p, format="GIF")),
        1,
        f"{ISSUE}:13: image 'images/anim.gif' is a GIF image; use PNG or JPEG",
    ),
    Row(
        "image-too-many-pixels",
        with_image("huge.png", lambda p: png(p, (10000, 5000), "1")),
        1,
        f"{ISSUE}:13: image 'images/huge.png' has 10000×5000 pixels; an image may have at most 40 million",
    ),
    Row(
        "image-file-too-big",
        with_image("big.png", lambda p: p.write_bytes(b"\x89PNG" + b"\0" * (21 * 1024 * 1024))),
        1,
        f"{ISSUE}:13: image 'images/big.png' is 21.0 MB; an image may be at most 20 MB",
    ),
    Row(
        "image-outside-project",
        body("正文。\n\n![x](../../../../../../../../../../etc/passwd)\n"),
        1,
        f"{ISSUE}:13: image '../../../../../../../../../../etc/passwd' lies outside the project",
    ),
    Row("image-symlink-outside", symlink_out, 1, f"{ISSUE}:13: image 'images/leak.png' lies outside the project"),
    Row(
        "image-web-address",
        body("正文。\n\n![x](http://127.0.0.1:9/x.png)\n"),
        1,
        f"{ISSUE}:13: image 'http://127.0.0.1:9/x.png': only files beside the issue can be used, not addresses",
    ),
    Row(
        "image-file-url",
        body("正文。\n\n![x](file:///etc/hostname)\n"),
        1,
        f"{ISSUE}:13: image 'file:///etc/hostname': only files beside the issue can be used, not addresses",
    ),
    Row(
        "image-absolute-path",
        body("正文。\n\n![x](/etc/hostname)\n"),
        1,
        f"{ISSUE}:13: image '/etc/hostname': give the path relative to the issue file",
    ),
    # -- the house configuration and templates
    Row("no-bulletin-toml", no_config, 2, "no bulletin.toml in {root} or any folder above it (use --project DIR)"),
    Row(
        "bulletin-toml-syntax",
        toml(GOOD_TOML.replace('kind = "专报"', 'kind = "专报')),
        2,
        "bulletin.toml:5:11: TOML syntax: Illegal character '\\n'",
    ),
    Row(
        "bulletin-toml-not-utf8",
        toml(GOOD_TOML.split("[contact]")[0].encode() + "[contact]\naddress = \"临江\"\n".encode("gbk")),
        2,
        "bulletin.toml:10:12: not UTF-8 text (byte 0xc1); save the file as UTF-8",
    ),
    Row(
        "bulletin-toml-unknown-key",
        toml(GOOD_TOML.replace('kind = "专报"', 'kind = "专报"\npublsher = "x"')),
        2,
        "bulletin.toml:6: unknown key 'series.publsher' (did you mean 'publisher'?)",
    ),
    Row(
        "bulletin-toml-wrong-type",
        toml(GOOD_TOML.replace('kind = "专报"', "kind = 3")),
        2,
        "bulletin.toml:5: 'series.kind': input should be a valid string",
    ),
    Row("bulletin-toml-empty", toml(""), 2, "bulletin.toml: missing key 'series'"),
    Row(
        "template-syntax",
        template("issue.html.j2", "<title>{{ issue.meta.title }}</title>", "<title>{{ issue.meta.title }</title>"),
        2,
        "templates/issue.html.j2:8: template syntax: unexpected '}'",
    ),
    Row(
        "template-undefined-name",
        template("issue.html.j2", "<title>{{ issue.meta.title }}</title>", "<title>{{ titel }}</title>"),
        2,
        "templates/issue.html.j2:8: template uses an undefined name: 'titel' is undefined",
    ),
    Row(
        "template-runtime-error",
        template("issue.html.j2", "<title>{{ issue.meta.title }}</title>", "<title>{{ 1 // 0 }}</title>"),
        2,
        "templates/issue.html.j2:8: template failed: ZeroDivisionError: integer division or modulo by zero",
    ),
    Row(
        "stylesheet-fetches-address",
        template("bulletin.css.j2", "{% for font in fonts", "body { background: url(http://127.0.0.1:9/x.png) }\n{% for font in fonts"),
        2,
        "templates: PDF: refused http://127.0.0.1:9/x.png: only files of the project are read",
    ),
    # -- writing
    Row(
        "output-in-the-way",
        output_in_the_way,
        2,
        "build/2026/003.pdf: cannot write here: Is a directory",
        args=("build", "--format", "pdf"),
    ),
    # -- the project boundary
    Row(
        "path-outside-project",
        lambda p, o: p.issue(),
        2,
        "/: this path lies outside the project ({root}); only files of the project are used",
        args=("build", "/"),
    ),
    Row("issue-symlink-outside", issue_link_out, 1, "issues/2026/004.md: issue file is a symbolic link to {outside}/004.md, outside the project; not read"),
    Row(
        "template-symlink-outside",
        template_link_out,
        2,
        "templates/issue.html.j2: template is a symbolic link to {outside}/issue.html.j2, outside the project; not read",
    ),
    Row(
        "output-folder-symlink-outside",
        build_folder_link_out,
        2,
        "build/2026: is a link to {outside}, outside {root}/build; nothing is written through it",
    ),
    # -- other files the tool reads
    Row("bulletin-toml-deep-nesting", deep_toml, 2, "bulletin.toml: TOML nested too deeply (at most 16 levels)"),
    Row("font-manifest-syntax", font_manifest("[[font]\n"), 2, "fonts/fonts.toml:1:7: TOML syntax: Expected ']]' at the end of an array declaration"),
    Row("font-manifest-wrong-type", font_manifest("[[font]]\nfile = 3\n"), 2, "fonts/fonts.toml: font entry 1: 'file' must be text"),
    Row(
        "font-outside-fonts-folder",
        font_manifest("[[font]]\nfile = \"../../../etc/hostname\"\nface = \"F\"\nweight = 400\nrole = \"body\"\nsha256 = \"0\"\n"),
        2,
        "fonts/fonts.toml: font file ../../../etc/hostname lies outside fonts/ (a link or '..'); not read",
    ),
    Row(
        "build-manifest-wrong-shape",
        manifest('{"format": 1, "shared": [], "issues": {}}'),
        2,
        "build/manifest.json: the build manifest is malformed at shared: input should be a valid dictionary; "
        "delete it to rebuild everything",
    ),
    Row(
        "build-manifest-path-outside",
        manifest('{"format": 1, "shared": {}, "issues": {"../../etc/passwd": {"shared": "", "inputs": {}, "outputs": {}}}}'),
        2,
        "build/manifest.json: the build manifest is malformed at issues.../../etc/passwd.[key]: value error, "
        "'../../etc/passwd' is not a plain relative path; delete it to rebuild everything",
    ),
    Row(
        "build-manifest-deep-nesting",
        manifest("[" * 100_000 + "]" * 100_000),
        2,
        "build/manifest.json: the build manifest is nested too deeply; delete it to rebuild everything",
    ),
    Row(
        "footnote-unreferenced",
        body("正文。\n\n[^9]: 资料来源。\n"),
        1,
        f"{ISSUE}:13: footnote [^9] is defined but never referenced: it would print in neither edition; "
        "refer to it with [^9] or delete it",
    ),
    Row(
        "volume-with-a-broken-issue",
        year_with_broken_last,
        1,
        "issues/2026/004.md:3: 'total' must be a whole number, not '五十二'",
        args=("volume", "2026"),
    ),
    Row(
        "extract-would-overwrite",
        pdf_with(("003.md", b"---\n")),
        2,
        "restored/003.md: exists already; nothing extracted (give --force to replace it, or another --out)",
        args=("extract", "in.pdf", "--out", "restored"),
    ),
    Row(
        "extract-bad-attachment",
        pdf_with(("003.md", b"---\n"), ("../../x.md", b"x")),
        2,
        "in.pdf: embedded file name '../../x.md' is not a plain relative path; nothing extracted",
        args=("extract", "in.pdf", "--out", "elsewhere"),
    ),
    Row(
        "styles-zip-bomb",
        docx_of({"word/document.xml": b" " * (65 * 1024 * 1024)}),
        2,
        "in.docx: not a DOCX file: part 'word/document.xml' would unpack to 65 MB (a zip bomb?); not read",
        args=("styles", "in.docx"),
    ),
    Row(
        "styles-xml-bomb",
        docx_of({"[Content_Types].xml": LAUGHS}),
        2,
        "in.docx: not a DOCX file: part '[Content_Types].xml' declares a DTD or entities (an XML bomb?); not read",
        args=("styles", "in.docx"),
    ),
    Row(
        "styles-not-a-docx",
        docx_of({"hello.txt": b"hello"}),
        2,
        "in.docx: not a DOCX file (KeyError: \"There is no item named '[Content_Types].xml' in the archive\")",
        args=("styles", "in.docx"),
    ),
    # -- accepted, for contrast
    Row(
        "bom-and-crlf",
        raw(("\ufeff---\n" + FRONT + "---\n\n" + BODY).replace("\n", "\r\n").encode("utf-8")),
        0,
        "",
        args=("build", "--format", "pdf", "--format", "docx"),
        writes=("build/2026/003.pdf", "build/2026/003.docx"),
    ),
]


def run(project: Project, args: tuple[str, ...], capfd: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """Run the command line in the project folder; exit code, stdout, stderr."""
    return run_cli(project, args, capfd)


def outputs(project: Project) -> set[str]:
    """Every issue output (build/YEAR/...) and every half-written file in the project."""
    return {
        str(p.relative_to(project.root))
        for p in project.root.rglob("*")
        if p.is_file() and (p.suffix == ".part" or p.relative_to(project.root).parts[:2] == ("build", "2026"))
    }


@pytest.mark.parametrize("row", ROWS, ids=[row.id for row in ROWS])
def test_bad_input_is_one_located_line(
    row: Row, project: Project, tmp_path_factory: pytest.TempPathFactory, capfd: pytest.CaptureFixture[str]
) -> None:
    outside = tmp_path_factory.mktemp("outside")
    row.make(project, outside)
    code, out, err = run(project, row.args, capfd)
    assert "Traceback" not in out + err
    assert "internal error" not in out + err
    assert code == row.code, err
    problems = [line for line in err.splitlines() if not line.startswith(("built ", "checked "))]
    if row.code == 0:
        assert problems == []
    else:
        expected = row.line.replace("{root}", str(project.root.resolve())).replace("{outside}", str(outside.resolve()))
        assert problems and problems[0] == expected
        assert all(LOCATED.match(line) for line in problems)
    assert outputs(project) == set(row.writes)


@pytest.mark.parametrize("row", [r for r in ROWS if r.args == ("build",) and r.code == 1][:12], ids=lambda r: r.id)
def test_check_reports_the_same_line(row: Row, project: Project, tmp_path_factory: pytest.TempPathFactory, capfd: pytest.CaptureFixture[str]) -> None:
    row.make(project, tmp_path_factory.mktemp("outside"))
    code, out, err = run(project, ("check",), capfd)
    assert code == 1
    assert row.line in out.splitlines()
    assert "Traceback" not in out + err


def test_every_row_is_in_the_user_table() -> None:
    table = (ROOT / "docs" / "errors.md").read_text(encoding="utf-8")
    missing = [row.id for row in ROWS if f"`{row.id}`" not in table]
    assert not missing, f"docs/errors.md lacks rows for {missing}"
