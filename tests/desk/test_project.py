"""A house's own project: `bulletin init` and `bulletin templates`."""
from __future__ import annotations

from pathlib import Path

from bulletin.cli import main


def test_init_lays_out_a_project_that_checks_and_refuses_to_lay_it_out_twice(tmp_path: Path) -> None:
    assert main(["init", str(tmp_path / "p")]) == 0
    issues = list((tmp_path / "p" / "issues").rglob("*.md"))
    assert len(issues) == 1
    assert main(["--project", str(tmp_path / "p"), "check"]) == 0
    before = (tmp_path / "p" / "bulletin.toml").read_bytes()
    assert main(["init", str(tmp_path / "p")]) == 2
    assert (tmp_path / "p" / "bulletin.toml").read_bytes() == before


def test_templates_are_copied_out_once(tmp_path: Path) -> None:
    assert main(["init", str(tmp_path / "p")]) == 0
    assert main(["--project", str(tmp_path / "p"), "templates"]) == 0
    copied = tmp_path / "p" / "templates" / "issue.html.j2"
    assert copied.is_file()
    copied.write_text("edited", encoding="utf-8")
    assert main(["--project", str(tmp_path / "p"), "templates"]) == 2
    assert copied.read_text(encoding="utf-8") == "edited"
