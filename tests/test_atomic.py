"""Nothing half-written: outputs are replaced whole or not at all, whatever stops the build."""
from __future__ import annotations

import io
import os
import random
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from pypdf import PdfReader

from bulletin.cli import main
from bulletin.errors import UsageError
from bulletin.output import atomic_write, remove_stale_temporaries

from .conftest import Project

# ---------------------------------------------------------------- atomic_write alone


def leftovers(folder: Path) -> list[Path]:
    """Temporary files left in `folder`."""
    return sorted(folder.glob(".*.part"))


def test_atomic_write_replaces_the_whole_file(tmp_path: Path) -> None:
    target = tmp_path / "out" / "a.pdf"
    atomic_write(target, b"old")
    atomic_write(target, b"new contents")
    assert target.read_bytes() == b"new contents"
    assert leftovers(target.parent) == []


def test_a_failed_rename_keeps_the_old_file_and_no_temporary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "a.pdf"
    target.write_bytes(b"old")

    def refuse(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(UsageError, match="cannot write here: No space left on device"):
        atomic_write(target, b"new")
    assert target.read_bytes() == b"old"
    assert leftovers(tmp_path) == []


def test_an_interrupt_while_writing_keeps_the_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "a.pdf"
    target.write_bytes(b"old")

    def interrupted(fd: int) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", interrupted)
    with pytest.raises(KeyboardInterrupt):
        atomic_write(target, b"new")
    assert target.read_bytes() == b"old"
    assert leftovers(tmp_path) == []


# ---------------------------------------------------------------- builds


def build(project: Project, *args: str) -> int:
    """`bulletin build` in the project folder, in this process."""
    old = Path.cwd()
    os.chdir(project.root)
    try:
        return main(["build", "--format", "pdf", *args])
    finally:
        os.chdir(old)


def whole_pdf(path: Path) -> str:
    """The text of the PDF at `path`; fails unless the file is a complete PDF."""
    data = path.read_bytes()
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    reader = PdfReader(io.BytesIO(data), strict=True)
    return "".join(page.extract_text() for page in reader.pages)


@pytest.mark.slow
def test_a_failed_build_leaves_the_previous_pdf_untouched(project: Project, capfd: pytest.CaptureFixture[str]) -> None:
    issue = project.issue(body="第一版正文。\n")
    assert build(project) == 0
    pdf = project.root / "build" / "2026" / "003.pdf"
    before, stamp = pdf.read_bytes(), pdf.stat().st_mtime_ns
    issue.write_text(issue.read_text(encoding="utf-8") + "\n![图](missing.png)\n", encoding="utf-8")
    assert build(project, "--force") == 1
    assert pdf.read_bytes() == before
    assert pdf.stat().st_mtime_ns == stamp
    assert leftovers(pdf.parent) == []


# ---------------------------------------------------------------- builds stopped from outside

#: runs the command line with the output's write slowed down: half the bytes, a signal to the test, a pause
SLOW_WRITER = """
import os, sys, time
real_fdopen = os.fdopen

class Slow:
    def __init__(self, handle):
        self.handle = handle
    def write(self, data):
        half = len(data) // 2
        self.handle.write(data[:half])
        self.handle.flush()
        print("HALF", flush=True)
        time.sleep(60)
        return self.handle.write(data[half:])
    def __getattr__(self, name):
        return getattr(self.handle, name)
    def __enter__(self):
        return self
    def __exit__(self, *exc):
        return self.handle.__exit__(*exc)

os.fdopen = lambda fd, *args, **kwargs: Slow(real_fdopen(fd, *args, **kwargs))
from bulletin.cli import main
sys.exit(main(sys.argv[1:]))
"""


def command(project: Project, tmp_path: Path, slow: bool = False) -> list[str]:
    """The argv of a PDF build of the project, in a child process."""
    if slow:
        script = tmp_path / "slow_writer.py"
        script.write_text(SLOW_WRITER, encoding="utf-8")
        return [sys.executable, str(script), "build", "--format", "pdf", "--force", "--jobs", "1"]
    return [sys.executable, "-m", "bulletin.cli", "build", "--format", "pdf", "--force", "--jobs", "1"]


@pytest.mark.slow
def test_sigkill_half_way_through_writing_leaves_the_previous_pdf_whole(project: Project, tmp_path: Path) -> None:
    project.issue(body="旧版正文。\n")
    subprocess.run(command(project, tmp_path), cwd=project.root, check=True, capture_output=True, timeout=300)
    pdf = project.root / "build" / "2026" / "003.pdf"
    before = pdf.read_bytes()
    project.issue(body="新版正文，篇幅更长一些。\n" * 40)

    child = subprocess.Popen(command(project, tmp_path, slow=True), cwd=project.root, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == b"HALF"
        [temporary] = leftovers(pdf.parent)
        assert 0 < temporary.stat().st_size  # the new PDF is half on disk ...
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=60)
    finally:
        child.kill()
    assert pdf.read_bytes() == before  # ... and the old one untouched
    assert "旧版正文" in whole_pdf(pdf)
    assert len(leftovers(pdf.parent)) == 1  # the killed writer's temporary ...
    subprocess.run(command(project, tmp_path), cwd=project.root, check=True, capture_output=True, timeout=300)
    assert leftovers(pdf.parent) == []  # ... is removed by the next build
    assert "新版正文" in whole_pdf(pdf)


def test_a_live_writers_temporary_is_kept(tmp_path: Path) -> None:
    register = tmp_path / ".bulletin-temporaries"
    register.mkdir()
    live = tmp_path / f".a.pdf.{os.getpid()}.abc123.part"
    live.write_bytes(b"%PDF-")
    (register / f"{os.getpid()}.{live.name}").write_text(live.name)
    dead_pid = subprocess.run(["sh", "-c", "echo $$"], capture_output=True, text=True, check=True).stdout.strip()
    dead = tmp_path / "2026" / f".003.pdf.{dead_pid}.x_9.part"
    dead.parent.mkdir()
    dead.write_bytes(b"%PDF-")
    (register / f"{dead_pid}.{dead.name}").write_text(f"2026/{dead.name}")
    assert remove_stale_temporaries(tmp_path) == [dead]
    assert live.exists() and not dead.exists()


@pytest.mark.slow
@pytest.mark.parametrize("stop", [signal.SIGKILL, signal.SIGINT], ids=["SIGKILL", "SIGINT"])
def test_a_build_stopped_at_any_moment_leaves_a_whole_pdf(project: Project, tmp_path: Path, stop: signal.Signals) -> None:
    project.issue(body="第0版正文。\n")
    argv = command(project, tmp_path)
    started = time.monotonic()
    subprocess.run(argv, cwd=project.root, check=True, capture_output=True, timeout=300)
    duration = time.monotonic() - started
    pdf = project.root / "build" / "2026" / "003.pdf"
    chance = random.Random(20261127 + stop)
    outcomes = []
    for version in range(1, 9):
        project.issue(body=f"第{version}版正文。\n")
        child = subprocess.Popen(argv, cwd=project.root, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        time.sleep(chance.uniform(0.2, duration * 1.1))
        child.send_signal(stop)
        _, err = child.communicate(timeout=120)
        [shown] = re.findall(r"第(\d+)版", whole_pdf(pdf))
        assert int(shown) <= version
        outcomes.append("new" if int(shown) == version else "old")
        if stop == signal.SIGINT and child.returncode == 130:
            assert err.decode().splitlines()[-1] == "interrupted"
            assert leftovers(pdf.parent) == []
    assert "old" in outcomes  # at least one stop landed before the new PDF was in place
