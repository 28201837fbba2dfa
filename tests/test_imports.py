"""Commands that render nothing never pay for importing WeasyPrint (or python-docx)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import Project

PROBE = """
import sys
from bulletin.cli import main
code = main(sys.argv[1:])
heavy = sorted(name for name in ("weasyprint", "docx", "fontTools.ttLib.ttFont", "pypdf") if name in sys.modules)
print("IMPORTED:" + ",".join(heavy), file=sys.stderr)
"""


def imported(project: Path, *args: str) -> list[str]:
    """The heavy modules a fresh process imported for `bulletin ARGS` in `project`."""
    result = subprocess.run(
        [sys.executable, "-c", PROBE, *args], cwd=project, capture_output=True, text=True, timeout=120
    )
    line = next(line for line in result.stderr.splitlines() if line.startswith("IMPORTED:"))
    return [name for name in line.removeprefix("IMPORTED:").split(",") if name]


@pytest.mark.parametrize(
    "args",
    [("--help",), ("check",), ("check", "issues/2026/003.md"), ("new", "--date", "2026-06-01"), ("build", "--help")],
)
def test_commands_that_render_nothing_never_import_weasyprint(project: Project, args: tuple[str, ...]) -> None:
    project.issue()
    found = imported(project.root, *args)
    assert "weasyprint" not in found and "docx" not in found, found


def test_the_probe_sees_weasyprint_when_a_pdf_is_built(project: Project) -> None:
    project.issue()
    assert "weasyprint" in imported(project.root, "build", "--format", "pdf", "--jobs", "1")
