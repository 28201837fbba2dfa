"""Stage: HTML -> PDF bytes with WeasyPrint, fonts isolated, every problem an error."""
from __future__ import annotations

import logging
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from ..config import Config
from ..errors import ConfigError, ContentError, raise_all
from ..fonts import fonts_dir, isolate_fontconfig
from ..model import Issue
from .html import render_html, templates_dir
from .pdfa import image_cache, write_options


class _Collect(logging.Handler):
    """Keeps WeasyPrint's warnings and errors: a missing image is a failed build, not a log line."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@contextmanager
def _collected() -> Iterator[_Collect]:
    logger = logging.getLogger("weasyprint")
    handler = _Collect()
    logger.addHandler(handler)
    previous = logger.propagate
    logger.propagate = False
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.propagate = previous


def allowed_roots(issue: Issue, config: Config) -> tuple[Path, ...]:
    """The folders WeasyPrint may read from: the project, its fonts and templates."""
    return tuple(
        {
            config.root.resolve(),
            fonts_dir(config.root).resolve(),
            templates_dir(config.root).resolve(),
            issue.source.parent.resolve(),
        }
    )


#: the kinds of file the house templates and issues use (not `mimetypes`, which reads /etc)
_MEDIA_TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".css": "text/css",
    ".otf": "font/otf",
    ".ttf": "font/ttf",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
}


def make_fetcher(roots: tuple[Path, ...]):  # type: ignore[no-untyped-def]
    """A URL fetcher that serves files inside `roots` and refuses everything else."""
    from urllib.parse import unquote, urlparse

    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class ProjectFetcher(URLFetcher):
        """Serves project files only: no network scheme, nothing outside the project."""

        def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
            parsed = urlparse(url)
            if parsed.scheme != "file" or parsed.netloc not in ("", "localhost"):
                raise ValueError(f"refused {url}: only files of the project are read")
            target = Path(unquote(parsed.path)).resolve()
            if not any(target.is_relative_to(root) for root in roots):
                raise ValueError(f"refused {target}: outside the project")
            if not target.is_file():
                raise ValueError(f"refused {target}: not a file")
            kind = _MEDIA_TYPES.get(target.suffix.lower(), "application/octet-stream")
            return URLFetcherResponse(target.as_uri(), target.read_bytes(), {"Content-Type": kind})

    return ProjectFetcher(fail_on_errors=True)


#: WeasyPrint's words for problems in the templates' HTML and CSS rather than in the issue
_TEMPLATE_PROBLEMS = ("Ignored", "Invalid", "Unsupported", "Parse error", "Unknown", "Expected")


def _fetch_error(exc: BaseException, issue: Issue, config: Config) -> ContentError | ConfigError:
    """A refused or failed read as a domain error: of an image of the issue, else of the templates."""
    from ..archive import issue_images

    cause = exc.__cause__
    reason = str(cause).splitlines()[0] if cause else str(exc).splitlines()[0]
    if any(image.as_uri() in str(exc) for image in issue_images(issue)):
        return ContentError(f"PDF: {reason}", issue.source)
    return ConfigError(f"PDF: {reason}", templates_dir(config.root))


def render_pdf(issue: Issue, config: Config) -> bytes:
    """The issue as PDF bytes."""
    isolate_fontconfig(fonts_dir(config.root))
    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration

    from ..coverage import config_coverage_problems, coverage_problems
    from ..source import read_source
    from .justify import Justification

    if not config.allow_missing_glyphs:
        raise_all(
            config_coverage_problems(config, refusing=True)
            + coverage_problems(read_source(issue.source), fonts_dir(config.root), refusing=True)
        )

    from weasyprint.urls import FatalURLFetchingError

    html = render_html(issue, config)
    with _collected() as log, Justification():
        try:
            document = HTML(
                string=html,
                base_url=issue.source.parent.resolve().as_uri() + "/",
                url_fetcher=make_fetcher(allowed_roots(issue, config)),
            ).render(font_config=FontConfiguration(), cache=image_cache(config))
            pdf = document.write_pdf(**write_options(issue, config))
        except FatalURLFetchingError as exc:
            raise _fetch_error(exc, issue, config) from None
    if config.allow_missing_glyphs:
        log.messages = [m for m in log.messages if not m.startswith(".notdef glyph rendered")]
    if log.messages:
        message = log.messages[0].splitlines()[0]
        if message.startswith(_TEMPLATE_PROBLEMS):
            stylesheet = templates_dir(config.root) / "bulletin.css.j2"
            raise ConfigError(f"PDF: {message} (in the stylesheet)", stylesheet)
        raise ContentError(f"PDF: {message}", issue.source)
    assert pdf is not None
    return pdf


def house_pdf(config: Config, template: str, values: dict[str, object], identifier: bytes | None = None) -> bytes:
    """A page of the tool's own (the volume's contents, a register) from `template`, in the house fonts.

    The template is looked up in the project's templates/, then the tool's; it gets
    `values` and the house's fonts, geometry and red. Same inputs, same bytes.
    """
    import jinja2

    from ..fonts import load_fonts
    from ..house import GEOMETRY, RED
    from .html import TOOL_TEMPLATES
    from .justify import Justification

    folder = fonts_dir(config.root)
    isolate_fontconfig(folder)
    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([templates_dir(config.root), TOOL_TEMPLATES]),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    try:
        html = env.get_template(template).render(
            **values, fonts=load_fonts(folder), font_url=lambda path: Path(path).as_uri(), g=GEOMETRY, red=RED
        )
    except jinja2.TemplateError as exc:
        raise ConfigError(f"template {template}: {exc}", templates_dir(config.root)) from None
    roots = (config.root.resolve(), folder.resolve(), templates_dir(config.root).resolve(), TOOL_TEMPLATES.resolve())
    document = HTML(string=html, base_url=config.root.resolve().as_uri() + "/", url_fetcher=make_fetcher(roots))
    with Justification():
        pdf = document.write_pdf(font_config=FontConfiguration(), **({"pdf_identifier": identifier} if identifier else {}))
    assert pdf is not None
    return pdf
