"""Stage: HTML -> PDF bytes with WeasyPrint, fonts isolated, every problem an error."""
from __future__ import annotations

import logging
import sys
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, Iterator

from bulletin.config import Config
from bulletin.errors import ConfigError, ContentError
from bulletin.support.folders import templates_dir
from bulletin.support.fonts import fonts_dir, isolate_fontconfig
from bulletin.job import RenderJob
from bulletin.model import Issue
from bulletin.render.html import render_html
from bulletin.render.pdfa import image_cache, write_options

if TYPE_CHECKING:
    from weasyprint.urls import URLFetcher


def import_weasyprint() -> ModuleType:
    """WeasyPrint, imported without ctypes searching for its libraries by running a compiler.

    WeasyPrint tries several names for each C library; for the first ones cffi asks
    `ctypes.util.find_library`, which on Linux runs ldconfig and gcc (a tenth of a second
    or more). The sonames it tries next ('libpango-1.0.so.0', …) load directly, so on
    Linux the search is skipped; should that fail, the import is tried again as usual.
    """
    if "weasyprint" in sys.modules:
        return sys.modules["weasyprint"]
    import ctypes.util

    search = ctypes.util.find_library
    if sys.platform.startswith("linux"):
        ctypes.util.find_library = lambda name: None
    try:
        import weasyprint
    except OSError:
        for name in [n for n in sys.modules if n == "weasyprint" or n.startswith("weasyprint.")]:
            del sys.modules[name]
        ctypes.util.find_library = search
        import weasyprint
    finally:
        ctypes.util.find_library = search
    module: ModuleType = weasyprint
    return module


@lru_cache(maxsize=4)
def font_configuration(folder: Path) -> Any:
    """One WeasyPrint font configuration per fonts folder and process, reused by every render.

    Loading the house's @font-face rules registers seven fonts with fontconfig; a
    configuration that has them already skips that on every later issue.
    """
    isolate_fontconfig(folder)
    import_weasyprint()
    from weasyprint.text.fonts import FontConfiguration

    class HouseFonts(FontConfiguration):
        """Registers the house's @font-face files where they are, instead of copying each one first.

        WeasyPrint copies every @font-face file into a temporary folder before fontconfig
        reads it: about 80 MB written on every render, most of a second on a busy disk.
        A face of the house (a plain family and weight whose file is in the fonts folder)
        gets a link to its pinned file instead, under the name and with the fontconfig
        rules WeasyPrint would give the copy; any other rule is WeasyPrint's to load.
        """

        def add_font_face(self, rule_descriptors: Any, url_fetcher: Any) -> Any:
            source = _house_font(rule_descriptors, folder)
            if source is None:
                return super().add_font_face(rule_descriptors, url_fetcher)
            return _link_font_face(self, rule_descriptors, source)

    fonts = HouseFonts()
    # it lives as long as the process: its folder of links goes at exit, not in a late __del__
    import atexit
    from tempfile import mkdtemp

    fonts._folder = Path(mkdtemp(prefix="weasyprint-"))
    atexit.register(_remove_folder, fonts)
    return fonts


def _remove_folder(fonts: Any) -> None:
    import shutil

    folder, fonts._folder = fonts._folder, None
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)


def _house_font(rule_descriptors: Any, folder: Path) -> Path | None:
    """The file of a plain house @font-face rule (family, weight, one file of `folder`), else None."""
    from urllib.parse import unquote, urlparse

    if set(rule_descriptors) - {"src", "font_family", "font_weight"} or len(rule_descriptors.get("src", ())) != 1:
        return None
    kind, url = rule_descriptors["src"][0]
    parsed = urlparse(url or "")
    if kind != "external" or parsed.scheme != "file" or parsed.netloc not in ("", "localhost"):
        return None
    path = Path(unquote(parsed.path)).resolve()
    return path if path.parent == folder.resolve() and path.is_file() else None


def _link_font_face(config: Any, rule_descriptors: Any, source: Path) -> Any:
    """What WeasyPrint's `add_font_face` does for `rule_descriptors`, with a link to `source` for the copy."""
    from hashlib import md5
    from tempfile import mkdtemp
    from xml.etree.ElementTree import Element, SubElement, tostring

    from weasyprint.text.constants import FONTCONFIG_WEIGHT
    from weasyprint.text.ffi import ffi, fontconfig, pangoft2
    from weasyprint.text.fonts import PREFERRED_ENCODING, font_features

    digest = md5(str(rule_descriptors).encode(), usedforsecurity=False).hexdigest()
    if config._folder is None:
        config._folder = Path(mkdtemp(prefix="weasyprint-"))
    font_path = config._folder / digest
    if font_path.exists() or font_path.is_symlink():
        return None
    font_path.symlink_to(source)
    root = Element("fontconfig")
    match = SubElement(root, "match", target="scan")
    test = SubElement(match, "test", name="file", compare="eq")
    SubElement(test, "string").text = font_path.as_posix()
    edit = SubElement(match, "edit", name="family", mode="prepend")
    SubElement(edit, "string").text = rule_descriptors["font_family"]
    if "font_weight" in rule_descriptors:
        edit = SubElement(match, "edit", name="weight", mode="assign_replace")
        SubElement(edit, "int").text = str(FONTCONFIG_WEIGHT[rule_descriptors["font_weight"]])
    match = SubElement(root, "match", target="font")
    test = SubElement(match, "test", name="file", compare="eq")
    SubElement(test, "string").text = font_path.as_posix()
    features = font_features(font_feature_settings="normal")
    if features:
        edit = SubElement(match, "edit", name="fontfeatures", mode="assign_replace")
        for key, value in features.items():
            SubElement(edit, "string").text = f"{key} {value}"
    header = (b'<?xml version="1.0"?>', b'<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">')
    xml = b"\n".join((*header, tostring(root, encoding="utf-8")))
    fontconfig.FcConfigParseAndLoadFromMemory(config._config, xml, True)
    if fontconfig.FcConfigAppFontAddFile(config._config, font_path.as_posix().encode(PREFERRED_ENCODING)):
        return pangoft2.pango_fc_font_map_config_changed(ffi.cast("PangoFcFontMap *", config.font_map))
    raise ConfigError(f"fontconfig cannot read the house font {source.name}", source)


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


def make_fetcher(roots: tuple[Path, ...], job: RenderJob | None = None) -> URLFetcher:
    """A URL fetcher that serves files inside `roots` and refuses everything else.

    The images of `job` are served from the bytes the job read, not from the disk.
    """
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
            kind = _MEDIA_TYPES.get(target.suffix.lower(), "application/octet-stream")
            data = job.image(target) if job is not None else None
            if data is None:
                if not target.is_file():
                    raise ValueError(f"refused {target}: not a file")
                data = target.read_bytes()
            return URLFetcherResponse(target.as_uri(), data, {"Content-Type": kind})

    return ProjectFetcher(fail_on_errors=True)


#: WeasyPrint's words for problems in the templates' HTML and CSS rather than in the issue
_TEMPLATE_PROBLEMS = ("Ignored", "Invalid", "Unsupported", "Parse error", "Unknown", "Expected")


def _fetch_error(exc: BaseException, job: RenderJob) -> ContentError | ConfigError:
    """A refused or failed read as a domain error: of an image of the issue, else of the templates."""
    cause = exc.__cause__
    reason = str(cause).splitlines()[0] if cause else str(exc).splitlines()[0]
    if any(image.as_uri() in str(exc) for image, _ in job.images):
        return ContentError(f"PDF: {reason}", job.path)
    return ConfigError(f"PDF: {reason}", templates_dir(job.config.root))


def render_pdf(job: RenderJob) -> bytes:
    """The issue of `job` as PDF bytes (its glyph coverage was checked before, with the issue)."""
    issue, config = job.issue, job.config
    font_config = font_configuration(fonts_dir(config.root))
    from weasyprint import HTML
    from weasyprint.urls import FatalURLFetchingError

    from bulletin.render.justify import Justification

    html = render_html(issue, config)
    with _collected() as log, Justification() as justification:
        try:
            document = justification.render(
                HTML(
                    string=html,
                    base_url=issue.source.parent.resolve().as_uri() + "/",
                    url_fetcher=make_fetcher(allowed_roots(issue, config), job),
                ),
                font_config=font_config,
                cache=image_cache(config),
            )
            pdf = document.write_pdf(**write_options(job))
            job.notes.extend(justification.notes)
        except FatalURLFetchingError as exc:
            raise _fetch_error(exc, job) from None
    if config.allow_missing_glyphs:
        log.messages = [m for m in log.messages if not m.startswith(".notdef glyph rendered")]
    if log.messages:
        message = log.messages[0].splitlines()[0]
        if message.startswith(_TEMPLATE_PROBLEMS):
            stylesheet = templates_dir(config.root) / "bulletin.css.j2"
            raise ConfigError(f"PDF: {message} (in the stylesheet)", stylesheet)
        raise ContentError(f"PDF: {message}", issue.source)
    assert isinstance(pdf, bytes)
    return pdf


def house_pdf(config: Config, template: str, values: dict[str, object], identifier: bytes | None = None) -> bytes:
    """A page of the tool's own (the volume's contents, a register) from `template`, in the house fonts.

    The template is looked up in the project's templates/, then the tool's; it gets
    `values` and the house's fonts, geometry and red. Same inputs, same bytes.
    """
    import jinja2

    from bulletin.support.folders import TOOL_TEMPLATES
    from bulletin.support.fonts import load_fonts
    from bulletin.house import RED
    from bulletin.render.justify import Justification

    folder = fonts_dir(config.root)
    font_config = font_configuration(folder)
    from weasyprint import HTML

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([templates_dir(config.root), TOOL_TEMPLATES]),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    try:
        html = env.get_template(template).render(
            **values, fonts=load_fonts(folder), font_url=lambda path: Path(path).as_uri(), g=config.house.geometry, red=RED
        )
    except jinja2.TemplateError as exc:
        raise ConfigError(f"template {template}: {exc}", templates_dir(config.root)) from None
    roots = (config.root.resolve(), folder.resolve(), templates_dir(config.root).resolve(), TOOL_TEMPLATES.resolve())
    document = HTML(string=html, base_url=config.root.resolve().as_uri() + "/", url_fetcher=make_fetcher(roots))
    with Justification():
        pdf = document.write_pdf(font_config=font_config, **({"pdf_identifier": identifier} if identifier else {}))
    assert isinstance(pdf, bytes)
    return pdf
