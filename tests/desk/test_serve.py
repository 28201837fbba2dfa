"""`bulletin serve` in headless Chromium: the pages follow the file, problems show on the page, Ctrl-C exits 130."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator
from urllib.request import urlopen

import pytest

from tests.conftest import BODY, FRONT, ROOT, Project
from tests.archive.test_catalog_browser import browser  # noqa: F401 (the shared Chromium fixture)

pytestmark = pytest.mark.slow


@pytest.fixture
def served(project: Project) -> Iterator[tuple[Project, Path, subprocess.Popen[str], str]]:
    """`bulletin serve` running on an issue of a fresh project; its URL."""
    path = project.issue()
    process = subprocess.Popen(
        [sys.executable, "-m", "bulletin.cli", "serve", str(path)],
        cwd=project.root,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ, PYTHONUNBUFFERED="1"),
    )
    assert process.stderr is not None
    line = process.stderr.readline()
    assert " at http://127.0.0.1:" in line, line
    url = line.rsplit(" at ", 1)[1].strip()
    try:
        yield project, path, process, url
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()


def _wait_text(page, text: str, timeout: float = 20.0) -> float:  # type: ignore[no-untyped-def]
    """Seconds until `text` shows in the page (its text layer or its problems)."""
    started = time.monotonic()
    page.wait_for_function("t => document.body.innerText.includes(t) || "
                           "[...document.querySelectorAll('.text')].some(e => e.textContent.includes(t))",
                           arg=text, timeout=timeout * 1000)
    return time.monotonic() - started


def test_serve_follows_saves_shows_problems_and_stops_on_ctrl_c(served, browser) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    project, path, process, url = served
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(url)
    _wait_text(page, "第二段正文")
    assert page.locator(".page img").count() >= 1
    first = page.locator(".page img").first
    assert first.evaluate("img => img.complete && img.naturalWidth > 100")

    # a save shows the new text
    saved = time.monotonic()
    path.write_text(f"---\n{FRONT}---\n\n{BODY}\n新加的一段话在这里。\n", encoding="utf-8")
    page.wait_for_function("() => [...document.querySelectorAll('.text')].some(e => e.textContent.includes('新加的一段话'))",
                           timeout=20000)
    elapsed = time.monotonic() - saved
    print(f"\nsave -> updated page: {elapsed:.2f} s")

    # a broken front matter shows the check line; the last good pages stay
    path.write_text(f"---\n{FRONT.replace('print_run: 30', 'print_run: many')}---\n\n{BODY}", encoding="utf-8")
    page.wait_for_function("() => document.getElementById('problems').textContent.includes('print_run')", timeout=20000)
    problem = page.locator("#problems").inner_text()
    assert problem.startswith("issues/2026/003.md:8"), problem
    assert page.locator(".page img").count() >= 1

    # fixed: the problem goes, the page is there
    path.write_text(f"---\n{FRONT}---\n\n{BODY}\n修好以后的文字。\n", encoding="utf-8")
    page.wait_for_function("() => [...document.querySelectorAll('.text')].some(e => e.textContent.includes('修好以后'))",
                           timeout=20000)
    assert page.locator("#problems").inner_text() == ""

    # both editions download
    assert urlopen(url + "issue.pdf").read().startswith(b"%PDF")
    assert urlopen(url + "issue.docx").read().startswith(b"PK")
    assert not errors
    page.close()

    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=20) == 130
