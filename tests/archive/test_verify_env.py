"""`verify` in another environment: another patch release of Python and of a dependency.

The second environment is a virtual environment of Debian's Python (/usr/bin/python3.11,
another patch release than the project's .venv) that sees the project's packages through a
.pth file, with another patch release of tqdm installed in front of them from the package
index (pip's cache). The outputs must compare byte for byte there; the versions that
differ are reported as facts.
"""
from __future__ import annotations

import importlib.metadata
import json
import os
import platform
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from tests.conftest import ROOT, Project
from tests.archive.test_publish import front, run

SYSTEM_PYTHON = Path("/usr/bin/python3.11")
#: another patch release of a dependency than the pinned one
OTHER_TQDM = {"4.70.1": "4.70.0"}.get(importlib.metadata.version("tqdm"), "4.70.1")


def second_environment(folder: Path) -> Path:
    """A virtual environment of another Python with another tqdm; its python."""
    subprocess.run([SYSTEM_PYTHON, "-m", "venv", "--without-pip", folder], check=True, timeout=60)
    python = folder / "bin" / "python"
    site = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True, capture_output=True, text=True,
    ).stdout.strip()
    # the project and its pinned packages, after the environment's own
    (Path(site) / "bulletin-project.pth").write_text(f"{ROOT}\n{sysconfig.get_paths()['purelib']}\n", encoding="utf-8")
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", site, f"tqdm=={OTHER_TQDM}"],
        check=True, timeout=120, capture_output=True,
    )
    return python


def verify_in(python: Path, project: Project) -> subprocess.CompletedProcess[str]:
    """`bulletin verify` of the project, run by `python`."""
    return subprocess.run(
        [python, "-c", "import sys; from bulletin.cli import main; sys.exit(main(sys.argv[1:]))", "--project", project.root, "verify"],
        capture_output=True, text=True, timeout=300, cwd=project.root, env={**os.environ, "LANG": "C.UTF-8"},
    )


@pytest.mark.slow
@pytest.mark.skipif(not SYSTEM_PYTHON.is_file(), reason="Debian's python3 is not installed (./dev test installs it)")
def test_verify_compares_bytes_in_another_environment(project: Project, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project.issue("2025/001.md", front(1, 1, "2025-06-02"), "第一期正文，已发布。\n")
    project.issue("2026/001.md", front(1, 2, "2026-02-02", draft=True), "第二期正文，征求意见稿。\n")
    assert run(project, capsys, "publish", "issues/2025/001.md")[0] == 0
    assert run(project, capsys, "build")[0] == 0

    python = second_environment(tmp_path / "env2")
    versions = subprocess.run(
        [python, "-c", "import platform, tqdm; print(platform.python_version(), tqdm.__version__)"],
        check=True, capture_output=True, text=True,
    ).stdout.split()
    assert versions[0] != platform.python_version() and versions[1] == OTHER_TQDM

    done = verify_in(python, project)
    assert (done.returncode, done.stdout) == (0, ""), done.stdout + done.stderr
    assert "verified 6 output(s): 0 problem(s)" in done.stderr
    # the differences of environment are facts beside the result, for the published edition and the draft
    assert f"published with other software than here: python {platform.python_version()} → {versions[0]}" in done.stderr
    assert f"built with other software than here: dist:tqdm {importlib.metadata.version('tqdm')} → {OTHER_TQDM}" in done.stderr

    archived = project.root / "archive" / "2025" / "001.pdf"
    original = archived.read_bytes()
    data = bytearray(original)
    data[len(data) // 2] ^= 0x01
    archived.write_bytes(bytes(data))
    done = verify_in(python, project)
    assert done.returncode == 1
    lines = done.stdout.splitlines()
    assert len(lines) == 1, done.stdout
    assert lines[0].startswith("archive/2025/001.pdf: differs from its archive record: sha256 ")
    assert "1 byte(s) differ, the first at offset " in lines[0]

    # a published edition is rebuilt with the house its record holds: tamper with it, and verify says what differs
    archived.write_bytes(original)
    path = project.root / "archive" / "2025" / "001.json"
    record = json.loads(path.read_text(encoding="utf-8"))
    toml = record["editions"][0]["house_files"]["bulletin.toml"]
    assert "市级重点新型智库" in toml
    record["editions"][0]["house_files"]["bulletin.toml"] = toml.replace("市级重点新型智库", "省级重点新型智库")
    path.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    code, out, _ = run(project, capsys, "verify")
    assert code == 1
    lines = out.splitlines()
    assert len(lines) == 2, out
    assert lines[0].startswith("archive/2025/001.docx: does not rebuild to the same bytes: rebuilt sha256 ")
    assert "parts differ: word/document.xml" in lines[0]
    assert lines[1].startswith("archive/2025/001.pdf: does not rebuild to the same bytes: rebuilt sha256 ")
    assert "text differs on page 1" in lines[1] and "pages:" not in lines[1]
