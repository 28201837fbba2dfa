"""The command line. Turns BulletinError into one line per problem and an exit code.

Exit codes: 0 fine; 1 problems in the content (an issue file or what it references);
2 usage or configuration errors (command line, bulletin.toml, templates, fonts);
3 an internal error (a bug); 130 interrupted; 143 terminated (SIGTERM).
"""
from __future__ import annotations

import datetime as dt
import sys
import time
from typing import Any
from dataclasses import replace
from pathlib import Path

import click

from bulletin import __version__, pipeline
from bulletin.config import Config, find_root, load_config
from bulletin.errors import EXIT_CONTENT, EXIT_INTERNAL, EXIT_USAGE, BulletinError, UsageError, display_path

EXIT_OK, EXIT_INTERRUPTED = 0, 130

EXIT_CODES_HELP = """\b
Exit codes:
  0    fine
  1    problems in the content (an issue file, an image it uses)
  2    usage or configuration errors (command line, bulletin.toml,
       templates, fonts)
  3    an internal error of the tool (a bug: please report it)
  130  interrupted
  143  terminated (SIGTERM)"""


def exit_code(error: BulletinError) -> int:
    """The exit code for a domain error: the one its class carries (Problems: the highest of its problems)."""
    return error.exit_code


class Context:
    """What every command needs: the project, found once."""

    def __init__(self, project: Path | None) -> None:
        self.project = project
        self._config: Config | None = None

    @property
    def config(self) -> Config:
        """The project's validated configuration."""
        if self._config is None:
            root = self.project.resolve() if self.project else find_root(Path.cwd())
            config = load_config(root)
            from bulletin.support.boundary import check_project
            from bulletin.support.fonts import fonts_dir
            from bulletin.support.folders import templates_dir

            # templates and fonts that are links out of the project are refused before anything is read
            check_project(config.root, templates_dir(config.root), fonts_dir(config.root))
            self._config = config
        return self._config


pass_context = click.make_pass_decorator(Context)

#: print the traceback of internal errors: `--debug` or BULLETIN_DEBUG=1
_debug = False


def debugging() -> bool:
    """Whether internal errors are shown with their traceback."""
    import os

    return _debug or os.environ.get("BULLETIN_DEBUG", "") not in ("", "0")


def _set_debug(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    global _debug
    _debug = value


def _show_traceback(error: BaseException) -> None:
    """With --debug, the traceback an internal error keeps (from the worker that met it)."""
    trace: str = getattr(error, "traceback", "")
    if debugging() and trace:
        click.echo(trace.rstrip(), err=True)


@click.group(epilog=EXIT_CODES_HELP)
@click.option(
    "--project",
    type=click.Path(file_okay=False, path_type=Path),
    help="The project folder (holding bulletin.toml). Default: found from here upward.",
)
@click.option(
    "--debug", is_flag=True, expose_value=False, is_eager=True, callback=_set_debug,
    help="Print the traceback of an internal error (exit 3). Also BULLETIN_DEBUG=1.",
)
@click.option(
    "--lang",
    type=click.Choice(["en", "zh"]),
    help="Language of the messages. Default: Chinese when LC_ALL, LC_MESSAGES, LANG or LANGUAGE is zh_*.",
)
@click.version_option(version=__version__, prog_name="bulletin")
@click.pass_context
def cli(ctx: click.Context, project: Path | None, lang: str | None) -> None:
    """Typeset the bulletin: Markdown issues in, house-style PDF and DOCX out."""
    ctx.obj = Context(project)


@cli.command(epilog=EXIT_CODES_HELP)
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--format",
    "formats",
    multiple=True,
    type=click.Choice(pipeline.FORMATS),
    help="Output format; repeat for several. Default: pdf and docx.",
)
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), help="Output folder. Default: build/.")
@click.option("--jobs", type=click.IntRange(min=1), help="Issues built at once. Default: one per core.")
@click.option("--force", is_flag=True, help="Rebuild even the issues whose inputs did not change.")
@click.option(
    "--allow-missing-glyphs",
    is_flag=True,
    help="Make the PDF even where no house font has a character: it prints as an empty box, "
    "and the PDF's text may not copy out.",
)
@pass_context
def build(
    obj: Context,
    paths: tuple[Path, ...],
    formats: tuple[str, ...],
    out_dir: Path | None,
    jobs: int | None,
    force: bool,
    allow_missing_glyphs: bool,
) -> None:
    """Build issues (default: every issue under issues/) into build/, only those whose inputs changed.

    Records every output and input in build/manifest.json and rewrites the catalog
    (build/index.html, catalog.json, catalog.csv).
    """
    config = replace(obj.config, allow_missing_glyphs=allow_missing_glyphs)
    started = time.monotonic()
    with _Progress() as bar:
        results = pipeline.build(
            config,
            paths,
            formats or pipeline.DEFAULT_FORMATS,
            _out(config, out_dir),
            progress=bar.update,
            start=bar.start,
            jobs=jobs,
            force=force,
        )
    failed = [r for r in results if r.error]
    unchanged = [r for r in results if r.unchanged and not r.error]
    click.echo(
        f"built {len(results) - len(failed) - len(unchanged)}, unchanged {len(unchanged)}, "
        f"failed {len(failed)} in {time.monotonic() - started:.1f} s",
        err=True,
    )
    _report_sealed(results)
    if failed:
        sys.exit(max(exit_code(r.error) for r in failed if r.error))


def _out(config: Config, out_dir: Path | None) -> Path:
    """The build folder: --out as given, else build/, which must not lead out of the project."""
    from bulletin.support.boundary import output_folder

    return output_folder(config.root, out_dir)
def _report_sealed(results: list[pipeline.Built]) -> None:
    """How many published issues the build left as published, and whether the current house would change them."""
    sealed = [r for r in results if r.sealed is not None and r.error is None]
    for result in sealed:
        if result.source_changed:
            click.echo(
                f"{display_path(result.source)}: warning: changed since it was published; the published edition "
                "is kept (to publish the change: bulletin reissue ISSUE --reason \"…\")",
                err=True,
            )
    if not sealed:
        return
    changed = sorted({name for r in sealed for name in r.sealed or ()})
    affected = sum(1 for r in sealed if r.sealed)
    if affected:
        click.echo(
            f"{len(sealed)} published issue(s) left as published; the current house would change {affected} of them "
            f"({', '.join(changed)})",
            err=True,
        )
    else:
        click.echo(f"{len(sealed)} published issue(s) left as published", err=True)


def _report_built(built: pipeline.Built) -> None:
    if built.error:
        click.echo(str(built.error), err=True)
        _show_traceback(built.error)
    else:
        for path in built.outputs:
            click.echo(display_path(path))
        for warning in built.warnings:
            click.echo(warning, err=True)


class _Progress:
    """A progress bar on stderr while it is a terminal; lines go through it so that it stays whole."""

    def __init__(self) -> None:
        self.bar: Any = None

    def __enter__(self) -> "_Progress":
        return self

    def start(self, count: int) -> None:
        """Show the bar for `count` issues (only on a terminal)."""
        if not sys.stderr.isatty():
            return
        from tqdm import tqdm

        tqdm.monitor_interval = 0  # no monitor thread in a process that starts workers
        self.bar = tqdm(total=count, unit="issue", file=sys.stderr, leave=False)

    def update(self, built: pipeline.Built) -> None:
        """Report one issue (outputs to stdout, problems to stderr) and advance the bar."""
        if self.bar is None:
            _report_built(built)
            return
        from tqdm import tqdm

        with tqdm.external_write_mode(file=sys.stderr):
            _report_built(built)
        self.bar.update(1)

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.close()


@cli.command(epilog=EXIT_CODES_HELP)
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--fix", is_flag=True, help="Correct the unambiguous typographic slips in the files; print each change.")
@click.option("--layout", is_flag=True, help="Also lay the pages out (in memory, a few seconds an issue) and warn "
              "about a last page that holds only the colophon, as build does.")
@pass_context
def check(obj: Context, paths: tuple[Path, ...], fix: bool, layout: bool) -> None:
    """Validate issues; print every problem as path:line: message.

    Also lists each character no house font has (an error) and typographic slips
    (warnings, which alone do not fail the check).
    """
    from bulletin.checks import lint
    from bulletin.checks.coverage import config_coverage_problems, coverage_problems
    from bulletin.support.fonts import fonts_dir
    from bulletin.checks.losses import find_losses, fix_losses, placeholder_problems
    from bulletin.parse import parse_issue
    from bulletin.source import read_source

    config = obj.config
    problems: list[BulletinError] = config_coverage_problems(config)
    warnings: list[str] = []
    # an issue file that links out of the project is one problem; the others are still checked
    files, refused = pipeline.discover_all(config, paths)
    problems.extend(refused)
    for path in files:
        try:
            if fix:
                for change in [*lint.fix(path), *fix_losses(path)]:
                    click.echo(
                        f"{display_path(path)}:{change.line}:{change.column}: fixed: "
                        f"'{change.original}' -> '{change.replacement}'"
                    )
            source = read_source(path)
            try:
                issue = parse_issue(source, config)
                if layout:
                    from bulletin.checks.losses import layout_findings

                    # glyph coverage is reported above: lay out even where a glyph is missing
                    from bulletin.model import issue_images
                    from bulletin.job import RenderJob

                    images = tuple((p.resolve(), p.read_bytes()) for p in issue_images(issue))
                    job = RenderJob(issue, source.text.encode("utf-8"), images, replace(config, allow_missing_glyphs=True))
                    pdf = pipeline.renderer("pdf")(job)
                    warnings.extend(f.describe(path) for f in layout_findings(issue, config, pdf, source.text, job.notes))
            except BulletinError as exc:
                problems.extend(getattr(exc, "problems", [exc]))
            problems.extend(placeholder_problems(source))
            problems.extend(coverage_problems(source, fonts_dir(config.root)))
            warnings.extend(finding.describe(path) for finding in lint.find(source))
            warnings.extend(finding.describe(path) for finding in find_losses(source))
        except BulletinError as exc:
            problems.extend(getattr(exc, "problems", [exc]))
    problems.extend(_numbering_problems(config, files, whole=not paths))
    for problem in problems:
        click.echo(str(problem))
    for warning in warnings:
        click.echo(warning)
    click.echo(f"checked {len(files)} issue(s): {len(problems)} problem(s), {len(warnings)} warning(s)", err=True)
    if problems:
        sys.exit(max(exit_code(p) for p in problems))


def _finite(ctx: click.Context, param: click.Parameter, value: float) -> float:
    """A number option that must be finite (NaN passes every range comparison)."""
    if value != value or value in (float("inf"), float("-inf")):
        raise click.BadParameter(f"{value} is not a number")
    return value


def _numbering_problems(config: Config, files: list[Path], whole: bool) -> list[BulletinError]:
    """The archive's numbering problems; for named files, only those that involve them."""
    from bulletin.archive.numbering import NumberingError, archive_problems

    found = archive_problems(config)
    if whole:
        return found
    named = {path.resolve() for path in files}
    return [
        p
        for p in found
        if (p.path and p.path.resolve() in named)
        or (isinstance(p, NumberingError) and p.other and p.other.resolve() in named)
    ]


@cli.command(epilog=EXIT_CODES_HELP)
@click.option("--date", "date_text", help="Date of the new issue, YYYY-MM-DD. Default: today.")
@pass_context
def new(obj: Context, date_text: str | None) -> None:
    """Write the next issue file with its numbers filled in; print its path."""
    from bulletin.archive.numbering import next_issue_file

    config = obj.config
    try:
        date = dt.date.fromisoformat(date_text) if date_text else dt.date.today()
    except ValueError:
        raise UsageError(f"--date {date_text}: not a date YYYY-MM-DD") from None
    click.echo(display_path(next_issue_file(config, date)))


@cli.command(epilog=EXIT_CODES_HELP)
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
def init(folder: Path) -> None:
    """Start a house's own project in FOLDER: bulletin.toml to fill in, issues/ with a sample issue."""
    from bulletin.desk.project import init_project

    for path in init_project(folder, dt.date.today()):
        click.echo(display_path(path))


@cli.command(epilog=EXIT_CODES_HELP)
@pass_context
def templates(obj: Context) -> None:
    """Copy the packaged templates into the project's templates/ folder, to edit them there."""
    from bulletin.desk.project import copy_templates

    for path in copy_templates(obj.config.root):
        click.echo(display_path(path))


@cli.command(epilog=EXIT_CODES_HELP)
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--page", type=click.IntRange(min=1), help="Render only this page (1-based). Default: every page.")
@click.option(
    "--scale", type=click.FloatRange(0.5, 6), default=1.5, show_default=True, help="Pixels per point.", callback=_finite
)
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), help="Default: build/preview/.")
@pass_context
def preview(obj: Context, path: Path, page: int | None, scale: float, out_dir: Path | None) -> None:
    """Render an issue's pages to PNG for a quick look; print the paths."""
    from bulletin.desk.preview import preview_pages

    config = obj.config
    for png in preview_pages(config, path, page, scale, out_dir.resolve() if out_dir else _out(config, None) / "preview"):
        click.echo(display_path(png))


@cli.command(epilog=EXIT_CODES_HELP)
@click.argument("path", required=False, type=click.Path(path_type=Path))
@click.option("--port", type=click.IntRange(0, 65535), default=0, help="Port on 127.0.0.1. Default: a free one.")
@pass_context
def serve(obj: Context, path: Path | None, port: int) -> None:
    """Preview an issue (default: the latest) in the browser; the pages follow each save. Ctrl-C stops."""
    from bulletin.desk.serve import serve as run

    config = obj.config
    files = pipeline.discover(config, [path] if path else [])
    if not files:
        raise UsageError("no issue to serve: write one with 'bulletin new'")
    if path is not None and not files[-1].is_file():
        raise UsageError(f"no such issue file: {path}")
    run(config, files[-1], port, ready=lambda url: click.echo(f"serving {display_path(files[-1])} at {url}", err=True))


@cli.command(epilog=EXIT_CODES_HELP)
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def styles(path: Path) -> None:
    """List the paragraph and character styles a DOCX uses, with paragraphs (or runs) per style."""
    from bulletin.archive.extract import read_docx
    from bulletin.render.docx import styles_used

    data = read_docx(path)  # bounded: zip and XML bombs refused before python-docx opens it
    try:
        uses = styles_used(data)
    except Exception as exc:  # noqa: BLE001 (a damaged DOCX is one line, never a traceback)
        raise UsageError(f"not a DOCX file ({type(exc).__name__}: {str(exc)[:120]})", path) from None
    for use in uses:
        click.echo(f"{use.kind:<10}{use.count:>5}  {use.name}")


@cli.command(epilog=EXIT_CODES_HELP)
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), help="The build folder. Default: build/.")
@click.option("--jobs", type=click.IntRange(min=1), help="Issues rebuilt at once. Default: one per core.")
@pass_context
def verify(obj: Context, out_dir: Path | None, jobs: int | None) -> None:
    """Rebuild every published edition and every issue of the manifest; report every output whose bytes differ.

    Also reports outputs changed on disk since they were built or published, and what
    differs (pages, text, fonts, metadata) where it can. Other versions of Python or of a
    library are reported as facts; the bytes are compared all the same. Exit 1 if any differ.
    """
    config = obj.config
    started = time.monotonic()
    facts: list[str] = []
    checked, mismatches = pipeline.verify(config, _out(config, out_dir), jobs, facts)
    for mismatch in mismatches:
        click.echo(f"{display_path(mismatch.path)}: {mismatch.reason}")
    for fact in facts:
        click.echo(fact, err=True)
    click.echo(
        f"verified {checked} output(s): {len(mismatches)} problem(s) in {time.monotonic() - started:.1f} s", err=True
    )
    if mismatches:
        sys.exit(EXIT_CONTENT)


@cli.command(epilog=EXIT_CODES_HELP)
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@pass_context
def publish(obj: Context, paths: tuple[Path, ...]) -> None:
    """Publish issues: seal their PDF and DOCX in archive/ with what they were made from; print the paths.

    From then on `build` serves the published files: later changes of bulletin.toml,
    templates, fonts or the tool leave them alone. Corrections: `bulletin reissue`.
    """
    from bulletin.archive.publish import SEALED_FORMATS, publish as seal

    config = obj.config
    problems: list[BulletinError] = []
    for path in pipeline.discover(config, paths):
        try:
            sealed, now = seal(config, path, dt.date.today())
        except BulletinError as exc:
            problems.extend(getattr(exc, "problems", [exc]))
            continue
        if not now:
            click.echo(f"{display_path(path)}: already published on {sealed.current['date']}", err=True)
            continue
        for fmt in SEALED_FORMATS:
            click.echo(display_path(sealed.output(fmt)))
        click.echo(display_path(sealed.path))
    if problems:
        for problem in problems:
            click.echo(str(problem), err=True)
        sys.exit(max(exit_code(p) for p in problems))
    pipeline.build(config, paths, pipeline.DEFAULT_FORMATS, config.build_dir.resolve())


@cli.command(epilog=EXIT_CODES_HELP)
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--reason", required=True, help="What the correction (更正) is; recorded and shown in the catalog.")
@pass_context
def reissue(obj: Context, path: Path, reason: str) -> None:
    """Publish a corrected edition of a published issue, recorded with its reason and date.

    The previous edition's PDF and DOCX are kept beside the new (archive/YYYY/NNN.rK.pdf).
    """
    from bulletin.archive.publish import SEALED_FORMATS, reissue as correct

    config = obj.config
    sealed = correct(config, path, reason, dt.date.today())
    count = len(sealed.editions)
    for fmt in SEALED_FORMATS:
        click.echo(display_path(sealed.output(fmt)))
        click.echo(display_path(sealed.output(fmt, count - 1)))
    click.echo(display_path(sealed.path))
    pipeline.build(config, [path], pipeline.DEFAULT_FORMATS, config.build_dir.resolve())


@cli.command(epilog=EXIT_CODES_HELP)
@click.argument("pdf", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write the source and its images into this folder. Default: the Markdown to stdout.",
)
@click.option("--force", is_flag=True, help="With --out: replace files that exist already.")
def extract(pdf: Path, out_dir: Path | None, force: bool) -> None:
    """Get back the Markdown source (and images) embedded in an issue PDF."""
    from bulletin.archive.extract import embedded_files, extract_to, read_pdf

    data = read_pdf(pdf)
    if out_dir is None:
        files = embedded_files(data, pdf)[0]
        markdown = sorted(name for name in files if name.endswith(".md"))
        if not markdown:
            raise UsageError("no embedded Markdown source: not an issue PDF made by bulletin", pdf)
        sys.stdout.buffer.write(files[markdown[0]])
        return
    written, notes = extract_to(data, pdf, out_dir, force)
    for note in notes:
        click.echo(f"{display_path(pdf)}: {note}", err=True)
    for target in written:
        click.echo(display_path(target))


@cli.command(epilog=EXIT_CODES_HELP)
@click.argument("year", type=click.IntRange(1900, 9999))
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), help="The build folder. Default: build/.")
@click.option("--jobs", type=click.IntRange(min=1), help="Issues built at once. Default: one per core.")
@pass_context
def volume(obj: Context, year: int, out_dir: Path | None, jobs: int | None) -> None:
    """Make the annual volume (合订本) of YEAR: contents, then every issue in order; print its path.

    Each issue keeps its own page numbers and starts on a right-hand page.
    """
    config = obj.config
    click.echo(display_path(pipeline.volume(config, year, _out(config, out_dir), jobs)))


@cli.command("import", epilog=EXIT_CODES_HELP)
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--force", is_flag=True, help="Replace an issue file (and its images) that exists already.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), help="Default: the issues/ folder.")
@pass_context
def import_(obj: Context, files: tuple[Path, ...], force: bool, out_dir: Path | None) -> None:
    """Turn back issues made in Word (.docx) into issue files issues/YYYY/NNN.md; print each path.

    What has no place in the house is printed as a warning naming the paragraph.
    """
    from bulletin.archive.importer import import_docx, write_imported

    config = obj.config
    failed: list[BulletinError] = []
    warned = 0
    for path in files:
        try:
            imported = import_docx(path, config)
            for warning in imported.warnings:
                click.echo(warning, err=True)
            warned += len(imported.warnings)
            click.echo(display_path(write_imported(imported, (out_dir or config.issues_dir).resolve(), force)))
        except BulletinError as exc:
            click.echo(str(exc), err=True)
            failed.append(exc)
    click.echo(f"imported {len(files) - len(failed)} of {len(files)} file(s), {warned} warning(s)", err=True)
    if failed:
        sys.exit(max(exit_code(e) for e in failed))


EXIT_TERMINATED = 143  # 128 + SIGTERM, as shells report it


class Terminated(KeyboardInterrupt):
    """SIGTERM, handled like Ctrl-C: workers stopped, manifest saved, then exit 143."""


def _terminate(signum: int, frame: object) -> None:
    raise Terminated


@cli.command("print", epilog=EXIT_CODES_HELP)
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--copies", type=click.IntRange(min=1), help="Copies to print. Default: the issue's print_run.")
@click.option("--only", "only", help="Reprint just these copy numbers, e.g. 7,12 (recorded in the register).")
@click.option("--update-print-run", is_flag=True, help="With --copies: write the new figure into print_run and rebuild.")
@click.option("--send", is_flag=True, help="Submit the run to CUPS: two-sided long edge, collated.")
@click.option("--printer", help="With --send: the CUPS queue. Default: the default printer.")
@pass_context
def print_run(
    obj: Context,
    path: Path,
    copies: int | None,
    only: str | None,
    update_print_run: bool,
    send: bool,
    printer: str | None,
) -> None:
    """Write the numbered print run of an issue (build/print/YYYY/NNN.pdf) from its archived PDF.

    Each copy's first page carries its six-digit copy number (份号); a blank back page
    follows each copy of an odd-paged issue. Every run and reprint is recorded in the
    register (build/register/YYYY/NNN.log.jsonl, with .csv made from it).
    """
    from bulletin.archive import printing, register

    config = obj.config
    issue = pipeline.load(path, config)
    if copies is not None and copies != issue.meta.print_run:
        if not update_print_run:
            raise UsageError(
                f"--copies {copies} differs from print_run: {issue.meta.print_run} (共印 would be wrong); "
                "change print_run or add --update-print-run",
                path,
            )
        printing.set_print_run(path, copies)
        issue = pipeline.load(path, config)
    out_dir = _out(config, None)
    results = pipeline.build(config, [path], ("pdf",), out_dir)
    failed = [r.error for r in results if r.error is not None]
    if failed:
        from bulletin.errors import raise_all

        raise_all(failed)
    archived = pipeline.output_path(config, path.resolve(), out_dir, "pdf")
    numbers = printing.parse_only(only, issue.meta.print_run) if only else tuple(range(1, issue.meta.print_run + 1))
    log = register.log_path(out_dir, archived.relative_to(out_dir))
    if only:
        never = sorted(set(numbers) - register.printed(log))
        if never:
            raise UsageError(f"copy {', '.join(printing.copy_number(n) for n in never)} was never printed", path)
    target = printing.run_path(config, archived, numbers, whole=not only)
    data = printing.run_pdf(config, archived, numbers)
    from bulletin.output import atomic_write

    atomic_write(target, data, inside=out_dir)
    click.echo(display_path(target))
    # a run CUPS refused was not printed: it is recorded only once it is sent
    job = printing.send(target, printer) if send else None
    register.record_run(
        log, numbers, issue.meta.recipients, config.distribution, dt.date.today(), reprint=bool(only)
    )
    click.echo(display_path(register.write_csv(log)))
    click.echo(display_path(register.write_pdf(log, config, issue.meta)))
    if job:
        click.echo(f"sent {display_path(target)}: job {job.id}")


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit code (messages in the language asked for)."""
    from bulletin.support.i18n import streams_in, wanted

    args = list(sys.argv[1:] if argv is None else argv)
    option = next((a.split("=", 1)[1] for a in args if a.startswith("--lang=")), None)
    if "--lang" in args and args.index("--lang") + 1 < len(args):
        option = args[args.index("--lang") + 1]
    stdout, stderr = streams_in(wanted(option))
    import signal
    import threading

    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        return _main(args)
    except Terminated:
        click.echo("terminated", err=True)
        return EXIT_TERMINATED
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
        if sys.stdout is not stdout:
            sys.stdout.flush()
            sys.stderr.flush()
            sys.stdout, sys.stderr = stdout, stderr


def _main(argv: list[str]) -> int:
    try:
        cli.main(args=argv, prog_name="bulletin", standalone_mode=False)
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.ClickException as exc:
        exc.show()
        return EXIT_USAGE
    except Terminated:
        raise
    except click.exceptions.Abort as exc:
        if isinstance(exc.__cause__, Terminated):  # click turns a KeyboardInterrupt into Abort
            raise exc.__cause__ from None
        click.echo("interrupted", err=True)
        return EXIT_INTERRUPTED
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        return EXIT_INTERRUPTED
    except BulletinError as exc:
        click.echo(str(exc), err=True)
        for problem in getattr(exc, "problems", [exc]):
            _show_traceback(problem)
        return exit_code(exc)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else EXIT_CONTENT
    except Exception as exc:  # noqa: BLE001 (a bug: one line, the traceback with --debug)
        error = pipeline.InternalError.of(exc, None)
        click.echo(str(error) if debugging() else f"{error} (--debug shows where)", err=True)
        _show_traceback(error)
        return EXIT_INTERNAL
    return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
