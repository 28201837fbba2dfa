"""The project boundary, registered temporaries and outputs replaced together, through the command line."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from bulletin.support.fonts import TOOL_FONTS
from bulletin.output import REGISTER_NAME, remove_stale_temporaries
from bulletin.support.folders import TOOL_TEMPLATES

from tests.conftest import FRONT, Project, run_cli


def lines(err: str) -> list[str]:
    return [line for line in err.splitlines() if not line.startswith(("built ", "checked "))]


def test_build_of_the_root_folder_is_refused(project: Project, capfd: pytest.CaptureFixture[str]) -> None:
    project.issue()
    code, out, err = run_cli(project, ["build", "/"], capfd)
    assert code == 2
    assert lines(err) == [f"/: this path lies outside the project ({project.root.resolve()}); only files of the project are used"]
    assert not (project.root / "build").exists()


def test_an_issue_path_outside_the_project_is_refused(project: Project, tmp_path_factory: pytest.TempPathFactory, capfd: pytest.CaptureFixture[str]) -> None:
    elsewhere = tmp_path_factory.mktemp("elsewhere") / "x.md"
    shutil.copy(project.issue(), elsewhere)
    code, _, err = run_cli(project, ["check", str(elsewhere)], capfd)
    assert code == 2
    assert lines(err)[0].endswith("this path lies outside the project " f"({project.root.resolve()}); only files of the project are used")


def test_an_issue_file_linked_out_of_the_project_is_not_read(project: Project, tmp_path_factory: pytest.TempPathFactory, capfd: pytest.CaptureFixture[str]) -> None:
    project.issue()
    secret = tmp_path_factory.mktemp("elsewhere") / "secret.md"
    secret.write_text("---\ntitle: 外部机密\n---\n", encoding="utf-8")
    (project.root / "issues" / "2026" / "004.md").symlink_to(secret)
    for command in (["check"], ["build", "--format", "html"]):
        code, out, err = run_cli(project, command, capfd)
        assert code == 1, err
        assert f"issues/2026/004.md: issue file is a symbolic link to {secret}, outside the project; not read" in (out + err).splitlines()
        assert "外部机密" not in out + err
    assert not list((project.root / "build").rglob("*.html")) if (project.root / "build").exists() else True


def test_new_skips_an_issue_linked_out(project: Project, tmp_path_factory: pytest.TempPathFactory, capfd: pytest.CaptureFixture[str]) -> None:
    project.issue()
    linked = project.issue("2026/009.md", front=FRONT.replace("issue: 3", "issue: 9").replace("total: 51", "total: 57"))
    secret = tmp_path_factory.mktemp("elsewhere") / "009.md"
    shutil.move(linked, secret)
    linked.symlink_to(secret)
    code, out, err = run_cli(project, ["new", "--date", "2026-05-20"], capfd)
    assert code == 0, err
    assert out.strip() == "issues/2026/004.md"  # numbered after 003, not after the linked-in 009


def test_a_template_linked_out_of_the_project_is_refused(project: Project, tmp_path_factory: pytest.TempPathFactory, capfd: pytest.CaptureFixture[str]) -> None:
    project.issue()
    shutil.copytree(TOOL_TEMPLATES, project.root / "templates")
    outside = tmp_path_factory.mktemp("elsewhere") / "bulletin.css.j2"
    shutil.copy(project.root / "templates" / "bulletin.css.j2", outside)
    (project.root / "templates" / "bulletin.css.j2").unlink()
    (project.root / "templates" / "bulletin.css.j2").symlink_to(outside)
    code, _, err = run_cli(project, ["build", "--format", "pdf"], capfd)
    assert code == 2
    assert lines(err) == [f"templates/bulletin.css.j2: template is a symbolic link to {outside}, outside the project; not read"]
    assert not (project.root / "build" / "2026").exists()


def test_a_font_outside_the_fonts_folder_is_refused(project: Project, capfd: pytest.CaptureFixture[str]) -> None:
    project.issue()
    shutil.copytree(TOOL_FONTS, project.root / "fonts")
    manifest = project.root / "fonts" / "fonts.toml"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace('file = "FandolFang-Regular.otf"', 'file = "../../../../etc/hostname"'), encoding="utf-8")
    code, _, err = run_cli(project, ["build", "--format", "pdf"], capfd)
    assert code == 2
    assert lines(err) == ["fonts/fonts.toml: font file ../../../../etc/hostname lies outside fonts/ (a link or '..'); not read"]


@pytest.mark.parametrize("linked", ["build/2026", "build"])
def test_an_output_folder_linked_elsewhere_is_refused(project: Project, tmp_path_factory: pytest.TempPathFactory, capfd: pytest.CaptureFixture[str], linked: str) -> None:
    project.issue()
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    link = project.root / linked
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(elsewhere)
    code, _, err = run_cli(project, ["build", "--format", "html"], capfd)
    assert code == 2, err
    assert lines(err)[0].startswith(f"{linked}: ")
    assert f"{elsewhere}" in lines(err)[0]
    assert "Traceback" not in err and "internal error" not in err
    assert list(elsewhere.rglob("*")) == []  # nothing written through the link


def test_an_explicit_out_folder_may_be_anywhere(project: Project, tmp_path_factory: pytest.TempPathFactory, capfd: pytest.CaptureFixture[str]) -> None:
    project.issue()
    out = tmp_path_factory.mktemp("out")
    code, _, err = run_cli(project, ["build", "--format", "html", "--out", str(out)], capfd)
    assert code == 0, err
    assert (out / "2026" / "003.html").is_file()


def test_the_sweep_deletes_only_registered_temporaries(project: Project, capfd: pytest.CaptureFixture[str]) -> None:
    project.issue()
    dead = subprocess.run(["sh", "-c", "echo $$"], capture_output=True, text=True, check=True).stdout.strip()
    users = project.root / "build" / "notes"
    users.mkdir(parents=True)
    lookalike = users / f".draft.pdf.{dead}.abc123.part"  # a user's file that merely looks like a temporary
    lookalike.write_text("keep me")
    code, _, err = run_cli(project, ["build", "--format", "html"], capfd)
    assert code == 0, err
    assert lookalike.read_text() == "keep me"
    register = project.root / "build" / REGISTER_NAME
    assert register.is_dir() and list(register.iterdir()) == []  # every entry removed once its write ended
    # a registered temporary of a dead writer is swept
    left = project.root / "build" / "2026" / f".003.pdf.{dead}.k2x9a1.part"
    left.write_bytes(b"%PDF-half")
    (register / f"{dead}.{left.name}").write_text(f"2026/{left.name}")
    assert remove_stale_temporaries(project.root / "build") == [left]
    assert not left.exists() and lookalike.exists() and list(register.iterdir()) == []


def test_the_sweep_asks_psutil_whether_a_writer_lives(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import psutil

    register = tmp_path / REGISTER_NAME
    register.mkdir()
    part = tmp_path / ".a.pdf.4242.x.part"
    part.write_bytes(b"x")
    (register / f"4242.{part.name}").write_text(part.name)
    asked: list[int] = []
    monkeypatch.setattr(psutil, "pid_exists", lambda pid: asked.append(pid) or True)
    monkeypatch.setattr(os, "kill", lambda *a: (_ for _ in ()).throw(AssertionError("os.kill used")))
    assert remove_stale_temporaries(tmp_path) == [] and asked == [4242] and part.exists()


def test_a_locked_output_is_one_line_naming_it(project: Project, capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    project.issue()
    real = os.replace

    def locked(src: str, dst: str) -> None:
        if str(dst).endswith(".html"):
            raise PermissionError(13, "The process cannot access the file because it is being used by another process")
        real(src, dst)

    monkeypatch.setattr(os, "replace", locked)
    code, _, err = run_cli(project, ["build", "--format", "html"], capfd)
    assert code == 2
    assert lines(err) == [
        "build/2026/003.html: cannot replace the file: another program has it open or locked "
        "(or the folder is not writable); close it and try again"
    ]
    assert not list((project.root / "build").rglob("*.part"))


def test_when_the_docx_cannot_be_written_the_new_pdf_is_not_installed(project: Project, capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    project.issue(body="旧版正文。\n")
    code, _, err = run_cli(project, ["build", "--format", "html", "--format", "pdf"], capfd)
    assert code == 0, err
    pdf = project.root / "build" / "2026" / "003.pdf"
    html = project.root / "build" / "2026" / "003.html"
    before = pdf.read_bytes(), html.read_bytes()
    project.issue(body="新版正文。\n")
    real = os.replace

    def locked(src: str, dst: str) -> None:
        if str(dst).endswith(".pdf") and str(src).endswith(".part"):
            raise PermissionError(13, "locked")
        real(src, dst)

    monkeypatch.setattr(os, "replace", locked)
    code, _, err = run_cli(project, ["build", "--format", "html", "--format", "pdf"], capfd)
    assert code == 2
    assert (pdf.read_bytes(), html.read_bytes()) == before  # the HTML renamed first got its old bytes back
    assert not [p for p in (project.root / "build").rglob(".*") if p.is_file() and p.name != ".bulletin.lock"]


def test_a_folder_where_the_docx_goes_keeps_the_old_pdf(project: Project, capfd: pytest.CaptureFixture[str]) -> None:
    project.issue(body="旧版正文。\n")
    code, _, err = run_cli(project, ["build", "--format", "pdf", "--format", "html"], capfd)
    assert code == 0, err
    pdf = project.root / "build" / "2026" / "003.pdf"
    before = pdf.read_bytes()
    (project.root / "build" / "2026" / "003.html").unlink()
    (project.root / "build" / "2026" / "003.html").mkdir()
    project.issue(body="新版正文。\n")
    code, _, err = run_cli(project, ["build", "--format", "pdf", "--format", "html"], capfd)
    assert code == 2
    assert lines(err) == ["build/2026/003.html: cannot write here: Is a directory"]
    assert pdf.read_bytes() == before


def test_a_fifo_among_the_templates_is_never_opened(project: Project, capfd: pytest.CaptureFixture[str]) -> None:
    project.issue()
    shutil.copytree(TOOL_TEMPLATES, project.root / "templates")
    os.mkfifo(project.root / "templates" / "extra.html.j2")
    code, _, err = run_cli(project, ["check"], capfd)  # would block forever on opening the FIFO
    assert code == 2
    assert lines(err) == ["templates/extra.html.j2: template is not a regular file (a FIFO, device or socket); not read"]


def test_check_reports_an_issue_linked_out_and_still_checks_the_others(project: Project, tmp_path_factory: pytest.TempPathFactory, capfd: pytest.CaptureFixture[str]) -> None:
    project.issue(front=FRONT.replace("print_run: 30", "pirnt_run: 30"))
    secret = tmp_path_factory.mktemp("elsewhere") / "secret.md"
    secret.write_text("---\ntitle: 外部机密\n---\n", encoding="utf-8")
    (project.root / "issues" / "2026" / "004.md").symlink_to(secret)
    code, out, err = run_cli(project, ["check"], capfd)
    assert code == 1
    printed = (out + err).splitlines()
    assert f"issues/2026/004.md: issue file is a symbolic link to {secret}, outside the project; not read" in printed
    assert any(line.startswith("issues/2026/003.md:") and "pirnt_run" in line for line in printed), printed


def test_a_house_configuration_linked_out_of_the_project_is_not_read(project: Project, tmp_path_factory: pytest.TempPathFactory, capfd: pytest.CaptureFixture[str]) -> None:
    project.issue()
    elsewhere = tmp_path_factory.mktemp("elsewhere") / "bulletin.toml"
    shutil.move(project.root / "bulletin.toml", elsewhere)
    (project.root / "bulletin.toml").symlink_to(elsewhere)
    code, _, err = run_cli(project, ["build"], capfd)
    assert code == 2
    assert lines(err) == [f"bulletin.toml: bulletin.toml is a symbolic link to {elsewhere}, outside the project; not read"]
    assert not (project.root / "build").exists()


def test_a_register_linked_out_of_the_build_folder_is_not_written(project: Project, tmp_path_factory: pytest.TempPathFactory, capfd: pytest.CaptureFixture[str]) -> None:
    project.issue()
    assert run_cli(project, ["build", "--format", "pdf"], capfd)[0] == 0
    elsewhere = tmp_path_factory.mktemp("elsewhere") / "register.log.jsonl"
    elsewhere.write_bytes(b"")
    log = project.root / "build" / "register" / "2026" / "003.log.jsonl"
    log.parent.mkdir(parents=True)
    log.symlink_to(elsewhere)
    code, _, err = run_cli(project, ["print", "issues/2026/003.md"], capfd)
    assert code == 2, err
    assert any("register" in line and "outside the project" in line for line in lines(err)), err
    assert elsewhere.read_bytes() == b""
