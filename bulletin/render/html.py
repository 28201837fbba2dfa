"""Stage: model -> HTML through the Jinja templates of the house (templates/)."""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import jinja2
from markupsafe import Markup

from .. import typography
from ..config import Config
from ..errors import ConfigError
from ..fonts import fonts_dir, load_fonts
from ..house import COLOPHON, FURNITURE, GEOMETRY, LABELS, RED, rows
from ..model import Issue, Meta

#: the templates shipped with the tool, used when a project has no templates/ of its own
TOOL_TEMPLATES = Path(__file__).resolve().parent.parent.parent / "templates"


def templates_dir(root: Path) -> Path:
    """The project's templates/ folder, or the tool's own."""
    own = root / "templates"
    return own if (own / "issue.html.j2").is_file() else TOOL_TEMPLATES


def environment(root: Path) -> jinja2.Environment:
    """A Jinja environment over the templates: autoescaped, undefined names are errors."""
    return _environment(templates_dir(root))


@lru_cache(maxsize=8)
def _environment(folder: Path) -> jinja2.Environment:
    """One environment per templates folder, so that templates compile once (Jinja reloads edited files)."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(folder),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    env.filters["title_lines"] = title_lines
    env.filters["keep_words"] = keep_words
    return env


# ---------------------------------------------------------------- title and heading breaks


def title_lines(meta: Meta) -> tuple[str, ...]:
    """The title's printed lines: balanced, broken between words (or where the author put '|')."""
    return typography.break_title(meta.title, meta.title_lines).lines


#: a tag, or a footnote's text (set apart, never joined to the heading's words)
_MARKUP = re.compile(r'<span class="footnote">.*?</span>|<[^>]*>', re.S)
_NOWRAP = '<span style="white-space: nowrap">'


def keep_words(html: str) -> Markup:
    """A heading's HTML with each word of two or more characters kept on one line.

    Each such word is a no-wrap span, so the line breaks only between words
    (WeasyPrint has no `word-break: keep-all`). Tags and footnotes pass unchanged.
    """
    out: list[str] = []
    at = 0
    for match in [*_MARKUP.finditer(str(html)), None]:
        end = match.start() if match else len(str(html))
        text = str(html)[at:end]
        if text:
            out.extend(_NOWRAP + w + "</span>" if len(w) > 1 and typography.HAN_RE.search(w) else w
                       for w in _entity_safe_words(text))
        if match:
            out.append(match.group())
            at = match.end()
    return Markup("".join(out))


def _entity_safe_words(text: str) -> list[str]:
    """Words of escaped HTML text; an entity such as &amp; stays whole, outside any word."""
    pieces: list[str] = []
    for index, part in enumerate(re.split(r"(&[#\w]+;)", text)):
        if index % 2:
            pieces.append(part)
        elif part:
            pieces.extend(typography.words(part) if typography.HAN_RE.search(part) else [part])
    return pieces


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
        # A template that computes something impossible is the house's problem, not the issue's.
        where, line = _template_frame(exc, templates_dir(config.root))
        raise ConfigError(f"template failed: {type(exc).__name__}: {exc}", where, line) from None


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
