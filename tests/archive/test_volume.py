"""The annual volume (合订本): contents, every issue of the year in order, bookmarks, right-hand starts."""
from __future__ import annotations

import os
import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest
from pypdf import PdfReader

from bulletin.cli import main

from tests.conftest import FRONT, ROOT, Project
from tests.test_cli import run as run_cli

pytestmark = pytest.mark.slow


def run(root: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Run the CLI in the project at `root`: exit code, stdout, stderr; never a traceback."""
    code, out, err = run_cli(SimpleNamespace(root=root), *args, capsys=capsys)  # type: ignore[arg-type]
    assert "Traceback" not in out + err
    return code, out, err


@pytest.fixture(scope="module")
def volume(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, PdfReader]:
    """The samples' project copied, and its 2025 volume."""
    root = tmp_path_factory.mktemp("volume")
    shutil.copy(ROOT / "bulletin.toml", root / "bulletin.toml")
    shutil.copytree(ROOT / "issues", root / "issues")
    old = Path.cwd()
    os.chdir(root)
    try:
        assert main(["volume", "2025"]) == 0
    finally:
        os.chdir(old)
    return root, PdfReader(root / "build" / "volumes" / "2025.pdf")


def issue_pdfs(root: Path) -> list[Path]:
    """The 2025 issue PDFs, in order."""
    return sorted((root / "build" / "2025").glob("*.pdf"))


def test_the_volume_holds_contents_then_every_issue_in_order(volume) -> None:  # type: ignore[no-untyped-def]
    root, reader = volume
    contents = reader.pages[0].extract_text()
    assert "2025年合订本" in contents and "目录" in contents.replace(" ", "")
    assert contents.index("第11期（总第47期）") < contents.index("第12期（总第48期）")
    page = 2  # the contents page and the blank back of its sheet
    for pdf in issue_pdfs(root):
        issue = PdfReader(pdf)
        for offset, original in enumerate(issue.pages):
            assert reader.pages[page + offset].extract_text() == original.extract_text()
        page += len(issue.pages) + len(issue.pages) % 2
    assert len(reader.pages) == page


def test_every_issue_starts_on_a_right_hand_page(volume) -> None:  # type: ignore[no-untyped-def]
    root, reader = volume
    starts = [item for item in reader.outline if not isinstance(item, list)][1:]
    assert [reader.get_destination_page_number(item) % 2 for item in starts] == [0, 0]  # pages 1, 3, 5… from 1


def test_one_bookmark_per_issue_with_its_headings_beneath(volume) -> None:  # type: ignore[no-untyped-def]
    root, reader = volume
    top = [item.title for item in reader.outline if not isinstance(item, list)]
    titles = [PdfReader(pdf).metadata["/Title"] for pdf in issue_pdfs(root)]
    assert top == ["目录", f"第11期（总第47期） {titles[0]}", f"第12期（总第48期） {titles[1]}"]
    for item in [i for i in reader.outline if not isinstance(i, list)][1:]:
        first = reader.pages[reader.get_destination_page_number(item)].extract_text()
        assert item.title.split(" ", 1)[0] in first.replace(" ", "")
    nested = [item for item in reader.outline if isinstance(item, list)]
    assert len(nested) == 2 and all(nested)


def test_page_numbers_restart_with_each_issue(volume) -> None:  # type: ignore[no-untyped-def]
    root, reader = volume
    labels = reader.page_labels
    assert labels[:3] == ["i", "ii", "47-1"]
    first_of_48 = labels.index("48-1")
    assert "— 1 —" in reader.pages[first_of_48].extract_text()


def test_the_volume_rebuilds_to_the_same_bytes(volume, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    root, _ = volume
    target = root / "build" / "volumes" / "2025.pdf"
    before = target.read_bytes()
    assert run(root, capsys, "volume", "2025")[0] == 0
    assert target.read_bytes() == before


def test_a_year_without_issues_is_a_usage_error(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    project.issue()
    code, out, err = run(project.root, capsys, "volume", "2019")
    assert code == 2
    assert "no issues dated 2019" in err
    assert not (project.root / "build").exists()


def test_a_year_with_a_numbering_problem_makes_no_volume(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    project.issue("2026/003.md")
    project.issue("2026/004.md", front=FRONT.replace("05-18", "05-19"))
    code, _, err = run(project.root, capsys, "volume", "2026")
    assert code == 1
    assert "issues/2026/004.md:2: 第3期 of 2026 is used twice: also by issues/2026/003.md" in err
    assert not (project.root / "build").exists()
