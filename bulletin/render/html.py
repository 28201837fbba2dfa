"""Stage: model -> HTML through the Jinja templates of the house (templates/)."""
from __future__ import annotations

import math
import re
from functools import lru_cache
from pathlib import Path

import jinja2
from markupsafe import Markup

from bulletin import typography
from bulletin.config import Config
from bulletin.errors import ConfigError
from bulletin.support.folders import templates_dir
from bulletin.support.fonts import fonts_dir, load_fonts
from bulletin.house import BLACK, HOUSE, House, Role, fields_of, rows
from bulletin.model import Issue, Meta

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
        bytecode_cache=_bytecode_cache(),
    )
    env.filters["title_lines"] = title_lines
    env.filters["keep_words"] = keep_words
    return env


def _bytecode_cache() -> jinja2.BytecodeCache | None:
    """Compiled templates kept between processes (Jinja checks each against its source), when the cache folder can be made."""
    from bulletin.support.cache import cache_dir

    folder = cache_dir() / "templates"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return jinja2.FileSystemBytecodeCache(str(folder))


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


# ---------------------------------------------------------------- the stylesheet's roles


def _pt(value: float) -> str:
    """A length in pt, as short as exact (three decimals at most)."""
    return f"{value:.3f}".rstrip("0").rstrip(".") + "pt"


def grid_tracking(house: House) -> float:
    """Tracking of grid text in pt: 28 glyphs in the type width.

    Pango sets no tracking after a line's last glyph, so 28 glyphs take 27 gaps; the
    value is rounded away from zero to whole thousandths, so that Pango's 1/1024 pt
    units cannot overshoot the type area.
    """
    g = house.geometry
    need = (g.chars_per_line * g.body_size - g.type_width) / (g.chars_per_line - 1)
    return -math.ceil(need * 1000) / 1000


def grid_pitch(house: House) -> float:
    """One grid cell in pt as the PDF sets it: the body size plus its tracking."""
    return house.geometry.body_size + grid_tracking(house)


def role_css(role: Role, house: House) -> str:
    """The CSS declarations of one role.

    A paragraph role states all of face, size, leading, tracking, space, alignment,
    colour and weight; a character role only its face and weight, and whatever else it
    names (its size and leading otherwise come from the paragraph around it).
    """
    g = house.geometry
    out = [f"font-family: {house.faces[role.face].css}", f"font-weight: {700 if role.bold else 'normal'}"]
    if role.size is not None or not role.character:
        out.append(f"font-size: {_pt(role.pt(g))}")
    if role.leading is not None or not role.character:
        out.append(f"line-height: {_pt(role.line(g))}")
    if role.tracking is not None:
        out.append(f"letter-spacing: {_pt(role.tracking)}")
    elif not role.character:
        out.append(f"letter-spacing: {_pt(grid_tracking(house))}")
    if not role.character:
        out.append(f"margin-top: {_pt(role.before)}")
        out.append(f"margin-bottom: {_pt(role.after)}")
    if role.align:
        out.append(f"text-align: {role.align}")
    if role.color != BLACK or not role.character:
        out.append(f"color: #{role.color}")
    return "; ".join(out) + ";"


def render_html(issue: Issue, config: Config, copy_number: str = "") -> str:
    """The issue as one HTML document (CSS inline, fonts and images by file URL).

    `copy_number` fills the marks group's 份号 slot (empty in the archived edition).
    """
    env = environment(config.root)
    folder = fonts_dir(config.root)
    house: House = getattr(config, "house", HOUSE)
    slots = fields_of(issue, copy_number)
    furniture = house.furniture
    colophon_rows = rows(furniture.colophon, slots, house.colophon_room())
    try:
        template = env.get_template("issue.html.j2")
        return template.render(
            issue=issue,
            footnotes={note.number: note for note in issue.footnotes},
            issue_line=typography.issue_line(issue.meta.issue, issue.meta.total),
            house=house,
            g=house.geometry,
            rules=house.rules,
            roles={name: Markup(role_css(role, house)) for name, role in house.roles.items()},
            pitch=grid_pitch(house),
            fonts=load_fonts(folder),
            font_url=lambda path: Path(path).as_uri(),
            image_url=lambda path: Path(path).as_uri(),
            colophon_on_even_page=config.colophon_on_even_page,
            copy_number=slots.copy_number,
            marks_rows=rows(furniture.marks, slots, house.room("marks")),
            control_rows=rows(furniture.control, slots, house.room("control")),
            publisher_rows=rows(furniture.publisher, slots, house.room("publisher_line")),
            colophon_rows=colophon_rows,
            colophon_height=house.colophon_height(colophon_rows),
            labels=house.labels,
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
