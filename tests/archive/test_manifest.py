"""The build manifest: incremental builds, `verify`, `extract`, and one failing issue among many."""
from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import FRONT, ROOT, Project
from tests.test_cli import run as run_cli

IMAGE = ROOT / "issues" / "2026" / "images" / "port-throughput.png"


def run(project: Project, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Run the CLI in the project folder: exit code, stdout, stderr; never a traceback."""
    code, out, err = run_cli(project, *args, capsys=capsys)
    assert "Traceback" not in out + err
    return code, out, err


def two_issues(project: Project) -> None:
    """Issues 2026/003 (with an image) and 2026/004."""
    (project.root / "issues" / "2026" / "images").mkdir(parents=True)
    shutil.copy(IMAGE, project.root / "issues" / "2026" / "images" / "chart.png")
    project.issue("2026/003.md", body="正文第一段。\n\n![吞吐量](images/chart.png)\n")
    project.issue(
        "2026/004.md",
        front=FRONT.replace("issue: 3", "issue: 4").replace("total: 51", "total: 52").replace("05-18", "05-20"),
        body="第二期的正文，讨论港口。\n",
    )


def manifest(project: Project) -> dict:
    """build/manifest.json, parsed."""
    return json.loads((project.root / "build" / "manifest.json").read_text(encoding="utf-8"))


def sha(path: Path) -> str:
    """SHA-256 of a file."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_manifest_records_every_input_and_output(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    two_issues(project)
    code, _, err = run(project, capsys, "build", "--format", "html")
    assert code == 0
    assert "built 2, unchanged 0, failed 0" in err
    data = manifest(project)
    record = data["issues"]["issues/2026/003.md"]
    assert record["inputs"] == {
        "issues/2026/003.md": sha(project.root / "issues/2026/003.md"),
        "issues/2026/images/chart.png": sha(IMAGE),
    }
    assert record["outputs"]["html"]["sha256"] == sha(project.root / "build/2026/003.html")
    shared = data["shared"][record["shared"]]
    assert shared["bulletin.toml"] == sha(project.root / "bulletin.toml")
    assert shared["fonts/fonts.toml"] == sha(ROOT / "fonts" / "fonts.toml")
    assert shared["templates/issue.html.j2"] == sha(ROOT / "templates" / "issue.html.j2")
    assert shared["dist:weasyprint"] == "70.0"
    assert {"python", "tool", "lib:pango", "lib:harfbuzz"} <= set(shared)


def test_a_second_build_rebuilds_nothing(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    two_issues(project)
    run(project, capsys, "build", "--format", "html")
    output = project.root / "build" / "2026" / "003.html"
    before = output.stat().st_mtime_ns
    code, out, err = run(project, capsys, "build", "--format", "html")
    assert (code, out) == (0, "")
    assert "built 0, unchanged 2, failed 0" in err
    assert output.stat().st_mtime_ns == before


def test_only_the_changed_issue_is_rebuilt(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    two_issues(project)
    run(project, capsys, "build", "--format", "html")
    path = project.root / "issues" / "2026" / "004.md"
    path.write_text(path.read_text(encoding="utf-8") + "\n新增一段。\n", encoding="utf-8")
    code, out, err = run(project, capsys, "build", "--format", "html")
    assert (code, out.split()) == (0, ["build/2026/004.html"])
    assert "built 1, unchanged 1, failed 0" in err


def test_a_changed_image_rebuilds_the_issue_that_uses_it(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    two_issues(project)
    run(project, capsys, "build", "--format", "html")
    image = project.root / "issues" / "2026" / "images" / "chart.png"
    image.write_bytes(image.read_bytes() + b"\0")
    code, out, _ = run(project, capsys, "build", "--format", "html")
    assert (code, out.split()) == (0, ["build/2026/003.html"])


def test_a_changed_configuration_rebuilds_everything(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    two_issues(project)
    run(project, capsys, "build", "--format", "html")
    toml = project.root / "bulletin.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace("0571-8806 2317", "0571-8806 2319"), encoding="utf-8")
    code, _, err = run(project, capsys, "build", "--format", "html")
    assert code == 0
    assert "built 2, unchanged 0" in err


def test_an_output_changed_on_disk_is_rebuilt(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    two_issues(project)
    run(project, capsys, "build", "--format", "html")
    output = project.root / "build" / "2026" / "004.html"
    output.write_bytes(output.read_bytes() + b" ")
    code, out, _ = run(project, capsys, "build", "--format", "html")
    assert (code, out.split()) == (0, ["build/2026/004.html"])


def test_one_failing_issue_does_not_stop_the_others(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    two_issues(project)
    (project.root / "issues" / "2026" / "images" / "chart.png").unlink()
    code, out, err = run(project, capsys, "build", "--format", "html", "--jobs", "2")
    assert code == 1
    assert out.split() == ["build/2026/004.html"]
    assert "issues/2026/003.md:" in err and "chart.png" in err
    assert "built 1, unchanged 0, failed 1" in err
    assert "issues/2026/003.md" not in manifest(project)["issues"]


@pytest.mark.slow
def test_verify_passes_and_catches_a_one_byte_change(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    two_issues(project)
    assert run(project, capsys, "build")[0] == 0
    code, out, err = run(project, capsys, "verify")
    assert (code, out) == (0, ""), out
    assert "verified 4 output(s): 0 problem(s)" in err
    pdf = project.root / "build" / "2026" / "004.pdf"
    data = bytearray(pdf.read_bytes())
    data[len(data) // 2] ^= 0x01
    pdf.write_bytes(bytes(data))
    code, out, _ = run(project, capsys, "verify")
    assert code == 1
    assert out.startswith("build/2026/004.pdf: differs from the manifest: sha256 ")
    assert len(out.strip().splitlines()) == 1


def test_verify_names_an_output_that_does_not_rebuild_to_its_bytes(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    two_issues(project)
    run(project, capsys, "build", "--format", "html")
    path = project.root / "build" / "manifest.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    output = data["issues"]["issues/2026/004.md"]["outputs"]["html"]
    output["sha256"] = "0" * 64
    path.write_text(json.dumps(data), encoding="utf-8")
    (project.root / "build" / "2026" / "004.html").write_bytes(b"")  # the file matches nothing either
    code, out, _ = run(project, capsys, "verify")
    assert code == 1
    lines = out.strip().splitlines()
    assert any(line.startswith("build/2026/004.html: does not rebuild to the same bytes") for line in lines)
    assert any(line.startswith("build/2026/004.html: differs from the manifest") for line in lines)


def test_verify_without_a_build_is_a_usage_error(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    project.issue()
    code, _, err = run(project, capsys, "verify")
    assert code == 2
    assert "run 'bulletin build' first" in err


@pytest.mark.slow
def test_extract_gives_back_the_source_byte_for_byte(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    two_issues(project)
    run(project, capsys, "build", "--format", "pdf", "issues/2026/003.md")
    pdf = project.root / "build" / "2026" / "003.pdf"
    code, out, _ = run(project, capsys, "extract", str(pdf), "--out", "restored")
    assert code == 0
    assert out.split() == ["restored/003.md", "restored/images/chart.png"]
    assert (project.root / "restored" / "003.md").read_bytes() == (project.root / "issues/2026/003.md").read_bytes()
    assert (project.root / "restored" / "images" / "chart.png").read_bytes() == IMAGE.read_bytes()


def test_extract_refuses_a_file_that_is_not_a_pdf(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(project, capsys, "extract", "bulletin.toml")
    assert code == 2
    assert err.startswith("bulletin.toml: not a readable PDF")
