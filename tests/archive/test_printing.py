"""The print run: numbered copies from the archived PDF, blank backs, the register, --copies and --only."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from pypdf import PdfReader

from tests.conftest import FRONT, Project, run_cli

pytestmark = pytest.mark.slow

#: long enough for three pages of the house style
BODY = "\n\n".join(
    f"第{i}段正文，用来检查印制的份号与背面空白页，内容本身并不重要，只要足够长即可占满版面。" * 2 for i in range(1, 11)
) + "\n"


def texts(pdf: Path) -> list[str]:
    """The text of every page."""
    return [page.extract_text() or "" for page in PdfReader(pdf).pages]


@pytest.fixture(scope="module")
def printed(tmp_path_factory: pytest.TempPathFactory) -> Project:
    """A project whose 3-page issue (print_run 30) was printed once, then copy 7 reprinted."""
    import _pytest.capture  # noqa: F401 (capsys is function-scoped; run main directly)

    from bulletin.cli import main

    project = Project(tmp_path_factory.mktemp("printrun"))
    with open(project.root / "bulletin.toml", "a", encoding="utf-8") as toml:
        toml.write('\n[distribution]\nlist = ["办公室存档"]\n')
    project.issue(front=FRONT, body=BODY)
    import os

    old = Path.cwd()
    os.chdir(project.root)
    try:
        assert main(["print", "issues/2026/003.md"]) == 0
        (project.root / "first.csv").write_bytes((project.root / "build/register/2026/003.csv").read_bytes())
        (project.root / "first.log").write_bytes((project.root / "build/register/2026/003.log.jsonl").read_bytes())
        assert main(["print", "issues/2026/003.md", "--only", "7"]) == 0
    finally:
        os.chdir(old)
    return project


def test_thirty_copies_of_three_pages_are_120_pages_numbered_on_front_pages(printed: Project) -> None:
    archived = texts(printed.root / "build/2026/003.pdf")
    assert len(archived) == 3
    run = texts(printed.root / "build/print/2026/003.pdf")
    assert len(run) == 120
    for copy in range(30):
        first = copy * 4
        pages = run[first : first + 4]
        lines = pages[0].splitlines()
        number = f"{copy + 1:06d}"
        assert lines.count(number) == 1, (first + 1, lines[:3])
        # apart from the number line, every copy is the archived issue, page for page
        assert [line for line in lines if line != number] == archived[0].splitlines()
        assert pages[1:3] == archived[1:3]
        assert pages[3].strip() == ""  # the blank back: no page number either
    numbered = [i + 1 for i, text in enumerate(run) if any(len(x) == 6 and x.isdigit() for x in text.splitlines())]
    assert numbered == list(range(1, 118, 4))


def test_the_copy_number_sits_in_its_slot(printed: Project) -> None:
    import pdfplumber

    from bulletin.house import MM
    from bulletin.archive.printing import copy_number_slot

    slot = copy_number_slot(printed.config)
    with pdfplumber.open(printed.root / "build/print/2026/003.pdf") as pdf:
        for index in (0, 4, 116):
            words = [w for w in pdf.pages[index].extract_words() if w["text"] == f"{index // 4 + 1:06d}"]
            assert len(words) == 1
            word = words[0]
            assert abs(word["x0"] - slot.left_mm * MM) < 0.5, word
            assert slot.top_mm * MM <= word["top"] and word["bottom"] <= slot.top_mm * MM + slot.line_pt, word
            assert abs((word["bottom"] - word["top"]) - slot.size_pt) < 1.5, word


def test_register_lists_every_copy_and_records_the_reprint(printed: Project) -> None:
    log = printed.root / "build/register/2026/003.log.jsonl"
    data = log.read_bytes()
    assert data.startswith((printed.root / "first.log").read_bytes())  # append-only: old lines byte for byte
    records = [json.loads(line) for line in data.decode().splitlines()]
    assert len(records) == 31
    assert records[-1]["copy"] == 7 and records[-1]["kind"] == "reprint"
    csv = (printed.root / "build/register/2026/003.csv").read_bytes()
    assert csv.startswith(b"\xef\xbb\xbf")
    rows = csv[3:].decode().split("\r\n")
    assert rows[0] == "份号,接收人,印制日期,补印,签收"
    assert rows[1].startswith("000001,陈明远书记,") and rows[2].startswith("000002,周立衡市长,")
    assert rows[3].startswith("000003,办公室存档,") and rows[4].startswith("000004,,")
    assert len([row for row in rows[1:] if row]) == 30
    seven = rows[7].split(",")
    assert seven[0] == "000007" and seven[3] == seven[2] != ""  # reprinted, on the day it was printed
    assert (printed.root / "first.csv").read_bytes().decode("utf-8-sig").split("\r\n")[7].split(",")[3] == ""
    reprint = texts(printed.root / "build/print/2026/003-000007.pdf")
    assert len(reprint) == 4 and "000007" in reprint[0].splitlines()


def test_copies_other_than_print_run_is_refused(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    path = project.issue(front=FRONT, body="一段正文。\n")
    before = project.files()
    code, out, err = run_cli(project, ["print", "issues/2026/003.md", "--copies", "2"], capsys)
    assert code == 2 and "Traceback" not in err
    assert err.strip().splitlines() == [
        "issues/2026/003.md: --copies 2 differs from print_run: 30 (共印 would be wrong); "
        "change print_run or add --update-print-run"
    ]
    assert project.files() == before
    code, out, err = run_cli(project, ["print", "issues/2026/003.md", "--copies", "2", "--update-print-run"], capsys)
    assert code == 0, err
    assert "print_run: 2\n" in path.read_text(encoding="utf-8")
    archived = texts(project.root / "build/2026/003.pdf")
    assert "共印：2份" in "".join(archived).replace(" ", "")
    assert len(texts(project.root / "build/print/2026/003.pdf")) == 2 * (len(archived) + len(archived) % 2)


def test_reprint_of_a_copy_never_printed_is_refused(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    project.issue(front=FRONT, body="一段正文。\n")
    code, out, err = run_cli(project, ["print", "issues/2026/003.md", "--only", "7"], capsys)
    assert code == 2
    assert err.strip() == "issues/2026/003.md: copy 000007 was never printed"
    assert not (project.root / "build/print").exists()
    code, out, err = run_cli(project, ["print", "issues/2026/003.md", "--only", "31"], capsys)
    assert code == 2 and err.strip() == "--only 31: copy 31 is beyond the print run of 30"
    code, out, err = run_cli(project, ["print", "issues/2026/003.md", "--only", "7,x"], capsys)
    assert code == 2 and err.strip() == "--only 7,x: 'x' is not a copy number (1 or more)"
    code, out, err = run_cli(project, ["--lang", "zh", "print", "issues/2026/003.md", "--only", "7"], capsys)
    assert code == 2 and err.strip() == "issues/2026/003.md: 份号 000007 从未印制"


def test_send_without_a_printer_is_one_line(project: Project, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    project.issue(front=FRONT.replace("print_run: 30", "print_run: 1"), body="一段正文。\n")
    monkeypatch.setenv("PATH", "/nonexistent")
    code, out, err = run_cli(project, ["print", "issues/2026/003.md", "--send"], capsys)
    assert code == 2
    assert err.strip() == "CUPS is not installed: no 'lp' command (apt-get install cups-client)"
    assert not (project.root / "build/register").exists()  # nothing was printed, so nothing is recorded


def test_the_register_pdf_lists_every_copy_inside_the_page_and_is_reproducible(printed: Project) -> None:
    import pdfplumber

    from bulletin.archive import register
    from bulletin.house import GEOMETRY, MM
    from bulletin.parse import parse_meta
    from bulletin.source import read_source

    path = printed.root / "build/register/2026/003.pdf"
    first = path.read_bytes()
    with pdfplumber.open(path) as pdf:
        words = [(page.page_number, w) for page in pdf.pages for w in page.extract_words()]
        width = float(pdf.pages[0].width)
        chars = [c for page in pdf.pages for c in page.chars]
        lines = [line for page in pdf.pages for line in (page.extract_text() or "").splitlines()]
    texts_ = [w["text"] for _, w in words]
    assert [t for t in texts_ if len(t) == 6 and t.isdigit()] == [f"{n:06d}" for n in range(1, 31)]
    assert "发放登记" in "".join(lines[:3]).replace(" ", "")
    assert any("第3期（总第51期）" in line.replace(" ", "") and "关于测试的几点建议" in line.replace(" ", "") for line in lines)
    for name in register.HEADER:
        assert name in "".join(texts_)
    seven = next(line for line in lines if line.startswith("000007"))
    assert len(re.findall(r"\d{4}-\d{2}-\d{2}", seven)) == 2  # printed, then reprinted
    one = next(line for line in lines if line.startswith("000001"))
    assert "陈明远书记" in one.replace(" ", "")
    # every glyph inside the type area's width
    left, right = GEOMETRY.margin_left_mm * MM, width - GEOMETRY.margin_right_mm * MM
    assert chars and all(left - 1 <= c["x0"] and c["x1"] <= right + 1 for c in chars)
    # the same log gives the same bytes
    meta, _ = parse_meta(read_source(printed.root / "issues/2026/003.md"))
    register.write_pdf(printed.root / "build/register/2026/003.log.jsonl", printed.config, meta)
    assert path.read_bytes() == first
