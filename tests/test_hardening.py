"""Hardening: strict front matter numbers, bounded numbering work, inert CSV cells, linear DOCX tables."""
from __future__ import annotations

import csv
import re
import datetime as dt
import io
import os
import stat
from pathlib import Path

import docx.table
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bulletin.archive import numbering as archive
from bulletin.archive.numbering import Entry, _missing, next_issue_file, numbering_problems
from bulletin.archive.catalog import csv_cell, to_csv
from bulletin.errors import BulletinError, ContentError, UsageError
from bulletin.output import atomic_write
from bulletin.parse import parse_meta
from bulletin.source import read_source, split

from .conftest import FRONT, Project, run_cli


def meta_problems(front: str) -> list[str]:
    source = split(Path("x.md"), f"---\n{front}---\n\n正文。\n")
    try:
        parse_meta(source)
    except BulletinError as exc:
        return [str(p) for p in getattr(exc, "problems", [exc])]
    return []


@pytest.mark.parametrize(
    ("typed", "meaning"),
    [("030", "24"), ("1:30", "90"), ("0x1F", "31"), ("0b11", "3"), ("1_000", "1000")],
)
def test_yaml11_number_forms_are_refused_saying_what_they_would_mean(typed: str, meaning: str) -> None:
    found = meta_problems(FRONT.replace("print_run: 30", f"print_run: {typed}"))
    assert len(found) == 1
    assert found[0].startswith("x.md:8:12: 'print_run': ")
    assert f"{typed} is" in found[0] and f"would mean {meaning}" in found[0]


def test_quoted_or_plain_numbers_are_fine() -> None:
    assert meta_problems(FRONT) == []
    assert meta_problems(FRONT.replace("title: 关于测试的几点建议", "title: '1:30'")) == []


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("issue: 3", "issue: 1000", "'issue' is 1000; at most 999"),
        ("total: 51", "total: 1000000000", "'total' is 1000000000; at most 99,999"),
        ("print_run: 30", "print_run: 10000001", "'print_run' is 10000001; at most 10,000,000"),
        ("title: 关于测试的几点建议", "title: " + "长" * 256, "'title' is 256 characters long; at most 255"),
        ("editor: 林书瑶", 'editor: "林\\ud800"', "lone surrogate U+D800"),
    ],
)
def test_numbers_and_text_are_bounded(old: str, new: str, message: str) -> None:
    found = meta_problems(FRONT.replace(old, new))
    assert len(found) == 1 and message in found[0], found


@settings(max_examples=40, deadline=None)
@given(st.integers(min_value=-20, max_value=2_000_000), st.sampled_from(["0{}", "{}", "{:_}", "0x{:x}", "'{}'"]))
def test_front_matter_numbers_property(number: int, form: str) -> None:
    """Any typed number either reads as exactly what was typed or is refused with a line; never a traceback."""
    typed = form.format(abs(number)) if form != "{}" else str(number)
    found = meta_problems(FRONT.replace("print_run: 30", f"print_run: {typed}"))
    plain = typed.lstrip("-").isdigit() and (typed == "0" or not typed.lstrip("-").startswith("0"))
    if plain and 1 <= int(typed) <= 10_000_000:
        assert found == []
    else:
        assert found and all(line.startswith("x.md:8") for line in found)


def test_missing_totals_are_found_by_gap_not_by_number() -> None:
    assert _missing(2, 10, [(4, 5), (8, 20)]) == [(2, 3), (6, 7)]
    assert _missing(2, 99_998, [(1, 99_999)]) == []
    day = dt.date(2026, 1, 1)
    archive = [Entry(Path("a.md"), 1, 1, day), Entry(Path("b.md"), 2, 99_999, day)]
    problems = numbering_problems(archive, ((3, 99_000),), dt.date(2026, 12, 1))
    assert any("总第2期、总第99001–99998期 missing" in str(p) for p in problems), problems


@settings(max_examples=40, deadline=None)
@given(st.text(max_size=12))
def test_csv_cells_never_start_a_formula(text: str) -> None:
    cell = csv_cell(text)
    assert not cell.startswith(("=", "+", "-", "@", "\t", "\r"))
    assert cell.removeprefix("'") == text or cell == text


def test_catalog_csv_neutralises_formulas() -> None:
    entry = {"year": 2026, "issue": 3, "total": 51, "date": "2026-05-18", "title": "=HYPERLINK(\"x\")",
             "recipients": ["@甲"], "editor": "+林", "print_run": 30, "source": "issues/2026/003.md"}
    data = to_csv([entry])
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    cells = [c for row in rows[1:] for c in row]
    assert "'=HYPERLINK(\"x\")" in cells and "'+林" in cells and "'@甲" in cells
    assert not any(c.startswith(("=", "+", "@")) for c in cells)


def test_docx_tables_use_each_rows_own_cells(project: Project, capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """table.cell(r, c) rebuilds the whole grid each call, which made tables quadratic."""

    def refuse(self: object, row: int, column: int) -> None:
        raise AssertionError("table.cell() is quadratic")

    monkeypatch.setattr(docx.table.Table, "cell", refuse)
    rows = "\n".join(f"| 项{i} | {i} |" for i in range(30))
    project.issue(body=f"正文。\n\n| 名称 | 数量 |\n|---|---|\n{rows}\n")
    code, _, err = run_cli(project, ("build", "--format", "docx"), capfd)
    assert code == 0, err
    document = docx.Document(str(project.root / "build" / "2026" / "003.docx"))
    cells = [tc for tc in document.tables[0]._tbl.iter("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}tc")]
    assert len(cells) == 62


def test_a_fifo_among_the_issues_is_never_opened(project: Project, capfd: pytest.CaptureFixture[str]) -> None:
    project.issue()
    fifo = project.root / "issues" / "2026" / "004.md"
    os.mkfifo(fifo)
    code, out, err = run_cli(project, ("check",), capfd)
    assert code in (0, 1) and "Traceback" not in out + err
    with pytest.raises(ContentError, match="is not a regular file"):
        read_source(fifo)


def test_a_rewrite_keeps_the_mode_and_refuses_read_only_and_links(tmp_path: Path) -> None:
    private = tmp_path / "private.md"
    private.write_bytes(b"old")
    private.chmod(0o600)
    atomic_write(private, b"new")
    assert private.read_bytes() == b"new"
    assert stat.S_IMODE(private.stat().st_mode) == 0o600

    frozen = tmp_path / "frozen.md"
    frozen.write_bytes(b"old")
    frozen.chmod(0o444)
    with pytest.raises(UsageError, match="read-only"):
        atomic_write(frozen, b"new")
    assert frozen.read_bytes() == b"old"

    target = tmp_path / "elsewhere.md"
    target.write_bytes(b"theirs")
    link = tmp_path / "link.md"
    link.symlink_to(target)
    with pytest.raises(UsageError, match="symbolic link"):
        atomic_write(link, b"mine")
    assert target.read_bytes() == b"theirs" and link.is_symlink()


def test_check_fix_keeps_a_private_issue_private(project: Project, capfd: pytest.CaptureFixture[str]) -> None:
    path = project.issue(body="正文,这里有半角逗号。\n")
    path.chmod(0o600)
    before = path.read_bytes()
    run_cli(project, ("check", "--fix"), capfd)
    assert path.read_bytes() != before
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_new_reserves_its_file_exclusively(project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two `new` at once: the one that loses the race (its existence check passed) must not overwrite."""
    project.issue()
    config = project.config
    first = next_issue_file(config, dt.date(2026, 6, 1))
    first.write_bytes(b"edited by the first writer")
    monkeypatch.setattr(archive, "next_numbers", lambda config, date: (4, 52))
    monkeypatch.setattr(Path, "exists", lambda self: False)  # the other writer looked before the file existed
    with pytest.raises(UsageError, match="exists already"):
        next_issue_file(config, dt.date(2026, 6, 1))
    assert first.read_bytes() == b"edited by the first writer"


def test_wide_content_stays_inside_the_type_area(project: Project, capfd: pytest.CaptureFixture[str]) -> None:
    """A 70-digit figure, a long URL, a 100-letter word and an 8-column table never pass the right margin."""
    import pdfplumber

    from bulletin.house import MM, Geometry

    head = "| " + " | ".join(f"第{i}列指标名称" for i in range(8)) + " |"
    rule = "|" + "---|" * 8
    row = "| " + " | ".join("1234567890123456" for _ in range(8)) + " |"
    body = "\n\n".join(
        ["1234567890" * 7, "https://example.org/" + "a1b2c3d4e5" * 10, "abcdefghij" * 10, f"{head}\n{rule}\n{row}\n{row}\n"]
    )
    project.issue(body=body)
    code, _, err = run_cli(project, ("build", "--format", "pdf"), capfd)
    assert code == 0, err
    g = Geometry()
    left = g.margin_left_mm * MM
    right = left + g.type_width
    with pdfplumber.open(project.root / "build" / "2026" / "003.pdf") as pdf:
        chars = [c for page in pdf.pages for c in page.chars]
        edges = [e for page in pdf.pages for e in page.edges]
    assert chars
    assert max(c["x1"] for c in chars) <= right + 1, max(c["x1"] for c in chars)
    assert min(c["x0"] for c in chars) >= left - 1
    assert edges and max(e["x1"] for e in edges) <= right + 1
    text = "".join(c["text"] for c in chars)
    assert text.count("1234567890") >= 7 and text.count("abcdefghij") >= 9  # nothing clipped away


@pytest.mark.parametrize(
    ("body", "line"),
    [
        ("正文[^a]。\n\n[^a]: 第一条。\n[^a]: 第二条。\n", "ISSUE:14: footnote [^a] is defined twice (first on line 13)"),
        ("正文[^a]。\n\n[^a]: 见[^b]。\n[^b]: 见[^a]。\n", "ISSUE:13: footnote [^a] refers back to itself through footnotes"),
        (
            "正文。\n\n[^9]: 资料来源。\n",
            "ISSUE:13: footnote [^9] is defined but never referenced: it would print in neither edition; "
            "refer to it with [^9] or delete it",
        ),
    ],
    ids=["duplicate", "cycle", "unreferenced"],
)
def test_check_finds_footnote_problems(project: Project, capfd: pytest.CaptureFixture[str], body: str, line: str) -> None:
    project.issue(body=body)
    for command in ("check", "build"):
        code, out, err = run_cli(project, (command,), capfd)
        assert code == 1, out + err
        assert line.replace("ISSUE", "issues/2026/003.md") in (out + err).splitlines()
        assert "Traceback" not in out + err and "internal error" not in out + err
    assert not (project.root / "build" / "2026" / "003.pdf").exists()


def test_footnotes_in_code_are_not_footnotes(project: Project, capfd: pytest.CaptureFixture[str]) -> None:
    project.issue(body="正文注[^1]。\n\n```\n[^1]: 代码\n```\n\n[^1]: 注释。\n")
    code, out, err = run_cli(project, ("check",), capfd)
    assert "defined twice" not in out + err, out + err


@settings(max_examples=40, deadline=None)
@given(st.lists(st.sampled_from(["正文", "[^a]", "[^b]", "\n", "\n\n[^a]: ", "\n\n[^b]: ", "`", "    "]), max_size=14))
def test_footnote_reader_property(parts: list[str]) -> None:
    """Any mix of references and definitions gives located problems or none, never an exception."""
    from bulletin.checks.footnotes import footnote_problems

    for problem in footnote_problems("".join(parts), Path("x.md"), 11):
        assert problem.line is not None and problem.line >= 11


@pytest.mark.parametrize("scale", ["nan", "inf"])
def test_preview_scale_must_be_a_number(project: Project, capfd: pytest.CaptureFixture[str], scale: str) -> None:
    project.issue()
    code, out, err = run_cli(project, ("preview", "issues/2026/003.md", "--scale", scale), capfd)
    assert code == 2
    assert "Invalid value for '--scale'" in err
    assert "Traceback" not in out + err
    assert not (project.root / "build").exists()


@pytest.mark.parametrize("mode", ["I;16", "RGB16"])
def test_a_16_bit_png_is_refused_at_parse_time_with_its_line(project: Project, capfd: pytest.CaptureFixture[str], mode: str) -> None:
    import zlib

    import PIL.Image

    folder = project.root / "issues" / "2026" / "images"
    folder.mkdir(parents=True)
    path = folder / "deep.png"
    if mode == "I;16":
        PIL.Image.new("I;16", (8, 8), 1000).save(path, format="PNG")
    else:  # Pillow cannot write 16-bit RGB: a minimal one by hand
        def chunk(kind: bytes, data: bytes) -> bytes:
            return len(data).to_bytes(4, "big") + kind + data + zlib.crc32(kind + data).to_bytes(4, "big")

        rows = b"".join(b"\x00" + b"\x12\x34" * 3 * 4 for _ in range(4))
        ihdr = (4).to_bytes(4, "big") * 2 + bytes([16, 2, 0, 0, 0])
        path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))
    project.issue(body="正文。\n\n![图一](images/deep.png)\n")
    code, out, err = run_cli(project, ("check",), capfd)
    assert code == 1
    assert "issues/2026/003.md:13: image 'images/deep.png' is a 16-bit PNG" in out + err
    assert "Traceback" not in out + err


def test_sigterm_is_handled_like_ctrl_c(project: Project, capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """SIGTERM during a build: the manifest of what was built is saved and the exit code is 143."""
    import signal

    from bulletin import pipeline

    project.issue()
    project.issue("2026/004.md", front=FRONT.replace("issue: 3", "issue: 4").replace("total: 51", "total: 52"))
    real = pipeline.build_safely
    calls: list[Path] = []

    def build_then_terminate(path: Path, *args: object) -> object:
        calls.append(path)
        if len(calls) == 2:  # while the second issue is being built
            os.kill(os.getpid(), signal.SIGTERM)
        return real(path, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(pipeline, "build_safely", build_then_terminate)
    code, out, err = run_cli(project, ("build", "--format", "html", "--jobs", "1"), capfd)
    assert code == 143, err
    assert "terminated" in err and "Traceback" not in out + err
    manifest = (project.root / "build" / "manifest.json").read_text(encoding="utf-8")
    assert "issues/2026/003.md" in manifest and "issues/2026/004.md" not in manifest
    assert signal.getsignal(signal.SIGTERM) is not None


def test_concurrent_builds_keep_each_others_records(project: Project, capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """A build that saves its manifest re-reads it under the lock: records another build saved meanwhile stay."""
    from bulletin import pipeline

    project.issue()
    other = project.issue("2026/004.md", front=FRONT.replace("issue: 3", "issue: 4").replace("total: 51", "total: 52"))
    real = pipeline.build_safely

    def meanwhile(path: Path, *args: object) -> object:
        result = real(path, *args)  # type: ignore[arg-type]
        # another process builds 004 and saves its manifest while this build is still running
        monkeypatch.setattr(pipeline, "build_safely", real)
        assert pipeline.build(project.config, [other], ["html"], project.root / "build", jobs=1)[0].error is None
        return result

    monkeypatch.setattr(pipeline, "build_safely", meanwhile)
    code, _, err = run_cli(project, ("build", "issues/2026/003.md", "--format", "html", "--jobs", "1"), capfd)
    assert code == 0, err
    manifest = (project.root / "build" / "manifest.json").read_text(encoding="utf-8")
    assert "issues/2026/003.md" in manifest and "issues/2026/004.md" in manifest
    catalog = (project.root / "build" / "catalog.csv").read_text(encoding="utf-8-sig")
    assert "issues/2026/003.md" in catalog and "issues/2026/004.md" in catalog


def pdf_with(*files: tuple[str, bytes]) -> bytes:
    """A one-page PDF carrying `files` as attachments, in order (names may repeat)."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(100, 100)
    for name, data in files:
        writer.add_attachment(name, data)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def test_extract_never_overwrites_an_issue_without_force(project: Project, capfd: pytest.CaptureFixture[str]) -> None:
    (project.root / "in.pdf").write_bytes(pdf_with(("003.md", b"---\nold\n"), ("images/a.png", b"png")))
    edited = project.root / "restored" / "003.md"
    edited.parent.mkdir()
    edited.write_bytes(b"edited since the build")
    code, out, err = run_cli(project, ["extract", "in.pdf", "--out", "restored"], capfd)
    assert code == 2
    assert err.strip() == "restored/003.md: exists already; nothing extracted (give --force to replace it, or another --out)"
    assert edited.read_bytes() == b"edited since the build"
    assert not (project.root / "restored" / "images").exists()  # all or nothing
    code, out, err = run_cli(project, ["extract", "in.pdf", "--out", "restored", "--force"], capfd)
    assert code == 0, err
    assert edited.read_bytes() == b"---\nold\n"
    assert out.split() == ["restored/003.md", "restored/images/a.png"]


def test_extract_without_out_writes_the_source_byte_for_byte_to_stdout(
    project: Project, capfdbinary: pytest.CaptureFixture[bytes]
) -> None:
    from bulletin.cli import main

    source = "---\ntitle: 第三期\n---\n正文。\n".encode("utf-8")
    (project.root / "in.pdf").write_bytes(pdf_with(("003.md", source), ("images/a.png", b"png")))
    old = Path.cwd()
    os.chdir(project.root)
    try:
        code = main(["extract", "in.pdf"])
    finally:
        os.chdir(old)
    out, err = capfdbinary.readouterr()
    assert code == 0, err.decode("utf-8")
    assert out == source


def test_extract_keeps_two_images_of_the_same_name(project: Project, capfd: pytest.CaptureFixture[str]) -> None:
    (project.root / "in.pdf").write_bytes(
        pdf_with(("003.md", b"---\n"), ("fig.png", b"first"), ("fig.png", b"second"), ("fig.png", b"first"))
    )
    code, out, err = run_cli(project, ["extract", "in.pdf", "--out", "restored"], capfd)
    assert code == 0, err
    restored = project.root / "restored"
    assert (restored / "fig.png").read_bytes() == b"first"
    assert (restored / "fig-2.png").read_bytes() == b"second"
    assert err.strip() == "in.pdf: two embedded files are named 'fig.png': the other is written as 'fig-2.png'"


@pytest.mark.parametrize(
    "name, message",
    [
        ("../../evil.md", "embedded file name '../../evil.md' is not a plain relative path; nothing extracted"),
        ("/etc/cron.d/x.md", "embedded file name '/etc/cron.d/x.md' is not a plain relative path; nothing extracted"),
        ("a\x01b.md", "embedded file name 'a\\x01b.md' is not a plain relative path; nothing extracted"),
        ("run.sh", "embedded file 'run.sh' is not a Markdown source or an image; nothing extracted"),
    ],
)
def test_extract_refuses_bad_attachments_in_one_line(project: Project, capfd: pytest.CaptureFixture[str], name: str, message: str) -> None:
    (project.root / "in.pdf").write_bytes(pdf_with(("003.md", b"---\n"), (name, b"x")))
    code, out, err = run_cli(project, ["extract", "in.pdf", "--out", "restored"], capfd)
    assert (code, err.strip()) == (2, f"in.pdf: {message}")
    assert not (project.root / "restored").exists()


@settings(max_examples=50, deadline=None)
@given(st.binary(max_size=2000), st.integers(min_value=0, max_value=1500))
def test_extract_reader_property(noise: bytes, at: int) -> None:
    """Any damage to an issue PDF is refused with a UsageError or read whole; never another exception."""
    from bulletin.archive.extract import embedded_files

    data = pdf_with(("003.md", b"---\ntitle: x\n"), ("images/a.png", b"png"))
    damaged = data[:at] + noise + data[at + len(noise) :]
    try:
        files, _ = embedded_files(damaged, Path("in.pdf"))
    except UsageError:
        return
    assert all(isinstance(v, bytes) for v in files.values())


# -- check --fix never changes what the file means

FIX_FRONT = "issue: 3\ntotal: 51\ndate: 2026-05-18\n{title}\nrecipients: [陈明远书记]\n{editor}\nprint_run: 30\n"


def fixed(project: Project, text: bytes) -> bytes:
    path = project.raw("2026/003.md", text)
    from bulletin.checks.lint import fix
    from bulletin.checks.losses import fix_losses

    fix(path)
    fix_losses(path)
    return path.read_bytes()


@pytest.mark.parametrize(
    "title, editor, body",
    [
        ("title: '关于''试点''的建议'", "editor: 林书瑶", "正文。\n"),
        ("title: 关于试点的建议", 'editor: "林\\"书\\"瑶"', "正文。\n"),
        ("title: 关于试点的建议", "editor: 林书瑶", "见图。\n\n![图一][f]\n\n[f]: 图(1).png \"图(1),说明\"\n"),
        ("title: 关于试点的建议", "editor: 林书瑶", "命令 ``中文,逗号`` 与 ``a`中文,b`` 不改。\n"),
        ("title: 关于试点的建议", "editor: 林书瑶", "示例：\n\n```\n~~~\n中文,逗号\n~~~\n中文,逗号\n```\n"),
        ("title: 关于试点的建议", "editor: 林书瑶", "示例：\n\n~~~~\n```\n中文,逗号(说明)\n~~~~\n"),
        ("title: 关于试点的建议", "editor: 林书瑶", "见![图](images/图(1).png)。\n"),
    ],
)
def test_check_fix_leaves_escapes_definitions_and_code_alone(project: Project, title: str, editor: str, body: str) -> None:
    text = f"---\n{FIX_FRONT.format(title=title, editor=editor)}---\n\n{body}".encode()
    assert fixed(project, text) == text


def test_check_fix_still_fixes_prose_beside_code(project: Project) -> None:
    text = "---\n" + FIX_FRONT.format(title="title: 关于试点的建议", editor="editor: 林书瑶") + "---\n\n中文,逗号 ``a,b`` 中文,逗号\n"
    assert fixed(project, text.encode()).decode().endswith("中文，逗号 ``a,b`` 中文，逗号\n")


def test_check_fix_keeps_each_lines_own_line_end(project: Project) -> None:
    front = FIX_FRONT.format(title="title: 关于试点的建议", editor="editor: 林书瑶").replace("\n", "\r\n", 3)
    text = f"---\r\n{front}---\n\n中文,逗号\r\n第二行\n段落\n- 列表\r\n".encode()
    result = fixed(project, text)
    assert result == text.replace("中文,逗号".encode(), "中文，逗号".encode()).replace("段落\n- 列表".encode(), "段落\n\n- 列表".encode())


PROTECTED = st.sampled_from(
    [
        "``a,b(c)``",
        "`中文,逗号`",
        "```中,文``` ",
        "![图](images/图(1).png)",
        "[链接](http://x.cn/a(b),c)",
        "<http://x.cn/中,文>",
    ]
)
BLOCKS = st.sampled_from(
    [
        "```\n~~~\n中文,逗号(说明)\n~~~\n\"中文\"\n```",
        "~~~~\n```\n中文,逗号\n~~~~",
        "    中文,逗号(缩进代码)",
        "[r]: 图(1).png \"中文,标题\"",
    ]
)
PROSE = st.sampled_from(["中文,逗号", "中文(说明)", "他说\"好\"了", "”,再", "２０２６年", "##标题", "** 强调**", "普通文字。"])


@settings(max_examples=50, deadline=None)
@given(
    st.lists(st.one_of(st.tuples(PROSE, PROTECTED, PROSE).map("".join), BLOCKS, PROSE), min_size=1, max_size=8),
    st.lists(st.sampled_from(["\n", "\r\n"]), min_size=40, max_size=40),
    st.sampled_from(["title: '关于''试点'',的建议'", 'title: "关于\\"试点\\",的建议"', "title: 关于试点,的建议"]),
)
def test_check_fix_property(parts: list[str], ends: list[str], title: str) -> None:
    """Whatever mix of prose and protected text, --fix leaves code, targets, definitions and escapes byte for byte."""
    import tempfile

    import yaml

    from bulletin.checks.lint import fix
    from bulletin.checks.losses import fix_losses

    body = "\n\n".join(parts) + "\n"
    lines = f"---\n{FIX_FRONT.format(title=title, editor='editor: 林书瑶')}---\n\n{body}".split("\n")
    text = "".join(line + ends[i % len(ends)] for i, line in enumerate(lines[:-1]))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "x.md"
        path.write_bytes(text.encode())
        fix(path)
        fix_losses(path)
        result = path.read_bytes().decode()
    for part in parts:
        for protected in ("``a,b(c)``", "`中文,逗号`", "```中,文```", "图(1).png", "(http://x.cn/a(b),c)", "<http://x.cn/中,文>"):
            if protected in part:
                assert protected in result
        if part.startswith(("```", "~~~", "    ", "[r]")):
            assert part.replace("\n", "") in result.replace("\r", "").replace("\n", "")
    front = result.split("---")[1]
    # the title means the same: at most a half-width mark became full-width, the escapes are intact
    assert yaml.safe_load(front)["title"].replace("，", ",") == yaml.safe_load(text.split("---")[1])["title"]
    # every line keeps its own end (no fix here adds a line)
    assert re.findall(r"\r\n|\n", result) == [ends[i % len(ends)] for i in range(len(lines) - 1)]


@pytest.mark.parametrize("broken", ["2026/002.md", "2026/005.md"], ids=["first-of-year", "last-of-year"])
def test_volume_refuses_a_year_with_an_unreadable_issue(project: Project, capfd: pytest.CaptureFixture[str], broken: str) -> None:
    project.issue("2026/003.md")
    project.issue("2026/004.md", front=FRONT.replace("issue: 3", "issue: 4").replace("total: 51", "total: 52").replace("05-18", "05-19"))
    number = int(broken[5:8])
    bad = FRONT.replace("issue: 3", f"issue: {number}").replace("total: 51", "total: 五十").replace("05-18", f"05-{15 + number:02d}")
    project.issue(broken, front=bad)
    old = project.root / "build" / "volumes" / "2026.pdf"
    old.parent.mkdir(parents=True)
    old.write_bytes(b"%PDF- the complete volume made before")
    code, out, err = run_cli(project, ["volume", "2026"], capfd)
    assert code == 1
    assert err.splitlines() == [f"issues/{broken}:3: 'total' must be a whole number, not '五十'"]
    assert old.read_bytes() == b"%PDF- the complete volume made before"
    assert not (project.root / "build" / "2026").exists()


def test_volume_ignores_an_unreadable_issue_of_another_year(project: Project) -> None:
    from bulletin.archive.volume import _may_be_of

    other = project.issue("2027/001.md", front=FRONT.replace("total: 51", "total: x").replace("2026-05-18", "2027-01-05"))
    assert not _may_be_of(other, 2026) and _may_be_of(other, 2027)
    undated = project.raw("2026/009.md", b"---\n[\n---\n")
    assert _may_be_of(undated, 2026) and not _may_be_of(undated, 2025)


# -- every reader of a damaged file gives one problem or a value, never another exception

TOML_PIECES = st.sampled_from(
    [
        "[series]\n", "[contact]\n", "[fonts.docx]\n", "[[archive.gaps]]\n", "[layout]\n", "[distribution]\n",
        'name = "临江参阅"\n', 'kind = "专报"\n', 'publisher = "x"\n', 'phone = "1"\n', 'address = "a"\n',
        "first_total = 3\n", "last_total = 2\n", "colophon_on_even_page = true\n", "list = [1, [2]]\n",
        "x = {a = {b = [1]}}\n", "title = 9999999999999999999999\n", "[", "]", "=", '"', "\n", "a.b.c = 1\n",
    ]
)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.one_of(TOML_PIECES, st.text(alphabet="[]{}=\"'\n .,#ab01", max_size=12)), max_size=25), st.integers(0, 40))
def test_bulletin_toml_reader_property(pieces: list[str], depth: int) -> None:
    import tempfile

    from bulletin.config import load_config

    with tempfile.TemporaryDirectory() as folder:
        text = "".join(pieces) + "\nz = " + "[" * depth + "]" * depth + "\n"
        (Path(folder) / "bulletin.toml").write_text(text, encoding="utf-8")
        try:
            load_config(Path(folder))
        except BulletinError as exc:
            assert str(exc).strip()


FONT_PIECES = st.sampled_from(
    [
        "[[font]]\n", "[font]\n", 'file = "a.otf"\n', "file = 3\n", 'face = "F"\n', "weight = 400\n", "weight = true\n",
        "weight = 99999\n", 'role = "body"\n', 'sha256 = "00"\n', 'file = "../../x"\n', "font = 1\n", "x = 1\n", "[", "\n",
    ]
)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.one_of(FONT_PIECES, st.text(alphabet="[]=\"\n a1", max_size=8)), max_size=20))
def test_font_manifest_reader_property(pieces: list[str]) -> None:
    import tempfile

    from bulletin.errors import ConfigError
    from bulletin.support.fonts import read_font_manifest

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "fonts.toml"
        path.write_text("".join(pieces), encoding="utf-8")
        try:
            entries = read_font_manifest(path)
        except ConfigError as exc:
            assert exc.path == path
            return
        for entry in entries:
            assert isinstance(entry["file"], str) and isinstance(entry["weight"], int)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=6) | st.just("../x") | st.just("a" * 64),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=10,
)
GOOD_MANIFEST = {
    "format": 1,
    "shared": {"s": {"tool": "x"}},
    "issues": {
        "issues/2026/003.md": {
            "shared": "s",
            "inputs": {"issues/2026/003.md": "ab"},
            "outputs": {"pdf": {"path": "2026/003.pdf", "sha256": "a" * 64, "size": 3, "mtime_ns": 1}},
            "catalog": {"title": "t"},
        }
    },
}


@settings(max_examples=50, deadline=None)
@given(st.lists(st.sampled_from(["shared", "issues", "issues/2026/003.md", "inputs", "outputs", "pdf", "path", "size", "catalog", "s"]), max_size=5), JSON)
def test_build_manifest_reader_property(route: list[str], value: object) -> None:
    """A valid manifest with any one value replaced by any JSON value: a Manifest of the right types, or one ConfigError."""
    import copy

    from bulletin.errors import ConfigError
    from bulletin.archive.manifest import validate_manifest

    data = copy.deepcopy(GOOD_MANIFEST)
    node: object = data
    for key in route[:-1]:
        if isinstance(node, dict) and key in node:
            node = node[key]
    if isinstance(node, dict) and route:
        node[route[-1]] = value
    try:
        manifest = validate_manifest(data, Path("manifest.json"))
    except ConfigError as exc:
        assert "\n" not in str(exc)
        return
    for name, record in manifest.issues.items():
        assert isinstance(name, str) and ".." not in name.split("/")
        for output in record.outputs.values():
            assert isinstance(output.path, str) and isinstance(output.size, int) and ".." not in output.path.split("/")


def _small_docx() -> bytes:
    import docx

    buffer = io.BytesIO()
    document = docx.Document()
    document.add_paragraph("正文", style="Normal")
    document.save(buffer)
    return buffer.getvalue()


SMALL_DOCX = _small_docx()


@settings(max_examples=50, deadline=None)
@given(st.integers(0, len(SMALL_DOCX) - 1), st.binary(min_size=1, max_size=64), st.booleans())
def test_styles_reader_property(at: int, noise: bytes, inside: bool) -> None:
    """A DOCX damaged anywhere (in the zip, or in one XML part) gives exit 0 or one line with exit 2."""
    import contextlib
    import tempfile
    import zipfile

    from bulletin.cli import main

    if inside:  # damage one part's XML, keeping the zip sound
        with zipfile.ZipFile(io.BytesIO(SMALL_DOCX)) as archive:
            parts = {info.filename: archive.read(info) for info in archive.infolist()}
        name = sorted(parts)[at % len(parts)]
        spot = at % max(1, len(parts[name]))
        parts[name] = parts[name][:spot] + noise + parts[name][spot + len(noise) :]
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            for part, data in parts.items():
                archive.writestr(part, data)
        damaged = buffer.getvalue()
    else:
        damaged = SMALL_DOCX[:at] + noise + SMALL_DOCX[at + len(noise) :]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "x.docx"
        path.write_bytes(damaged)
        err = io.StringIO()
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            code = main(["styles", str(path)])
    assert code in (0, 2)
    assert "Traceback" not in err.getvalue()
    if code == 2:
        assert len(err.getvalue().strip().splitlines()) == 1
