"""Errors keep their cause: an internal error shows its traceback with --debug, and only template errors blame the template."""
from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from bulletin import pipeline, typography
from bulletin.errors import ConfigError
from bulletin.render import html

from .conftest import Project, run_cli


def _boom(*args: object) -> str:
    raise ValueError("boom in the tool's own code")


@pytest.fixture
def buggy(project: Project, monkeypatch: pytest.MonkeyPatch) -> Project:
    """A project whose build meets a bug in the tool (a helper of the HTML renderer raises)."""
    project.issue()
    monkeypatch.setattr(typography, "issue_line", _boom)
    monkeypatch.delenv("BULLETIN_DEBUG", raising=False)
    return project


def test_an_internal_error_is_one_line_without_debug(buggy: Project, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(buggy, ["build", "--format", "html", "--jobs", "1"], capsys)
    assert code == 3
    assert "issues/2026/003.md: internal error: ValueError: boom in the tool's own code" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("how", ["option", "environment"])
def test_debug_prints_the_traceback_of_the_cause(
    buggy: Project, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    args = ["build", "--format", "html", "--jobs", "1"]
    if how == "option":
        args = ["--debug", *args]
    else:
        monkeypatch.setenv("BULLETIN_DEBUG", "1")
    code, _, err = run_cli(buggy, args, capsys)
    assert code == 3
    assert "Traceback (most recent call last)" in err
    assert "in _boom" in err and "render_html" in err  # where it was raised, and the way there
    assert err.index("internal error") < err.index("Traceback")


def test_a_bug_outside_any_issue_is_exit_3_with_its_traceback_on_demand(
    project: Project, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    project.issue()
    monkeypatch.delenv("BULLETIN_DEBUG", raising=False)

    def broken(*args: object, **kwargs: object) -> None:
        raise KeyError("lost")

    monkeypatch.setattr(pipeline, "build", broken)
    code, _, err = run_cli(project, ["build"], capsys)
    assert code == 3 and err.strip().count("\n") == 0 and "internal error: KeyError" in err
    code, _, err = run_cli(project, ["--debug", "build"], capsys)
    assert code == 3 and "in broken" in err and "Traceback" in err


def test_the_template_is_blamed_only_for_what_the_template_itself_raises(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    issue = pipeline.load(project.issue(), project.config)
    config = project.config
    # Python called by the template (here the font URL helper, handed a relative path) is the tool's bug
    fonts = html.load_fonts(html.fonts_dir(config.root))
    relative = tuple(dataclasses.replace(font, path=Path(font.path.name)) for font in fonts)
    monkeypatch.setattr(html, "load_fonts", lambda folder: relative)
    with pytest.raises(ValueError, match="relative path"):
        html.render_html(issue, config)
    monkeypatch.undo()


def test_an_impossible_computation_in_the_template_is_the_template_s_error(project: Project) -> None:
    import shutil

    from bulletin.support.folders import TOOL_TEMPLATES

    shutil.copytree(TOOL_TEMPLATES, project.root / "templates")
    page = project.root / "templates" / "issue.html.j2"
    page.write_text(page.read_text(encoding="utf-8").replace("<title>", "<title>{{ 1 // 0 }}", 1), encoding="utf-8")
    issue = pipeline.load(project.issue(), project.config)
    with pytest.raises(ConfigError) as raised:
        html.render_html(issue, project.config)
    assert raised.value.path == page and raised.value.line is not None
    assert "template failed: ZeroDivisionError" in str(raised.value)
