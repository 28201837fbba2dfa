"""Hardening: strict front matter numbers, bounded numbering work, inert CSV cells, linear DOCX tables."""
from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import docx.table
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bulletin.archive import Entry, _missing, numbering_problems
from bulletin.catalog import csv_cell, to_csv
from bulletin.errors import BulletinError
from bulletin.parse import parse_meta
from bulletin.source import split

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
