"""Stage: source -> model. Validates the front matter and turns the Markdown body into blocks.

The body is parsed once by Python-Markdown; a tree processor hands us its element tree,
which becomes `model` blocks that both renderers read (the HTML is never parsed back).
"""
from __future__ import annotations

import datetime as dt
import difflib
import html
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import markdown
import yaml
from markdown.extensions import Extension
from markdown.extensions.footnotes import NBSP_PLACEHOLDER
from markdown.inlinepatterns import SubstituteTagInlineProcessor
from markdown.treeprocessors import Treeprocessor

from bulletin import model as m
from bulletin.config import Config
from bulletin.errors import BulletinError, ContentError, raise_all
from bulletin.checks.footnotes import footnote_problems
from bulletin.checks.images import image_problem
from bulletin.source import NOT_PRINTABLE, Source
from bulletin.typography import HeadingCounter, join_soft_breaks

#: Markdown's stand-in for "&" before an entity, as its e-mail autolinks write every letter
_AMP_ENTITY = re.compile(re.escape(markdown.util.AMP_SUBSTITUTE) + r"(#\d+|#[xX][0-9a-fA-F]+|[A-Za-z]+);")

# ---------------------------------------------------------------- front matter

#: key -> (required, type name, description); the order is the order errors are listed in
FIELDS: dict[str, tuple[bool, str, str]] = {
    "issue": (True, "int", "the number within the year (第N期), 1 or more"),
    "total": (True, "int", "the number since the first issue (总第M期), at least `issue`"),
    "date": (True, "date", "the date of issue, YYYY-MM-DD"),
    "title": (True, "str", "the title, not empty"),
    "recipients": (True, "list", "the readers named in the control line (本期专报：…), may be empty"),
    "editor": (True, "str", "the responsible editor (责任编辑)"),
    "print_run": (True, "int", "copies printed (共印：N份), 1 or more"),
    "classification": (False, "str", "密级, one of [marks] classifications in bulletin.toml, e.g. 内部资料"),
    "secrecy_period": (False, "str", "保密期限 of the classification: 1年, 6个月 or 长期"),
    "urgency": (False, "str", "紧急程度, one of [marks] urgencies in bulletin.toml, e.g. 特急"),
    "cc": (False, "str", "copied to (抄送), printed in the colophon"),
    "editor_note": (False, "str", "编者按, Markdown"),
    "status": (False, "str", "'draft' until the issue is published: both editions carry 征求意见稿"),
}

#: the years an issue may be dated in (a DOCX, being a ZIP file, cannot record dates after 2107)
FIRST_YEAR, LAST_YEAR = 1900, 2100

#: the largest value each number may take: sized to a real archive, so that numbering work stays small
LIMITS: dict[str, int] = {"issue": 999, "total": 99_999, "print_run": 10_000_000}

#: the longest text a front matter value may hold (a DOCX title property holds at most 255 characters)
MAX_TEXT = 255

#: a whole number the way YAML 1.2 and every reader understand it: no leading zero, no '_', ':', 0x, 0o, 0b
_PLAIN_INT = re.compile(r"[-+]?(?:0|[1-9][0-9]*)")

#: lone surrogates (from YAML escapes such as "\ud800") cannot be written as UTF-8
_SURROGATE = re.compile("[\ud800-\udfff]")

_TYPE_WORDS = {"int": "a whole number", "str": "text", "date": "a date YYYY-MM-DD", "list": "a list of names"}


class _Loader(yaml.SafeLoader):
    """SafeLoader that keeps dates as text, so that we can report impossible ones ourselves.

    Aliases (*name) are refused: front matter never needs them, and nested aliases can
    expand a few lines into billions of values.
    """

    def compose_node(self, parent: Any, index: Any) -> Any:
        """A node of the document; an alias is a syntax error here."""
        if self.check_event(yaml.AliasEvent):
            mark = self.peek_event().start_mark
            raise yaml.composer.ComposerError(None, None, "aliases (*name) are not allowed in front matter", mark)
        return super().compose_node(parent, index)


_Loader.yaml_implicit_resolvers = {
    key: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _describe(value: Any) -> str:
    text = repr(value) if not isinstance(value, str) else f"'{value}'"
    return text if len(text) <= 40 else text[:37] + "…"


def yaml11_number(node: Any) -> str | None:
    """What a plain scalar typed in a YAML 1.1 number form would mean, or None for an ordinary value.

    YAML 1.1 (PyYAML's dialect) reads 030 as octal 24, 1:30 as sexagesimal 90, 0x1F as 31,
    0b11 as 3 and 1_000 as 1000; YAML 1.2 and every other reader do not. Such forms are refused.
    """
    if not isinstance(node, yaml.ScalarNode) or node.style is not None:
        return None
    text = node.value.strip()
    if node.tag == "tag:yaml.org,2002:int" and not _PLAIN_INT.fullmatch(text):
        try:
            meaning = yaml.safe_load(text)
        except (yaml.YAMLError, ValueError):
            return None
        digits = text.lstrip("+-")
        if ":" in digits:
            form = "a base-60 (sexagesimal) number"
        elif digits[:2].lower() == "0x":
            form = "a hexadecimal number"
        elif digits[:2].lower() == "0b":
            form = "a binary number"
        elif "_" in digits:
            form = "a number with '_' separators"
        else:
            form = "an octal number"
        return f"{text} is {form} in YAML 1.1 and would mean {meaning}"
    if node.tag == "tag:yaml.org,2002:float" and re.search(r"[_:]", text):
        try:
            meaning = yaml.safe_load(text)
        except (yaml.YAMLError, ValueError):
            return None
        return f"{text} is a YAML 1.1 number form and would mean {meaning}"
    return None


def _check_value(key: str, value: Any) -> str | None:
    """The problem with `value` for front matter `key`, or None."""
    kind = FIELDS[key][1]
    for text in [value] if isinstance(value, str) else value if isinstance(value, list) else []:
        bad = NOT_PRINTABLE.search(text) if isinstance(text, str) else None
        if bad:
            return f"'{key}' holds control character U+{ord(bad.group()):04X}, which cannot be printed"
        bad = _SURROGATE.search(text) if isinstance(text, str) else None
        if bad:
            return f"'{key}' holds a lone surrogate U+{ord(bad.group()):04X} (from an escape), which is not a character"
        if isinstance(text, str) and len(text) > MAX_TEXT:
            return f"'{key}' is {len(text)} characters long; at most {MAX_TEXT} are allowed"
    if kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            return f"'{key}' must be {_TYPE_WORDS[kind]}, not {_describe(value)}"
        if value < 1:
            return f"'{key}' must be 1 or more, not {value}"
        if key in LIMITS and value > LIMITS[key]:
            return f"'{key}' is {value}; at most {LIMITS[key]:,} is allowed (a typo?)"
    elif kind == "str":
        if not isinstance(value, str):
            return f"'{key}' must be {_TYPE_WORDS[kind]}, not {_describe(value)}"
        if key in ("title", "editor") and not value.strip():
            return f"'{key}' must not be empty"
    elif kind == "list":
        if not isinstance(value, list):
            return f"'{key}' must be {_TYPE_WORDS[kind]}, e.g. [陈明远书记, 周立衡市长], not {_describe(value)}"
        for item in value:
            if not isinstance(item, str) or not item.strip():
                return f"'{key}' must hold names as text, not {_describe(item)}"
    elif kind == "date":
        if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{1,2}-\d{1,2}", value.strip()):
            return f"'{key}' must be {_TYPE_WORDS[kind]}, not {_describe(value)}"
        try:
            year, month, day = (int(part) for part in value.strip().split("-"))
            dt.date(year, month, day)
        except ValueError:
            return f"'{key}': {value} is not a date that exists"
        if not FIRST_YEAR <= year <= LAST_YEAR:
            return f"'{key}': {value} is not between {FIRST_YEAR} and {LAST_YEAR}; a typo?"
    return None


#: 保密期限: N年, N个月 or 长期
_SECRECY_PERIOD = re.compile(r"[1-9][0-9]{0,2}(?:年|个月)|长期")


def _check_mark(key: str, value: str, config: Config | None) -> str | None:
    """The problem with a classification, secrecy period or urgency that is text, or None."""
    from bulletin.config import DEFAULT_CLASSIFICATIONS, DEFAULT_URGENCIES

    text = value.strip()
    if key == "secrecy_period":
        if not _SECRECY_PERIOD.fullmatch(text):
            return f"'secrecy_period': '{text}' is not a period; write e.g. 1年, 6个月 or 长期"
        return None
    if key == "classification":
        known = config.classifications if config else DEFAULT_CLASSIFICATIONS
    elif key == "urgency":
        known = config.urgencies if config else DEFAULT_URGENCIES
    else:
        return None
    if text in known:
        return None
    close = difflib.get_close_matches(text, known, n=1, cutoff=0.5)
    if close:
        return f"'{key}': '{text}' is not one the house declares (did you mean '{close[0]}'?)"
    return f"'{key}': '{text}' is not one the house declares; known: {', '.join(known)} ([marks] in bulletin.toml)"


def _yaml_error(exc: yaml.YAMLError, source: Source) -> ContentError:
    """A YAML problem as one line at its place in the file."""
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        line = source.front_line + mark.line if mark else source.front_line
        column = mark.column + 1 if mark else None
        return ContentError(f"YAML syntax: {exc.problem or exc.context}", source.path, line, column)
    if isinstance(exc, yaml.reader.ReaderError):
        where = source.front[: exc.position]
        line = source.front_line + where.count("\n")
        column = len(where) - (where.rfind("\n") + 1) + 1
        return ContentError(f"character U+{exc.character:04X} is not allowed in front matter", source.path, line, column)
    return ContentError(f"YAML: {str(exc).splitlines()[0]}", source.path, source.front_line)


def _title_lines(title: str) -> tuple[str, ...]:
    """The title's lines where it sets its own breaks with '|' (`关于进一步推动|实体经济发展的建议`)."""
    parts = tuple(part.strip() for part in " ".join(title.split()).split("|"))
    return tuple(part for part in parts if part) if len(parts) > 1 else ()


def parse_meta(source: Source, config: Config | None = None) -> tuple[m.Meta, str]:
    """The validated front matter and the raw editor's note; raises every problem at once.

    Classification and urgency are checked against the house's `[marks]` lists (the
    defaults without `config`).
    """
    from bulletin.checks.losses import front_matter_slips

    path = source.path
    raise_all(front_matter_slips(source))
    try:
        node = yaml.compose(source.front, Loader=_Loader)
    except yaml.YAMLError as exc:
        raise _yaml_error(exc, source) from None
    except RecursionError:
        raise ContentError("YAML nested too deeply", path, source.front_line) from None
    if node is None:
        raise ContentError("front matter is empty", path, source.front_line)
    if not isinstance(node, yaml.MappingNode):
        raise ContentError(
            "front matter must be 'key: value' lines", path, source.front_line + node.start_mark.line
        )

    loader = _Loader("")
    problems: list[BulletinError] = []
    values: dict[str, Any] = {}
    lines: dict[str, int] = {}
    suggested: set[str] = set()
    for key_node, value_node in node.value:
        line = source.front_line + key_node.start_mark.line
        if not isinstance(key_node, yaml.ScalarNode):
            problems.append(ContentError("a key must be a plain name, like 'title'", path, line))
            continue
        key = key_node.value
        if key in lines:
            problems.append(ContentError(f"duplicate key '{key}' (first on line {lines[key]})", path, line))
            continue
        lines[key] = line
        if key not in FIELDS:
            close = difflib.get_close_matches(key, list(FIELDS), n=1, cutoff=0.6)
            hint = f"did you mean '{close[0]}'?" if close else f"known keys: {', '.join(FIELDS)}"
            problems.append(ContentError(f"unknown key '{key}' ({hint})", path, line))
            suggested.update(close)
            continue
        form = yaml11_number(value_node)
        if form:
            problems.append(
                ContentError(
                    f"'{key}': {form}; write the number without a leading zero or separators, "
                    "or quote it if it is text",
                    path,
                    source.front_line + value_node.start_mark.line,
                    value_node.start_mark.column + 1,
                )
            )
            continue
        try:
            value = loader.construct_object(value_node, deep=True)
        except yaml.MarkedYAMLError as exc:
            problems.append(ContentError(f"'{key}': {exc.problem or exc.context}", path, line))
            continue
        except (ValueError, RecursionError):
            problems.append(ContentError(f"'{key}': value too large or too deeply nested", path, line))
            continue
        problem = _check_value(key, value)
        if not problem and key in ("classification", "secrecy_period", "urgency"):
            problem = _check_mark(key, value, config)
        if not problem and key == "status" and value != "draft":
            problem = f"'status': '{value}' is not known; write 'status: draft', or remove the key to publish"
        if problem:
            problems.append(ContentError(problem, path, source.front_line + value_node.start_mark.line))
        else:
            values[key] = value
    for key, (required, _, description) in FIELDS.items():
        # a misspelt key already said "did you mean"; saying "missing" too would be noise
        if required and key not in lines and key not in suggested:
            problems.append(ContentError(f"missing key '{key}': {description}", path, source.front_line))
    if "issue" in values and "total" in values and values["total"] < values["issue"]:
        problems.append(
            ContentError(
                f"'total' ({values['total']}) cannot be less than 'issue' ({values['issue']})",
                path,
                lines["total"],
            )
        )
    if "secrecy_period" in values and "classification" not in lines:
        problems.append(
            ContentError(
                "'secrecy_period' needs a 'classification' (保密期限 belongs to a 密级)", path, lines["secrecy_period"]
            )
        )
    raise_all(problems)
    year, month, day = (int(part) for part in values["date"].strip().split("-"))
    meta = m.Meta(
        issue=values["issue"],
        total=values["total"],
        date=dt.date(year, month, day),
        title="".join(" ".join(values["title"].split()).split("|")).strip(),
        title_lines=_title_lines(values["title"]),
        recipients=tuple(name.strip() for name in values["recipients"]),
        editor=values["editor"].strip(),
        print_run=values["print_run"],
        classification=values.get("classification", "").strip(),
        secrecy_period=values.get("secrecy_period", "").strip(),
        urgency=values.get("urgency", "").strip(),
        cc=values.get("cc", "").strip(),
        draft=values.get("status") == "draft",
    )
    return meta, values.get("editor_note", "")


# ---------------------------------------------------------------- Markdown body

#: how deep lists and quotes may nest; deeper input is refused before Markdown sees it
MAX_NESTING = 12

#: how deep the model of a body may be (blocks and inlines); both renderers recurse over it
MAX_DEPTH = 60


class _Capture(Treeprocessor):
    """Keeps the finished element tree (after inline processing and unescaping)."""

    def run(self, root: ET.Element) -> None:
        setattr(self.md, "bulletin_tree", root)  # read back by parse_markdown


class _BulletinMarkdown(Extension):
    """Raw HTML is shown as text, never passed through; the tree is captured for the model."""

    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802 (Markdown's API)
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")
        # A backslash at the end of a line is a hard break, as in CommonMark.
        md.inlinePatterns.register(SubstituteTagInlineProcessor(r"\\\n", "br"), "backslash-break", 185)
        md.treeprocessors.register(_Capture(md), "bulletin-capture", -100)


def new_markdown() -> markdown.Markdown:
    """A Markdown converter with the features the bulletin supports."""
    return markdown.Markdown(
        extensions=["tables", "footnotes", "sane_lists", "fenced_code", _BulletinMarkdown()],
        extension_configs={"footnotes": {"BACKLINK_TEXT": "", "SUPERSCRIPT_TEXT": "{}"}},
    )


class _TreeReader:
    """Turns Python-Markdown's element tree into model blocks."""

    def __init__(
        self, md: markdown.Markdown, source: Source, body_text: str, body_line: int, roots: tuple[Path, ...] = ()
    ) -> None:
        self.md = md
        self.source = source
        self.roots = roots or (source.path.parent.resolve(),)
        self.text = body_text
        self.body_line = body_line
        self.headings = HeadingCounter()
        self.footnote_numbers: dict[str, int] = {}
        self.problems: list[BulletinError] = []

    # -- text

    def _unstash(self, text: str) -> str:
        """Put back what Python-Markdown stashed (entities, escaped HTML) as plain text."""

        def restore(match: re.Match[str]) -> str:
            index = int(match.group(1))
            stash = self.md.htmlStash.rawHtmlBlocks
            raw = str(stash[index]) if index < len(stash) else ""
            return html.unescape(raw)

        text = re.sub("\x02wzxhzdk:(\\d+)\x03", restore, text)
        # an e-mail autolink (<a@b.cn>) arrives with each letter as an entity behind Markdown's
        # stand-in for '&': the letters as typed, never the stand-in's control characters
        text = _AMP_ENTITY.sub(lambda match: html.unescape(f"&{match.group(1)};"), text)
        return text.replace(NBSP_PLACEHOLDER, "")

    def _text(self, text: str | None) -> list[m.Inline]:
        if not text:
            return []
        return [m.Text(self._unstash(text))]

    def inlines(self, element: ET.Element) -> tuple[m.Inline, ...]:
        """The inline content of `element`, with soft breaks joined the Chinese way."""
        parts: list[m.Inline] = self._text(element.text)
        for child in element:
            parts.extend(self._inline(child))
            parts.extend(self._text(child.tail))
        return _merge_text(parts)

    def _inline(self, element: ET.Element) -> list[m.Inline]:
        tag = element.tag
        if tag == "em":
            return [m.Emphasis(self.inlines(element))]
        if tag == "strong":
            return [m.Strong(self.inlines(element))]
        if tag == "code":
            return [m.Code(self._unstash(element.text or ""))]
        if tag == "br":
            return [m.LineBreak()]
        if tag == "sup" and element.get("id", "").startswith("fnref"):
            link = element.find("a")
            target = (link.get("href", "") if link is not None else "").removeprefix("#fn:")
            number = self.footnote_numbers.setdefault(target, len(self.footnote_numbers) + 1)
            return [m.FootnoteRef(number)]
        if tag == "a":
            return [m.Link(self.inlines(element), self._unstash(element.get("href", "")))]
        if tag == "img":
            self.problems.append(
                ContentError("an image must stand alone in its own paragraph", self.source.path, self._line_of(element.get("src", "")))
            )
            return []
        return list(self.inlines(element))

    # -- blocks

    def blocks(self, element: ET.Element) -> list[m.Block]:
        """The blocks inside `element`."""
        out: list[m.Block] = []
        for child in element:
            block = self._block(child)
            if block is not None:
                out.append(block)
        return out

    def _block(self, element: ET.Element) -> m.Block | None:
        tag = element.tag
        if tag == "p":
            children = list(element)
            if len(children) == 1 and children[0].tag == "img" and not (element.text or "").strip() and not (children[0].tail or "").strip():
                return self._image(children[0])
            return m.Paragraph(self.inlines(element))
        if tag in ("h2", "h3", "h4", "h5"):
            level = int(tag[1]) - 1
            inlines = self.inlines(element)
            plain = m.plain_text(inlines)
            return m.Heading(level, self.headings.next(level, plain), inlines)
        if tag in ("h1", "h6"):
            text = self._unstash("".join(element.itertext()))
            hint = "the title comes from the front matter; use ## for level 1" if tag == "h1" else "use ## to ##### (levels 1–4)"
            self.problems.append(ContentError(f"heading '{text[:20]}' has no level here: {hint}", self.source.path, self._line_of(text)))
            return None
        if tag in ("ul", "ol"):
            items = tuple(self._list_item(li) for li in element if li.tag == "li")
            start = int(element.get("start", "1")) if element.get("start", "1").isdigit() else 1
            return m.ListBlock(tag == "ol", items, start)
        if tag == "blockquote":
            return m.Quote(tuple(self.blocks(element)))
        if tag == "table":
            return self._table(element)
        if tag == "pre":
            code = element.find("code")
            return m.CodeBlock(self._unstash("".join((code if code is not None else element).itertext())).rstrip("\n"))
        if tag == "hr":
            return m.Rule()
        if tag == "div" and element.get("class") == "footnote":
            return None  # read separately by footnotes()
        if tag == "div":
            return m.Quote(tuple(self.blocks(element)))
        return m.Paragraph(self.inlines(element))

    def _list_item(self, li: ET.Element) -> m.ListItem:
        if any(child.tag in ("p", "ul", "ol", "blockquote", "table", "pre") for child in li):
            loose: list[m.Block] = []
            lead = self._text(li.text.strip() if li.text and li.text.strip() else None)
            if lead:
                loose.append(m.Paragraph(_merge_text(lead)))
            loose.extend(self.blocks(li))
            return m.ListItem(tuple(loose))
        return m.ListItem((m.Paragraph(self.inlines(li)),))

    def _table(self, element: ET.Element) -> m.Table:
        def cells(row: ET.Element) -> tuple[m.TableCell, ...]:
            return tuple(
                m.TableCell(self.inlines(cell), _align(cell.get("style", "") or cell.get("align", "")))
                for cell in row
                if cell.tag in ("td", "th")
            )

        head = element.find("thead")
        body = element.find("tbody")
        first = head.find("tr") if head is not None else None
        header = cells(first) if first is not None else ()
        rows = tuple(cells(tr) for tr in (body if body is not None else []) if tr.tag == "tr")
        return m.Table(header, rows)

    def _image(self, img: ET.Element) -> m.Image | None:
        src = img.get("src", "")
        alt = self._unstash(img.get("alt", ""))
        line = self._line_of(src)
        base = self.source.path.parent
        if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", src) or src.startswith("//"):
            self.problems.append(ContentError(f"image '{src}': only files beside the issue can be used, not addresses", self.source.path, line))
            return None
        if src.startswith("/"):
            self.problems.append(ContentError(f"image '{src}': give the path relative to the issue file", self.source.path, line))
            return None
        path = (base / src).resolve()
        if not any(path.is_relative_to(root) for root in self.roots):
            self.problems.append(ContentError(f"image '{src}' lies outside the project", self.source.path, line))
            return None
        if not path.is_file():
            self.problems.append(ContentError(f"image '{src}' not found", self.source.path, line))
            return None
        problem = image_problem(path)
        if problem:
            self.problems.append(ContentError(f"image '{src}' {problem}", self.source.path, line))
            return None
        return m.Image(path, alt)

    def footnotes(self, root: ET.Element) -> tuple[m.Footnote, ...]:
        """The footnotes, numbered in the order they are first referenced."""
        div = next((el for el in root if el.tag == "div" and el.get("class") == "footnote"), None)
        if div is None:
            return ()
        found: list[m.Footnote] = []
        ol = div.find("ol")
        for li in ol if ol is not None else []:
            name = li.get("id", "").removeprefix("fn:")
            for backref in li.iter("a"):
                if backref.get("class") == "footnote-backref":
                    backref.clear()
            number = self.footnote_numbers.setdefault(name, len(self.footnote_numbers) + 1)
            found.append(m.Footnote(number, tuple(_strip_blocks(self.blocks(li)))))
        return tuple(sorted(found, key=lambda note: note.number))

    def _line_of(self, needle: str) -> int:
        """The file line where `needle` first appears in the body (its first line if not found)."""
        index = self.text.find(needle) if needle else -1
        return self.body_line + (self.text.count("\n", 0, index) if index >= 0 else 0)


def _align(style: str) -> str:
    match = re.search(r"(left|center|right)", style)
    return match.group(1) if match else ""


def _merge_text(parts: list[m.Inline]) -> tuple[m.Inline, ...]:
    """Adjacent text runs merged; soft line breaks joined; outer white space trimmed."""
    merged: list[m.Inline] = []
    for part in parts:
        if isinstance(part, m.Text) and merged and isinstance(merged[-1], m.Text):
            merged[-1] = m.Text(merged[-1].text + part.text)
        else:
            merged.append(part)
    out: list[m.Inline] = []
    for part in merged:
        if isinstance(part, m.Text):
            text = join_soft_breaks(part.text).replace("\n", " ")
            if text:
                out.append(m.Text(text))
        else:
            out.append(part)
    for index, part in enumerate(out):
        if not isinstance(part, m.Text):
            continue
        text = part.text
        if index == 0 or isinstance(out[index - 1], m.LineBreak):
            text = text.lstrip()
        if index == len(out) - 1 or isinstance(out[index + 1], m.LineBreak):
            text = text.rstrip()
        out[index] = m.Text(text)
    return tuple(part for part in out if not (isinstance(part, m.Text) and not part.text))


def _strip_blocks(blocks: list[m.Block]) -> list[m.Block]:
    """Footnote paragraphs without the trailing space the backlink left."""
    return [b for b in blocks if not (isinstance(b, m.Paragraph) and not b.children)]


#: list markers and quote marks that open a nested block on the same line, e.g. "> - 1. x"
_OPENERS = re.compile(r"(?:>[ \t]?|(?:[-*+]|\d{1,9}[.)])[ \t]+)*")

#: Python-Markdown scans to the end of a paragraph for each '[': this bounds '[' x paragraph length
MAX_BRACKET_WORK = 50_000_000


def check_nesting(text: str, path: Path, first_line: int) -> None:
    """Refuse lists and quotes nested deeper than MAX_NESTING before Markdown recurses into them."""
    for offset, line in enumerate(text.split("\n")):
        stripped = line.lstrip(" \t")
        indent = len(line[: len(line) - len(stripped)].expandtabs(4))
        opened = _OPENERS.match(stripped)  # matches at every start, if only the empty string
        openers = opened.group(0) if opened else ""
        depth = len(re.findall(r">|[-*+](?=[ \t])|\d{1,9}[.)]", openers))
        if indent // 4 + depth > MAX_NESTING:
            raise ContentError(
                f"lists or quotes nested deeper than {MAX_NESTING} levels", path, first_line + offset
            )


def check_brackets(text: str, path: Path, first_line: int) -> None:
    """Refuse text whose '[' would take Markdown minutes to match (unmatched brackets by the thousand)."""
    work = 0
    worst, worst_line, line = 0, first_line, first_line
    for block in re.split(r"(\n[ \t]*\n)", text):
        cost = block.count("[") * len(block)
        work += cost
        if cost > worst:
            worst, worst_line = cost, line
        line += block.count("\n")
    if work > MAX_BRACKET_WORK:
        raise ContentError(
            "too many '[' in too long a paragraph; remove stray brackets or split the paragraph",
            path,
            worst_line,
        )


def parse_markdown(
    text: str, source: Source, first_line: int, roots: tuple[Path, ...] = ()
) -> tuple[list[m.Block], tuple[m.Footnote, ...], list[BulletinError]]:
    """Markdown `text` (starting at file line `first_line`) as blocks, footnotes and problems.

    Images must lie inside one of `roots` (default: the issue's folder).
    """
    check_nesting(text, source.path, first_line)
    check_brackets(text, source.path, first_line)
    note_problems = footnote_problems(text, source.path, first_line)
    if any("refers back to itself" in str(problem) for problem in note_problems):
        raise_all(note_problems)  # Markdown and the renderers would recurse without end
    try:
        md = new_markdown()
        md.convert(text)
        # Markdown skips its processors for blank text, so there may be no tree at all.
        root: ET.Element = getattr(md, "bulletin_tree", ET.Element("div"))
        reader = _TreeReader(md, source, text, first_line, roots)
        blocks = reader.blocks(root)
        notes = reader.footnotes(root)
    except RecursionError:
        raise ContentError("markup nested too deeply", source.path, _deepest_line(text, first_line)) from None
    if max((_depth(node) for node in [*blocks, *notes]), default=0) > MAX_DEPTH:
        raise ContentError("markup nested too deeply", source.path, _deepest_line(text, first_line))
    return blocks, notes, note_problems + reader.problems


def _depth(node: m.Node) -> int:
    """How many model values are nested in `node`, itself included (without recursion)."""
    deepest = 0
    stack: list[tuple[m.Node, int]] = [(node, 1)]
    while stack:
        item, level = stack.pop()
        deepest = max(deepest, level)
        stack.extend((child, level + 1) for child in m.children(item))
    return deepest


def _deepest_line(text: str, first_line: int) -> int:
    """The first line of the paragraph that holds the longest run of nesting marks."""
    line, best, best_line = first_line, 0, first_line
    for block in re.split(r"(\n[ \t]*\n)", text):
        runs = [len(run) for run in re.findall(r"[*_\[>`~-]+", block)]
        if runs and max(runs) > best:
            best, best_line = max(runs), line
        line += block.count("\n")
    return best_line


def parse_issue(source: Source, config: Config) -> m.Issue:
    """The issue in `source` as a model; raises every problem found."""
    meta_problems: list[BulletinError] = []
    try:
        meta, note_text = parse_meta(source, config)
    except BulletinError as exc:
        meta_problems = list(getattr(exc, "problems", [exc]))
        meta, note_text = None, ""
    roots = (config.root.resolve(), source.path.parent.resolve())
    blocks, footnotes, problems = parse_markdown(source.body, source, source.body_line, roots)
    note_blocks: list[m.Block] = []
    if note_text:
        note_line = source.front_line + next(
            (i for i, line in enumerate(source.front.split("\n")) if line.startswith("editor_note")), 0
        )
        note_blocks, _, note_problems = parse_markdown(note_text, source, note_line + 1, roots)
        problems.extend(note_problems)
    raise_all(meta_problems + problems)
    assert meta is not None
    return m.Issue(
        source=source.path,
        series=config.series_on(meta.date),
        contact=config.contact_on(meta.date),
        meta=meta,
        editor_note=tuple(note_blocks),
        body=tuple(blocks),
        footnotes=footnotes,
    )
