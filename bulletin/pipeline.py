"""The build story, top to bottom: find -> read -> parse -> render -> write.

Only this module knows the order of the stages. Everything for one issue is read,
validated and rendered before its first output file is written.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

from .config import Config
from .errors import BulletinError, UsageError
from .model import Issue
from .output import atomic_write
from .parse import parse_issue
from .source import read_source

FORMATS = ("pdf", "docx", "html")
DEFAULT_FORMATS = ("pdf", "docx")


def discover(config: Config, paths: Iterable[Path] = ()) -> list[Path]:
    """The issue files named by `paths` (files or folders), or every issue under issues/."""
    found: list[Path] = []
    for path in list(paths) or [config.issues_dir]:
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*.md") if p.is_file() and not p.name.startswith(".")))
        elif path.exists() or path.suffix == ".md":
            found.append(path)
        else:
            raise UsageError(f"no such issue file or folder: {path}")
    return sorted({p.resolve() for p in found})


def output_path(config: Config, source: Path, out_dir: Path, fmt: str) -> Path:
    """Where the `fmt` output of `source` goes: issues/2025/011.md -> OUT/2025/011.pdf."""
    try:
        relative = source.resolve().relative_to(config.issues_dir.resolve())
    except ValueError:
        relative = Path(source.name)
    return out_dir / relative.with_suffix(f".{fmt}")


def load(path: Path, config: Config) -> Issue:
    """Read and parse the issue file at `path`."""
    return parse_issue(read_source(path), config)


def renderer(fmt: str) -> Callable[[Issue, Config], bytes]:
    """The function that renders `fmt`."""
    if fmt == "pdf":
        from .render.pdf import render_pdf

        return render_pdf
    if fmt == "docx":
        from .render.docx import render_docx

        return render_docx
    if fmt == "html":
        from .render.html import render_html

        return lambda issue, config: render_html(issue, config).encode("utf-8")
    raise UsageError(f"unknown format '{fmt}' (known: {', '.join(FORMATS)})")


def render_all(issue: Issue, config: Config, formats: Iterable[str]) -> dict[str, bytes]:
    """Every requested format of `issue`, rendered in memory."""
    return {fmt: renderer(fmt)(issue, config) for fmt in formats}


@dataclass(frozen=True)
class Built:
    """The outcome of building one issue: its outputs, or the problem that stopped it."""

    source: Path
    outputs: tuple[Path, ...] = ()
    error: BulletinError | None = None


def build_one(path: Path, config: Config, formats: Iterable[str], out_dir: Path) -> tuple[Path, ...]:
    """Build one issue: read, parse and render every format, then write them all."""
    issue = load(path, config)
    rendered = render_all(issue, config, formats)
    written: list[Path] = []
    for fmt, data in rendered.items():
        target = output_path(config, path, out_dir, fmt)
        atomic_write(target, data)
        written.append(target)
    return tuple(written)


def build(
    config: Config,
    paths: Iterable[Path],
    formats: Iterable[str],
    out_dir: Path,
    progress: Callable[[Built], None] = lambda built: None,
) -> list[Built]:
    """Build every issue in `paths`; a failing issue does not stop the others."""
    formats = tuple(formats)
    results: list[Built] = []
    for path in discover(config, paths):
        try:
            result = Built(path, build_one(path, config, formats, out_dir))
        except BulletinError as exc:
            result = Built(path, error=exc)
        results.append(result)
        progress(result)
    return results
