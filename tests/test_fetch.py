"""Nothing fetched: the PDF renderer reads project files only, and no build touches the network."""
from __future__ import annotations

import json
import mimetypes
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import PIL.Image
import pytest

from bulletin.support.folders import TOOL_TEMPLATES
from bulletin.render.pdf import make_fetcher

from .conftest import ROOT, Project

# ---------------------------------------------------------------- the fetcher alone


@pytest.fixture
def tree(tmp_path: Path) -> tuple[Path, Path]:
    """A project folder holding one image, and a folder outside it holding a secret."""
    project, outside = tmp_path / "project", tmp_path / "outside"
    (project / "issues").mkdir(parents=True)
    outside.mkdir()
    (project / "issues" / "a.png").write_bytes(b"inside")
    (outside / "secret.png").write_bytes(b"secret")
    (project / "issues" / "leak.png").symlink_to(outside / "secret.png")
    (project / "issues" / "inner.png").symlink_to(project / "issues" / "a.png")
    return project, outside


def test_fetcher_serves_a_file_of_the_project(tree: tuple[Path, Path]) -> None:
    project, _ = tree
    response = make_fetcher((project,))((project / "issues" / "a.png").as_uri())
    assert response.read() == b"inside"
    assert response.content_type == "image/png"


def test_fetcher_follows_a_symlink_that_stays_inside(tree: tuple[Path, Path]) -> None:
    project, _ = tree
    assert make_fetcher((project,))((project / "issues" / "inner.png").as_uri()).read() == b"inside"


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/x.png",
        "https://example.invalid/x.png",
        "ftp://127.0.0.1/x.png",
        "data:image/png;base64,iVBORw0KGgo=",
        "file://remote.invalid/etc/passwd",
        "file:///etc/passwd",
        "{project}/issues/a.png",
        "file://{project}/issues/../../outside/secret.png",
        "file://{project}/issues/%2e%2e/%2e%2e/outside/secret.png",
        "file://{project}/issues/leak.png",
        "file://{project}/issues",
        "file://{outside}/secret.png",
    ],
)
def test_fetcher_refuses_the_network_and_everything_outside(tree: tuple[Path, Path], url: str) -> None:
    project, outside = tree
    fetcher = make_fetcher((project,))
    with pytest.raises(ValueError, match="refused"):
        fetcher(url.format(project=project, outside=outside))


# ---------------------------------------------------------------- whole builds, watched

#: runs the command line with an audit hook that records every file opened and every socket use
WATCHER = """
import json, sys
events = {"opened": [], "network": []}
watching = True
def hook(event, args):
    if not watching:
        return
    if event == "open" and isinstance(args[0], (str, bytes)):
        events["opened"].append(args[0] if isinstance(args[0], str) else args[0].decode("utf-8", "replace"))
    elif event.startswith("socket.") and event not in ("socket.__new__", "socket.gethostname"):
        events["network"].append(f"{event} {args!r}")
sys.addaudithook(hook)
from bulletin.cli import main
code = main(sys.argv[2:])
watching = False
events["code"] = code
with open(sys.argv[1], "w", encoding="utf-8") as out:
    json.dump(events, out)
"""


class Listener:
    """A local TCP port that records every connection made to it."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.server.settimeout(0.2)
        self.port = self.server.getsockname()[1]
        self.connections = 0
        self.running = True
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while self.running:
            try:
                connection, _ = self.server.accept()
            except OSError:
                continue
            self.connections += 1
            connection.close()

    def close(self) -> None:
        """Stop listening."""
        self.running = False
        self.thread.join()
        self.server.close()


@pytest.fixture
def listener() -> Listener:
    """A watched local port."""
    watched = Listener()
    yield watched
    watched.close()


def watched_build(project: Project, tmp_path: Path, *args: str) -> dict[str, object]:
    """Build in a child process under the audit hook; what it opened, its network use and its exit code."""
    script, report = tmp_path / "watch.py", tmp_path / "report.json"
    script.write_text(WATCHER, encoding="utf-8")
    # The tool's own cache (checksummed entries, never output) lives in the user's cache
    # folder; here it is placed inside the project so that every other read still counts.
    cache = project.root / ".cache"
    env = {**os.environ, "http_proxy": "", "https_proxy": "", "no_proxy": "*", "BULLETIN_CACHE": str(cache)}
    subprocess.run(
        [sys.executable, str(script), str(report), "build", "--jobs", "1", *args],
        cwd=project.root,
        env=env,
        capture_output=True,
        timeout=300,
        check=False,
    )
    return json.loads(report.read_text(encoding="utf-8"))


def secrets(outside: Path) -> Path:
    """A folder outside the project holding files an issue must not reach."""
    outside.mkdir()
    PIL.Image.new("RGB", (8, 8), "red").save(outside / "secret.png")
    (outside / "secret.css").write_text("body { color: red }", encoding="utf-8")
    return outside


def outsiders(opened: list[str], project: Project) -> list[str]:
    """Files opened outside the project, the installed tool and Python, and the process's own scratch files."""
    allowed = [project.root.resolve(), ROOT, Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve()]
    scratch = Path(tempfile.gettempdir()).resolve()
    found = []
    for name in opened:
        path = Path(name).resolve() if os.path.isabs(name) else (project.root / name).resolve()
        if any(path.is_relative_to(root) for root in allowed) or name.startswith(("/dev/", "/proc/")):
            continue
        if name in mimetypes.knownfiles:
            continue  # read once when WeasyPrint is imported, whatever the input
        inside = path.relative_to(scratch).parts if path.is_relative_to(scratch) else None
        if inside is not None and (len(inside) <= 1 or inside[0].startswith("weasyprint-")):
            continue  # tempfile's probes and the renderer's scratch files, not the tests' folders
        found.append(name)
    return found


@pytest.mark.slow
def test_issues_reach_no_file_outside_and_no_address(
    project: Project, tmp_path_factory: pytest.TempPathFactory, listener: Listener
) -> None:
    outside = secrets(tmp_path_factory.mktemp("outside") / "secrets")
    port = listener.port
    images = project.root / "issues" / "2026" / "images"
    images.mkdir(parents=True)
    PIL.Image.new("RGB", (40, 30), "blue").save(images / "chart.png")
    (images / "leak.png").symlink_to(outside / "secret.png")
    depth = "../" * len(images.parent.resolve().parts)
    raw_html = "\n\n".join(
        [
            f'<img src="file://{outside}/secret.png">',
            f'<img src="http://127.0.0.1:{port}/img.png">',
            f'<link rel="stylesheet" href="http://127.0.0.1:{port}/a.css">',
            f"<style>@import url(http://127.0.0.1:{port}/b.css); @import url(file://{outside}/secret.css);</style>",
            f'<iframe src="http://127.0.0.1:{port}/"></iframe>',
            f'<object data="file://{outside}/secret.png"></object>',
            f'<p style="background: url(http://127.0.0.1:{port}/c.png)">段落</p>',
            f"[链接](http://127.0.0.1:{port}/link) <http://127.0.0.1:{port}/auto>",
        ]
    )
    project.issue("2026/001.md", body=f"正文。\n\n![图一](images/chart.png)\n\n{raw_html}\n")
    project.issue("2026/002.md", body=f"![x]({depth}{str(outside).lstrip('/')}/secret.png)\n")
    project.issue("2026/003.md", body="![x](images/leak.png)\n")
    project.issue("2026/004.md", body=f"![x](http://127.0.0.1:{port}/x.png)\n")
    project.issue("2026/005.md", body=f"![x](file://{outside}/secret.png)\n")
    project.issue("2026/006.md", body="![x](../../../../../../../../../../../etc/passwd)\n")

    report = watched_build(project, tmp_path_factory.mktemp("watch"))

    assert report["code"] == 1  # the five image issues fail, the first builds
    assert (project.root / "build" / "2026" / "001.pdf").is_file()
    assert (project.root / "build" / "2026" / "001.docx").is_file()
    opened = [str(name) for name in report["opened"]]  # type: ignore[union-attr]
    assert str(images / "chart.png") in opened  # the allowed image was read
    assert [name for name in opened if str(outside) in name or name in ("/etc/passwd", "/etc/hostname")] == []
    assert outsiders(opened, project) == []
    assert report["network"] == []
    assert listener.connections == 0


@pytest.mark.slow
def test_templates_reach_no_file_outside_and_no_address(
    project: Project, tmp_path_factory: pytest.TempPathFactory, listener: Listener
) -> None:
    outside = secrets(tmp_path_factory.mktemp("outside") / "secrets")
    project.issue()
    shutil.copytree(TOOL_TEMPLATES, project.root / "templates")
    stylesheet = project.root / "templates" / "bulletin.css.j2"
    stylesheet.write_text(
        f"@import url(http://127.0.0.1:{listener.port}/a.css);\n"
        f"body {{ background: url(file://{outside}/secret.png) }}\n" + stylesheet.read_text(encoding="utf-8"),
        encoding="utf-8",
    )

    report = watched_build(project, tmp_path_factory.mktemp("watch"), "--format", "pdf")

    assert report["code"] == 2
    opened = [str(name) for name in report["opened"]]  # type: ignore[union-attr]
    assert [name for name in opened if str(outside) in name] == []
    assert outsiders(opened, project) == []
    assert report["network"] == []
    assert listener.connections == 0
    assert not (project.root / "build" / "2026" / "003.pdf").exists()
