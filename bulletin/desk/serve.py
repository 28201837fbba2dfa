"""The editor's desk: a local preview server that shows an issue's pages and follows its file.

One warm process: the issue is re-rendered in a background thread whenever its file (or a
file beside it, such as an image) is saved. The browser page listens on a Server-Sent
Events stream and fetches the new pages as soon as a render is done. A problem in the
file shows on the page as the `path:line: message` lines `check` prints; the last good
pages stay in view below it. Bound to 127.0.0.1 only.
"""
from __future__ import annotations

import html
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from bulletin.config import Config
from bulletin.errors import BulletinError

if TYPE_CHECKING:
    from watchdog.observers.api import BaseObserver

#: pixels per point of the page images
SCALE = 1.25


@dataclass
class State:
    """What the page shows: the last good render and the current problems."""

    version: int = 0
    pages: list[bytes] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    pdf: bytes = b""
    docx: bytes = b""
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0


def _page_texts(pdf: bytes) -> list[str]:
    """The text of each page of `pdf`, for the page's text layer (search, screen readers, tests)."""
    import pypdfium2

    document = pypdfium2.PdfDocument(pdf)
    try:
        texts = []
        for page in document:
            textpage = page.get_textpage()
            texts.append(textpage.get_text_range())
            textpage.close()
        return texts
    finally:
        document.close()


class Desk:
    """Renders one issue on demand and keeps the result for the server's requests."""

    def __init__(self, config: Config, path: Path) -> None:
        self.config = config
        self.path = path.resolve()
        self.state = State()
        self.changed = threading.Condition()
        self._pending = threading.Event()
        self._stopped = threading.Event()

    def render(self) -> None:
        """Render the issue now; on a problem keep the last good pages and show the problem."""
        from bulletin.checks import lint
        from bulletin import pipeline
        from bulletin.desk.preview import page_images
        from bulletin.source import read_source

        started = time.monotonic()
        problems: list[str] = []
        warnings: list[str] = []
        pages: list[bytes] | None = None
        texts: list[str] = []
        pdf = docx = b""
        try:
            source = read_source(self.path)
            warnings = [finding.describe(self.path) for finding in lint.find(source)]
            try:
                from bulletin.checks.losses import find_losses

                warnings.extend(finding.describe(self.path) for finding in find_losses(source))
            except ImportError:  # pragma: no cover
                pass
            job = pipeline.prepare(self.path, self.config)
            pdf = pipeline.renderer("pdf")(job)
            from bulletin.checks.losses import layout_findings

            text = job.source.decode("utf-8", "replace")
            warnings.extend(f.describe(self.path) for f in layout_findings(job.issue, self.config, pdf, text, job.notes))
            docx = pipeline.renderer("docx")(job)
            pages = page_images(pdf, SCALE)
            texts = _page_texts(pdf)
        except BulletinError as exc:
            problems = [str(p) for p in getattr(exc, "problems", [exc])]
        except Exception as exc:  # noqa: BLE001 (a bug must not stop the server)
            problems = [f"internal error: {type(exc).__name__}: {exc}"]
        with self.changed:
            state = self.state
            if pages is not None:
                state.pages, state.texts, state.pdf, state.docx = pages, texts, pdf, docx
            state.problems, state.warnings = problems, warnings
            state.seconds = time.monotonic() - started
            state.version += 1
            self.changed.notify_all()

    def request_render(self) -> None:
        """Ask the render thread for a new render (saves in quick succession give one)."""
        self._pending.set()

    def run_renderer(self) -> None:
        """The render loop of the background thread."""
        while not self._stopped.is_set():
            if self._pending.wait(0.2):
                time.sleep(0.05)  # let an editor's save finish writing
                self._pending.clear()
                self.render()

    def stop(self) -> None:
        """End the render loop and wake every waiting event stream."""
        self._stopped.set()
        with self.changed:
            self.changed.notify_all()

    def wait_change(self, seen: int, timeout: float) -> int:
        """Block until the version differs from `seen` (or `timeout`); the current version."""
        with self.changed:
            self.changed.wait_for(lambda: self.state.version != seen or self._stopped.is_set(), timeout)
            return self.state.version


PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{title}</title>
<style>
body{{margin:0;background:#e8e8e8;font:14px sans-serif}}
header{{position:sticky;top:0;background:#333;color:#fff;padding:6px 12px;display:flex;gap:16px;align-items:center}}
header a{{color:#fff}} #status{{margin-left:auto;opacity:.8}}
#problems{{background:#fde2e1;color:#8a1111;font-family:monospace;white-space:pre-wrap;padding:8px 12px;margin:0}}
#problems:empty,#warnings:empty{{display:none}}
#warnings{{background:#fff6d6;color:#6a5300;font-family:monospace;white-space:pre-wrap;padding:8px 12px;margin:0}}
.page{{position:relative;margin:16px auto;width:max-content;box-shadow:0 1px 6px #0004;background:#fff}}
.page img{{display:block}}
.page .text{{position:absolute;inset:0;color:transparent;overflow:hidden;white-space:pre-wrap;font-size:1px}}
</style></head><body>
<header><b>{name}</b><a href="/issue.pdf" download="{stem}.pdf">PDF</a>
<a href="/issue.docx" download="{stem}.docx">DOCX</a><span id="status"></span></header>
<pre id="problems"></pre><pre id="warnings"></pre><main id="pages"></main>
<script>
let shown = -1;
async function refresh() {{
  const state = await (await fetch('/state')).json();
  if (state.version === shown) return;
  shown = state.version;
  document.getElementById('problems').textContent = state.problems.join('\\n');
  document.getElementById('warnings').textContent = state.warnings.join('\\n');
  const main = document.getElementById('pages');
  main.replaceChildren(...state.texts.map((text, i) => {{
    const div = document.createElement('div'); div.className = 'page';
    const img = document.createElement('img'); img.src = `/page/${{i + 1}}.png?v=${{state.good}}`;
    img.alt = `page ${{i + 1}}`;
    const layer = document.createElement('div'); layer.className = 'text'; layer.textContent = text;
    div.append(img, layer); return div;
  }}));
  document.body.dataset.version = state.version;
  document.getElementById('status').textContent =
    `${{state.texts.length}} page(s), rendered in ${{state.seconds.toFixed(2)}} s`;
}}
new EventSource('/events').onmessage = refresh;
refresh();
</script></body></html>
"""


def _handler(desk: Desk) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            return

        def _send(self, status: int, kind: str, body: bytes, headers: dict[str, str] | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:  # noqa: N802
            route = self.path.split("?", 1)[0]
            state = desk.state
            stem = desk.path.stem
            if route == "/":
                page = PAGE.format(
                    title=html.escape(desk.path.name), name=html.escape(desk.path.name), stem=html.escape(stem)
                )
                self._send(200, "text/html; charset=utf-8", page.encode("utf-8"))
            elif route == "/state":
                with desk.changed:
                    body = {
                        "version": state.version,
                        "good": id(state.pages),
                        "texts": state.texts,
                        "problems": state.problems,
                        "warnings": state.warnings,
                        "seconds": state.seconds,
                    }
                self._send(200, "application/json", json.dumps(body, ensure_ascii=False).encode("utf-8"))
            elif route.startswith("/page/") and route.endswith(".png"):
                pages = state.pages
                try:
                    number = int(route[len("/page/") : -len(".png")])
                    data = pages[number - 1] if number >= 1 else b""
                except (ValueError, IndexError):
                    data = b""
                if data:
                    self._send(200, "image/png", data)
                else:
                    self._send(404, "text/plain", b"no such page")
            elif route in ("/issue.pdf", "/issue.docx"):
                fmt = route.rsplit(".", 1)[1]
                data = state.pdf if fmt == "pdf" else state.docx
                kind = (
                    "application/pdf"
                    if fmt == "pdf"
                    else "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
                )
                if data:
                    self._send(200, kind, data, {"Content-Disposition": f'attachment; filename="{stem}.{fmt}"'})
                else:
                    self._send(404, "text/plain", b"not rendered yet")
            elif route == "/events":
                self._events()
            else:
                self._send(404, "text/plain", b"not found")

        def _events(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.close_connection = True
            seen = -1
            try:
                while not desk._stopped.is_set():
                    version = desk.wait_change(seen, 10.0)
                    if version != seen:
                        seen = version
                        self.wfile.write(f"data: {version}\n\n".encode())
                    else:
                        self.wfile.write(b": keep-alive\n\n")
                    self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError):
                return

    return Handler


def _watch(desk: Desk) -> BaseObserver:
    """Start watching the issue's folder; a change to the issue or a file beside it asks for a render."""
    from watchdog.events import FileSystemEvent, FileSystemEventHandler
    from watchdog.observers import Observer

    class Changes(FileSystemEventHandler):
        def on_any_event(self, event: FileSystemEvent) -> None:
            if event.event_type in ("opened", "closed_no_write"):
                return
            names = [str(event.src_path), str(getattr(event, "dest_path", "") or "")]
            if any(Path(n).name.startswith(".") for n in names if n) and not any(
                Path(n) == desk.path for n in names if n
            ):
                return
            desk.request_render()

    observer = Observer()
    observer.schedule(Changes(), str(desk.path.parent), recursive=True)
    observer.daemon = True
    observer.start()
    return observer


def serve(
    config: Config,
    path: Path,
    port: int = 0,
    ready: Callable[[str], None] = lambda url: None,
) -> None:
    """Serve the preview of the issue at `path` on 127.0.0.1 until interrupted."""
    desk = Desk(config, path)
    desk.render()
    server = ThreadingHTTPServer(("127.0.0.1", port), _handler(desk))
    server.daemon_threads = True
    renderer = threading.Thread(target=desk.run_renderer, name="render", daemon=True)
    renderer.start()
    observer = _watch(desk)
    try:
        ready(f"http://127.0.0.1:{server.server_address[1]}/")
        server.serve_forever(poll_interval=0.2)
    finally:
        desk.stop()
        observer.stop()
        server.server_close()
