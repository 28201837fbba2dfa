"""The command line: commands, messages and exit codes."""
from __future__ import annotations


import pytest
from pypdf import PdfReader

from bulletin.cli import main

from .conftest import FRONT, Project, run_cli


def run(project: Project, *args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    return run_cli(project, args, capsys)


def test_check_reports_three_problems_and_writes_nothing(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    front = FRONT.replace("print_run: 30", "pirnt_run: 30").replace("total: 51", "total: 五十一").replace(
        "date: 2026-05-18", "date: 2026-13-01"
    )
    project.issue(front=front)
    before = project.files()
    code, out, err = run(project, "check", capsys=capsys)
    lines = out.strip().splitlines()
    assert code == 1
    assert "issues/2026/003.md:3: 'total' must be a whole number, not '五十一'" in lines
    assert "issues/2026/003.md:4: 'date': 2026-13-01 is not a date that exists" in lines
    assert "issues/2026/003.md:8: unknown key 'pirnt_run' (did you mean 'print_run'?)" in lines
    assert "Traceback" not in out + err
    assert project.files() == before


def test_check_passes_a_good_issue(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    project.issue()
    code, out, err = run(project, "check", capsys=capsys)
    assert (code, out) == (0, "")
    assert "checked 1 issue(s): 0 problem(s)" in err


def test_build_mirrors_issues_under_build(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    project.issue("2026/003.md")
    code, out, _ = run(project, "build", "--format", "pdf", "--format", "html", capsys=capsys)
    assert code == 0
    assert out.split() == ["build/2026/003.pdf", "build/2026/003.html"]
    reader = PdfReader(project.root / "build" / "2026" / "003.pdf")
    assert "关于测试的几点建议" in reader.pages[0].extract_text()


def test_build_of_a_bad_issue_writes_nothing(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    project.issue(body="正文。\n\n![图](missing.png)\n")
    code, _, err = run(project, "build", "--format", "pdf", capsys=capsys)
    assert code == 1
    assert "issues/2026/003.md:13: image 'missing.png' not found" in err
    assert not (project.root / "build").exists()


def test_bad_configuration_exits_2(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    (project.root / "bulletin.toml").write_text("[series]\nname = 1\n", encoding="utf-8")
    code, _, err = run(project, "check", capsys=capsys)
    assert code == 2
    assert "bulletin.toml:2: 'series.name': input should be a valid string" in err


def test_unknown_format_is_a_usage_error(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(project, "build", "--format", "odt", capsys=capsys)
    assert code == 2
    assert "Invalid value for '--format'" in err


def test_new_proposes_the_next_numbers(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    project.issue("2026/003.md")
    code, out, _ = run(project, "new", "--date", "2026-06-01", capsys=capsys)
    assert (code, out.strip()) == (0, "issues/2026/004.md")
    text = (project.root / "issues/2026/004.md").read_text(encoding="utf-8")
    assert "issue: 4\ntotal: 52\ndate: 2026-06-01\n" in text
    code, out, _ = run(project, "new", "--date", "2027-01-05", capsys=capsys)
    assert out.strip() == "issues/2027/001.md"
    assert "issue: 1\ntotal: 53\n" in (project.root / "issues/2027/001.md").read_text(encoding="utf-8")


def test_preview_writes_pngs(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    path = project.issue()
    code, out, _ = run(project, "preview", str(path), "--page", "1", "--scale", "0.5", capsys=capsys)
    assert code == 0
    [png] = out.split()
    assert (project.root / png).read_bytes().startswith(b"\x89PNG")


def test_help_documents_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["build", "--help"]) == 0
    out = capsys.readouterr().out
    assert "1    problems in the content" in out and "2    usage or configuration" in out


def test_a_bug_in_one_issue_exits_3_and_the_others_are_built(
    project: Project, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from bulletin import pipeline

    project.issue("2026/003.md")
    project.issue("2026/004.md", front=FRONT.replace("issue: 3", "issue: 4").replace("total: 51", "total: 52"))
    real = pipeline.renderer

    def flaky(fmt: str):  # type: ignore[no-untyped-def]
        render = real(fmt)

        def run(job):  # type: ignore[no-untyped-def]
            if job.issue.meta.issue == 4:
                raise RuntimeError("boom")
            return render(job)

        return run

    monkeypatch.setattr(pipeline, "renderer", flaky)
    code, out, err = run(project, "build", "--format", "html", "--jobs", "1", capsys=capsys)
    assert code == 3
    assert "issues/2026/004.md: internal error: RuntimeError: boom" in err
    assert (project.root / "build/2026/003.html").is_file()
    assert not (project.root / "build/2026/004.html").exists()


def test_a_killed_worker_fails_its_issues_without_a_traceback(
    project: Project, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from concurrent.futures import Future
    from concurrent.futures.process import BrokenProcessPool

    class DeadPool:
        """A process pool whose every worker died."""

        def __init__(self, *args: object, **kwargs: object) -> None:
            pass

        def submit(self, *args: object) -> Future:
            future: Future = Future()
            future.set_exception(BrokenProcessPool("gone"))
            return future

        def shutdown(self, **kwargs: object) -> None:
            pass

    project.issue("2026/003.md")
    project.issue("2026/004.md", front=FRONT.replace("issue: 3", "issue: 4").replace("total: 51", "total: 52"))
    import concurrent.futures

    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", DeadPool)  # the pipeline imports it when it needs a pool
    code, _, err = run(project, "build", "--format", "html", "--jobs", "2", capsys=capsys)
    assert code == 3
    assert "issues/2026/003.md: the build worker stopped abruptly" in err
    assert "issues/2026/004.md: the build worker stopped abruptly" in err
    assert "Traceback" not in err
