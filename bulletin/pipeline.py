"""The build story, top to bottom: find -> read -> parse -> check -> render -> write.

The stages: `source` reads an issue file once, `parse` turns it into the `model`,
`checks/` refuse what would print wrong, `render/` makes the PDF and DOCX from a render
`job`, `output` writes them whole. The archive (`archive/`: manifest, catalog, published
editions) records what was built. Only this module knows the order of the stages. Everything for one issue is read,
validated and rendered before its first output file is written.
"""
from __future__ import annotations

import hashlib
import os
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator

from bulletin.support.cache import FileDigests
from bulletin.config import Config
from bulletin.errors import EXIT_INTERNAL, BulletinError, UsageError
from bulletin.job import RenderJob
from bulletin.archive.manifest import MANIFEST_NAME, InputHasher, IssueRecord, Manifest, OutputRecord, digest_of, load_manifest, record_output, relative_name, save_manifest, shared_inputs, stale_formats
from bulletin.model import Issue
from bulletin.output import atomic_write, folder_lock, remove_stale_temporaries, write_all
from bulletin.parse import parse_issue
from bulletin.source import read_source

if TYPE_CHECKING:
    from bulletin.archive.catalog import CatalogEntry, CatalogRow

FORMATS = ("pdf", "docx", "html")
DEFAULT_FORMATS = ("pdf", "docx")


def discover(config: Config, paths: Iterable[Path] = ()) -> list[Path]:
    """The issue files named by `paths` (files or folders), or every issue under issues/."""
    from bulletin.errors import raise_all

    found, problems = discover_all(config, paths)
    raise_all(problems)
    return found


def discover_all(config: Config, paths: Iterable[Path] = ()) -> tuple[list[Path], list[BulletinError]]:
    """The issue files named by `paths` (or under issues/), and the files refused among them (links out)."""
    from bulletin.support.boundary import discover_problems, issue_files, lexical
    from bulletin.errors import raise_all

    raise_all(discover_problems(paths, config.root))  # `build /`, `check ../elsewhere.md`
    found: list[Path] = []
    problems: list[BulletinError] = []
    for path in list(paths) or [config.issues_dir]:
        if path.is_dir():
            files, refused = issue_files(path, config.root)
            found.extend(files)
            problems.extend(refused)
        elif path.exists() or path.suffix == ".md":
            found.append(path)
        else:
            raise UsageError(f"no such issue file or folder: {path}")
    return sorted({lexical(p) for p in found}), problems


def output_path(config: Config, source: Path, out_dir: Path, fmt: str) -> Path:
    """Where the `fmt` output of `source` goes: issues/2025/011.md -> OUT/2025/011.pdf."""
    try:
        relative = source.resolve().relative_to(config.issues_dir.resolve())
    except ValueError:
        relative = Path(source.name)
    return out_dir / relative.with_suffix(f".{fmt}")


def load(path: Path, config: Config) -> Issue:
    """Read and parse the issue file at `path`; a placeholder left from `new` is refused."""
    return prepare(path, config, check_glyphs=False).issue


def prepare(path: Path, config: Config, data: bytes | None = None, check_glyphs: bool = True) -> RenderJob:
    """The check stage of one issue: read its file once (or take `data`, its bytes read already), parse it,
    refuse placeholders and, for a PDF (`check_glyphs`, unless `--allow-missing-glyphs`), characters no house
    font has; read its images.

    Everything after this works from the job, never from the disk.
    """
    from bulletin.model import issue_images
    from bulletin.errors import raise_all
    from bulletin.checks.losses import placeholder_problems
    from bulletin.parse import parse_issue
    from bulletin.source import decode, read_file, split

    data = read_file(path) if data is None else data
    source = split(path, decode(path, data))
    issue = parse_issue(source, config)
    raise_all(placeholder_problems(source))
    if check_glyphs and not config.allow_missing_glyphs:
        from bulletin.checks.coverage import config_coverage_problems, coverage_problems
        from bulletin.support.fonts import fonts_dir

        raise_all([
            *config_coverage_problems(config, refusing=True),
            *coverage_problems(source, fonts_dir(config.root), refusing=True),
        ])
    images = []
    for image in issue_images(issue):
        try:
            images.append((image.resolve(), image.read_bytes()))
        except OSError as exc:
            from bulletin.errors import ContentError

            raise ContentError(f"image {image}: cannot read: {exc.strerror}", path) from None
    return RenderJob(issue, data, tuple(images), config)


def renderer(fmt: str) -> Callable[[RenderJob], bytes]:
    """The function that renders `fmt` from a job."""
    if fmt == "pdf":
        from bulletin.render.pdf import render_pdf

        return render_pdf
    if fmt == "docx":
        from bulletin.render.docx import render_docx

        return lambda job: render_docx(job.issue, job.config)
    if fmt == "html":
        from bulletin.render.html import render_html

        return lambda job: render_html(job.issue, job.config).encode("utf-8")
    raise UsageError(f"unknown format '{fmt}' (known: {', '.join(FORMATS)})")


def render_all(job: RenderJob, formats: Iterable[str]) -> dict[str, bytes]:
    """Every requested format of the job's issue, rendered in memory."""
    return {fmt: renderer(fmt)(job) for fmt in formats}


class InternalError(BulletinError):
    """A bug met while building one issue: reported with the issue, the other issues go on.

    It keeps the traceback of its cause as text (it crosses from worker processes), for `--debug`.
    """

    exit_code = EXIT_INTERNAL
    traceback: str = ""

    @classmethod
    def of(cls, exc: BaseException, path: Path | None) -> "InternalError":
        """The internal error for `exc`, raised while building `path`, with its traceback."""
        import traceback

        error = cls(f"internal error: {type(exc).__name__}: {exc}", path)
        error.traceback = "".join(traceback.format_exception(exc))
        return error


@dataclass(frozen=True)
class Built:
    """The outcome of building one issue: its outputs, or the problem that stopped it.

    `unchanged` means the manifest showed its outputs up to date, so nothing was built.
    """

    source: Path
    outputs: tuple[Path, ...] = ()
    error: BulletinError | None = None
    unchanged: bool = False
    records: dict[str, OutputRecord] = field(default_factory=dict, compare=False)
    inputs: dict[str, str] = field(default_factory=dict, compare=False)
    catalog: CatalogEntry | None = field(default=None, compare=False)
    #: a published issue, served from archive/: what of the current house would change it (None: a draft)
    sealed: tuple[str, ...] | None = field(default=None, compare=False)
    #: a published issue whose file changed since (the published edition is still served)
    source_changed: bool = field(default=False, compare=False)
    #: warnings read from the pages just made (`losses.layout_findings`), as printed lines
    warnings: tuple[str, ...] = field(default=(), compare=False)


def build_one(path: Path, config: Config, formats: Iterable[str], out_dir: Path, data: bytes | None = None) -> Built:
    """Build one issue: read it once, check it, render every format, then write them all."""
    from bulletin.archive.catalog import record

    formats = tuple(formats)
    job = prepare(path, config, data, check_glyphs="pdf" in formats)
    inputs = {relative_name(config, p): sha for p, sha in job.digests().items()}
    rendered = render_all(job, formats)
    targets = {fmt: output_path(config, path, out_dir, fmt) for fmt in rendered}
    # every format of the issue is replaced, or none (a DOCX that cannot be written keeps the old PDF)
    write_all({targets[fmt]: output for fmt, output in rendered.items()}, inside=out_dir)
    written = list(targets.values())
    records = {fmt: record_output(out_dir, targets[fmt], output) for fmt, output in rendered.items()}
    warnings: tuple[str, ...] = ()
    if "pdf" in rendered:
        from bulletin.checks.losses import layout_findings

        text = job.source.decode("utf-8", "replace")
        warnings = tuple(f.describe(path) for f in layout_findings(job.issue, config, rendered["pdf"], text, job.notes))
    return Built(path, tuple(written), records=records, inputs=inputs, catalog=record(job.issue, relative_name(config, path)),
                 warnings=warnings)


def build_safely(
    path: Path, config: Config, formats: tuple[str, ...], out_dir: Path, data: bytes | None = None
) -> Built:
    """`build_one`, with any failure kept in the result instead of raised (runs in worker processes)."""
    try:
        return build_one(path, config, formats, out_dir, data)
    except BulletinError as exc:
        return Built(path, error=exc)
    except Exception as exc:  # noqa: BLE001 (one issue's bug must not stop the others)
        return Built(path, error=InternalError.of(exc, path))


def _run(todo: list[tuple[Any, ...]], config: Config, out_dir: Path, jobs: int | None) -> Iterator[Built]:
    """Build every (issue, formats[, its bytes read already]) of `todo`, in worker processes when there are several."""
    workers = min(jobs or os.cpu_count() or 1, len(todo))
    if workers <= 1:
        for path, formats, *data in todo:
            yield build_safely(path, config, formats, out_dir, *data)
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed
    from concurrent.futures.process import BrokenProcessPool

    # spawn, not fork: the parent may hold Pango and fontconfig state that a fork would copy half-made;
    # each worker builds many issues, keeping its fonts, stylesheet and templates loaded between them
    context = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=context)
    try:
        futures = {
            pool.submit(build_safely, path, config, formats, out_dir, *data): path for path, formats, *data in todo
        }
        for future in as_completed(futures):
            try:
                yield future.result()
            except BrokenProcessPool:
                # a worker was killed (out of memory, a signal): its issues fail, the rest are reported
                yield Built(futures[future], error=InternalError("the build worker stopped abruptly", futures[future]))
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def build(
    config: Config,
    paths: Iterable[Path],
    formats: Iterable[str],
    out_dir: Path,
    progress: Callable[[Built], None] = lambda built: None,
    start: Callable[[int], None] = lambda count: None,
    jobs: int | None = None,
    force: bool = False,
) -> list[Built]:
    """Build every issue in `paths` whose inputs changed, on every core; a failing issue does not stop the others.

    Then record what was built in the manifest and rewrite the catalog from it.
    """
    formats, paths = tuple(formats), tuple(paths)
    files = discover(config, paths)
    remove_stale_temporaries(out_dir)
    manifest = load_manifest(out_dir)
    shared = shared_inputs(config)
    digest = digest_of(shared)
    manifest.shared[digest] = shared
    # an input whose file is in a state seen before is not read again: its digest is known
    hasher = FileDigests(f"input-states-{hashlib.sha256(str(out_dir.resolve()).encode()).hexdigest()[:16]}.json")
    start(len(files))
    results: list[Built] = []
    files = _serve_published(config, files, formats, out_dir, manifest, shared, digest, results, progress)
    todo: list[tuple[Path, tuple[str, ...], bytes | None]] = []
    changed: dict[Path, bool] = {}
    for path in files:
        record = manifest.issues.get(relative_name(config, path))
        stale, changed[path] = (formats, True) if force else stale_formats(record, config, digest, formats, out_dir, hasher)
        if stale:
            # the bytes read to see that it changed are the ones built: the file is read once
            todo.append((path, stale, hasher.read.pop(path.resolve(), None)))
        else:
            results.append(Built(path, unchanged=True))
            progress(results[-1])
    try:
        for result in _run(todo, config, out_dir, jobs):
            if result.error is None:
                name = relative_name(config, result.source)
                old = manifest.issues.get(name)
                outputs = dict(old.outputs) if old and not changed[result.source] else {}
                outputs.update(result.records)
                manifest.issues[name] = IssueRecord(digest, result.inputs, outputs, result.catalog)
            results.append(result)
            progress(result)
    finally:
        # under the folder's lock, on the manifest as it is now: a concurrent build's records are kept
        with folder_lock(out_dir) if manifest.issues or (out_dir / MANIFEST_NAME).exists() else nullcontext():
            fresh = load_manifest(out_dir)
            fresh.shared.update(manifest.shared)
            fresh.issues.update({relative_name(config, r.source): manifest.issues[relative_name(config, r.source)]
                                 for r in results if not r.unchanged and r.error is None})
            manifest = fresh
            if not paths:
                for name in [n for n in manifest.issues if not (config.root / n).is_file()]:
                    del manifest.issues[name]
            # A build that made nothing leaves no trace: no manifest, no catalog.
            if manifest.issues or (out_dir / MANIFEST_NAME).exists():
                before = _bytes_or_none(out_dir / MANIFEST_NAME)
                save_manifest(out_dir, manifest)
                if manifest.to_bytes() != before or not _catalog_current(config, out_dir):
                    from bulletin.archive.catalog import write_catalog

                    write_catalog(catalog_entries(manifest), config, out_dir)
        hasher.read.clear()
        hasher.save()
    return sorted(results, key=lambda r: r.source)


def _serve_published(
    config: Config,
    files: list[Path],
    formats: tuple[str, ...],
    out_dir: Path,
    manifest: Manifest,
    shared: dict[str, str],
    digest: str,
    results: list[Built],
    progress: Callable[[Built], None],
) -> list[Path]:
    """Copy the published edition of every published issue among `files`; return the others (drafts) to build."""
    from bulletin.archive.publish import serve, split

    drafts, sealed = split(config, files)
    for record in sealed:
        served = serve(config, record, formats, out_dir, manifest, shared, digest)
        results.append(
            Built(
                served.source,
                served.outputs,
                error=served.error,
                unchanged=served.unchanged,
                records=served.records,
                sealed=served.changes,
                source_changed=served.source_changed,
            )
        )
        progress(results[-1])
    return drafts


def _bytes_or_none(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


#: the catalog files a build writes, and the templates they are made with
CATALOG_FILES = ("index.html", "catalog.json", "catalog.csv")
CATALOG_TEMPLATES = ("catalog.html.j2",)


def _catalog_current(config: Config, out_dir: Path) -> bool:
    """Whether the catalog files exist and are newer than bulletin.toml and the catalog templates.

    With the manifest unchanged too, rewriting them would give the same bytes: a no-op build skips it.
    """
    from bulletin.support.folders import TOOL_TEMPLATES, templates_dir

    try:
        written = min((out_dir / name).stat().st_mtime_ns for name in CATALOG_FILES)
    except OSError:
        return False
    sources = [config.path] + [folder / name for folder in (templates_dir(config.root), TOOL_TEMPLATES) for name in CATALOG_TEMPLATES]
    for source in sources:
        try:
            if source.stat().st_mtime_ns >= written:
                return False
        except FileNotFoundError:
            continue
        except OSError:
            return False
    return True


def catalog_entries(manifest: Manifest) -> list[CatalogRow]:
    """The catalog entry of every issue in the manifest, with the paths of its PDF and DOCX."""
    entries: list[CatalogRow] = []
    for record in manifest.issues.values():
        if record.catalog:
            paths = {fmt: record.outputs[fmt].path if fmt in record.outputs else "" for fmt in ("pdf", "docx")}
            row: CatalogRow = {**record.catalog, "pdf": paths["pdf"], "docx": paths["docx"]}
            entries.append(row)
    return entries


@dataclass(frozen=True)
class Mismatch:
    """An output whose bytes are not what the manifest records, and why."""

    path: Path
    reason: str


def verify(
    config: Config, out_dir: Path, jobs: int | None = None, facts: list[str] | None = None
) -> tuple[int, list[Mismatch]]:
    """Check every output: published editions in archive/, and the build folder's manifest.

    Every output is rebuilt into a temporary folder and compared byte for byte, whatever
    the environment: a Python, dependency or library version other than the recorded one
    is appended to `facts`, never a reason to skip the comparison. Returns the number of
    outputs checked and every mismatch found, with what differs when it can be said.
    """
    import tempfile

    from bulletin.archive.compare import describe
    from bulletin.archive.publish import environment_facts, is_environment, published, verify_published

    facts = [] if facts is None else facts
    sealed = published(config)
    manifest = load_manifest(out_dir)
    if not manifest.issues and not sealed:
        raise UsageError(f"no build manifest in {out_dir}: run 'bulletin build' first")
    sealed_names = {relative_name(config, record.source) for record in sealed}
    current = shared_inputs(config)
    shared = digest_of(current)
    hasher = InputHasher()
    problems: list[Mismatch] = []
    todo: list[tuple[Path, tuple[str, ...]]] = []
    recorded: dict[Path, IssueRecord] = {}
    changed_inputs: dict[Path, list[str]] = {}
    for name, record in sorted(manifest.issues.items()):
        source = config.root / name
        for fmt, output in sorted(record.outputs.items()):
            target = out_dir / output.path
            actual = hasher(target)
            if actual is None:
                problems.append(Mismatch(target, "missing (the manifest records it)"))
            elif actual != output.sha256:
                problems.append(
                    Mismatch(target, f"differs from the manifest: sha256 {actual[:12]}…, recorded {output.sha256[:12]}…")
                )
        if name in sealed_names:
            continue  # rebuilt from its archive record, below
        changed = [n for n, sha in record.inputs.items() if hasher(config.root / n) != sha]
        if record.shared != shared:
            before = manifest.shared.get(record.shared, {})
            facts.extend(f"built with other software than here: {fact}" for fact in environment_facts(before, current))
            changed.extend(
                n for n in sorted(set(before) | set(current))
                if before.get(n) != current.get(n) and not is_environment(n) and n != "tool"
            )
        changed_inputs[source.resolve()] = changed
        recorded[source.resolve()] = record
        todo.append((source.resolve(), tuple(sorted(record.outputs))))
    with tempfile.TemporaryDirectory(prefix="bulletin-verify-") as temporary:
        for result in _run(todo, config, Path(temporary), jobs):
            record = recorded[result.source]
            if result.error is not None:
                problems.append(Mismatch(result.source, f"does not rebuild: {result.error}"))
                continue
            for fmt, rebuilt in result.records.items():
                expected = record.outputs[fmt]
                if rebuilt.sha256 != expected.sha256:
                    kept = out_dir / expected.path
                    detail = describe(fmt, kept.read_bytes(), (Path(temporary) / rebuilt.path).read_bytes()) if (
                        hasher(kept) == expected.sha256
                    ) else ""
                    changed = changed_inputs[result.source]
                    problems.append(
                        Mismatch(
                            kept,
                            f"does not rebuild to the same bytes: rebuilt sha256 {rebuilt.sha256[:12]}…, "
                            f"recorded {expected.sha256[:12]}…"
                            + (f": {detail}" if detail else "")
                            + (f" (inputs changed since the build: {', '.join(changed)}; rebuild first)" if changed else ""),
                        )
                    )
    checked = sum(len(record.outputs) for record in manifest.issues.values())
    archived, found = verify_published(config, sealed, facts)
    problems.extend(Mismatch(path, reason) for path, reason in found)
    facts[:] = list(dict.fromkeys(facts))
    return checked + archived, sorted(problems, key=lambda m: (str(m.path), m.reason))


def _title(entry: CatalogEntry | None) -> str:
    """The title a manifest records for an issue (every issue built here has its entry)."""
    assert entry is not None, "an issue built without a catalog entry"
    return entry["title"]


def volume(config: Config, year: int, out_dir: Path, jobs: int | None = None) -> Path:
    """Build the annual volume of `year` (bringing its issue PDFs up to date first); return its path."""
    from bulletin.archive.volume import contents_pdf, merge, volume_issues

    issues = volume_issues(config, year)
    results = build(config, [entry.path for entry in issues], ("pdf",), out_dir, jobs=jobs)
    failed = [result.error for result in results if result.error is not None]
    if failed:
        from bulletin.errors import raise_all

        raise_all(failed)
    records = load_manifest(out_dir).issues
    titled = [(entry, _title(records[relative_name(config, entry.path)].catalog)) for entry in issues]
    contents = contents_pdf(config, year, titled)
    data = merge(
        config, year, contents, [(entry, title, output_path(config, entry.path, out_dir, "pdf")) for entry, title in titled]
    )
    target = out_dir / "volumes" / f"{year}.pdf"
    atomic_write(target, data, inside=out_dir)
    return target
