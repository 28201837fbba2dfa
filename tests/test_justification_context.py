"""The layout extension is a context every WeasyPrint render enters: no render depends on the ones before it."""
from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from pypdf import PdfReader

from .conftest import ROOT

pytestmark = pytest.mark.slow

TITLE = "关于推动临江港口物流数字化“转型”的几点建议"

#: run the command lines given as arguments (one per argument, words split on spaces) in one process
SCRIPT = """
import sys
from bulletin.cli import main
for line in sys.argv[1:]:
    code = main(line.split())
    if code:
        sys.exit(code)
"""


def run(root: Path, *commands: str) -> None:
    """The commands run one after another in one fresh Python process, in the project at `root`."""
    done = subprocess.run([sys.executable, "-c", SCRIPT, *commands], cwd=root, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr


def test_the_volume_is_the_same_whether_the_process_built_an_issue_first_or_not(tmp_path: Path) -> None:
    root = tmp_path / "project"
    root.mkdir()
    shutil.copy(ROOT / "bulletin.toml", root / "bulletin.toml")
    shutil.copytree(ROOT / "issues" / "2025", root / "issues" / "2025")
    # a title whose break on the contents page differs between Pango's rules and clreq's:
    # Pango breaks nowhere next to a quotation mark, clreq lets “ start the second line
    issue = root / "issues" / "2025" / "011.md"
    lines = issue.read_text(encoding="utf-8").splitlines(keepends=True)
    at = next(number for number, line in enumerate(lines) if line.startswith("title:"))
    lines[at] = f"title: {TITLE}\n"
    issue.write_text("".join(lines), encoding="utf-8")
    volume = root / "build" / "volumes" / "2025.pdf"
    # one process renders the issues itself (one job: in this process), then the volume's contents
    run(root, "build issues/2025 --format pdf --jobs 1", "volume 2025 --jobs 1")
    after_issues = hashlib.sha256(volume.read_bytes()).hexdigest()
    volume.unlink()
    # a fresh process finds the issues up to date: the contents page is its first render
    run(root, "volume 2025 --jobs 1")
    fresh = hashlib.sha256(volume.read_bytes()).hexdigest()
    assert fresh == after_issues
    contents = PdfReader(volume).pages[0].extract_text()
    assert "数字化\n“转型”" in contents
