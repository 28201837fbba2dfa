"""Stage: model -> HTML through the Jinja templates of the house (templates/)."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import jinja2

from .. import typography
from ..config import Config
from ..errors import ConfigError
from ..folders import TOOL_TEMPLATES, templates_dir  # noqa: F401 (imported from here by older callers)
from ..fonts import fonts_dir, load_fonts
from ..house import COLOPHON, FURNITURE, GEOMETRY, LABELS, RED, rows
from ..model import Issue

def environment(root: Path) -> jinja2.Environment:
    """A Jinja environment over the templates: autoescaped, undefined names are errors."""
    return _environment(templates_dir(root))


@lru_cache(maxsize=8)
def _environment(folder: Path) -> jinja2.Environment:
    """One environment per templates folder, so that templates compile once (Jinja reloads edited files)."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(folder),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        bytecode_cache=_bytecode_cache(),
    )


def _bytecode_cache() -> jinja2.BytecodeCache | None:
    """Compiled templates kept between processes (Jinja checks each against its source), when the cache folder can be made."""
    from ..cache import cache_dir

    folder = cache_dir() / "templates"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return jinja2.FileSystemBytecodeCache(str(folder))


def render_html(issue: Issue, config: Config) -> str:
    """The issue as one HTML document (CSS inline, fonts and images by file URL)."""
    env = environment(config.root)
    folder = fonts_dir(config.root)
    colophon_rows = rows(FURNITURE.colophon, issue, COLOPHON.room)
    try:
        template = env.get_template("issue.html.j2")
        return template.render(
            issue=issue,
            footnotes={note.number: note for note in issue.footnotes},
            issue_line=typography.issue_line(issue.meta.issue, issue.meta.total),
            recipients_line=typography.recipients_line(issue.series.kind, issue.meta.recipients),
            date=typography.chinese_date(issue.meta.date),
            g=GEOMETRY,
            red=RED,
            fonts=load_fonts(folder),
            font_url=lambda path: Path(path).as_uri(),
            image_url=lambda path: Path(path).as_uri(),
            colophon_on_even_page=config.colophon_on_even_page,
            colophon=COLOPHON,
            colophon_rows=colophon_rows,
            colophon_height=COLOPHON.height(colophon_rows),
            labels=LABELS,
        )
    except jinja2.TemplateSyntaxError as exc:
        raise ConfigError(f"template syntax: {exc.message}", exc.filename or exc.name, exc.lineno) from None
    except jinja2.TemplateNotFound as exc:
        raise ConfigError(f"template {exc.name} not found", templates_dir(config.root)) from None
    except jinja2.UndefinedError as exc:
        where, line = _template_frame(exc, templates_dir(config.root))
        raise ConfigError(f"template uses an undefined name: {exc.message}", where, line) from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"a template is not UTF-8 text (byte 0x{exc.object[exc.start]:02x})", templates_dir(config.root)) from None
    except (jinja2.TemplateError, ArithmeticError, LookupError, TypeError, ValueError, AttributeError) as exc:
        # A template that computes something impossible is the house's problem, not the issue's;
        # an error raised in the tool's own code (even when a template called it) is a bug.
        if not _raised_in_template(exc):
            raise
        where, line = _template_frame(exc, templates_dir(config.root))
        raise ConfigError(f"template failed: {type(exc).__name__}: {exc}", where, line) from None


def _raised_in_template(exc: BaseException) -> bool:
    """Whether `exc` was raised by a template's own code (or by Jinja running it), not by Python it called."""
    import traceback

    frames = [frame.f_code.co_filename for frame, _ in traceback.walk_tb(exc.__traceback__)]
    inside = [index for index, name in enumerate(frames) if name.endswith(".j2")]
    if not inside:
        return False
    engine = str(Path(jinja2.__file__).parent)
    return all(name.startswith(engine) or name.startswith("<") for name in frames[inside[-1] + 1 :])


def _template_frame(exc: BaseException, folder: Path) -> tuple[Path, int | None]:
    """The template file and line where `exc` was raised (Jinja puts template frames in tracebacks)."""
    found: tuple[Path, int | None] = (folder, None)
    trace = exc.__traceback__
    while trace is not None:
        filename = trace.tb_frame.f_code.co_filename
        if filename.endswith(".j2"):
            found = (Path(filename), trace.tb_lineno)
        trace = trace.tb_next
    return found
