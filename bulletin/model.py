"""The document model, between the parse and render stages. Plain frozen values that both renderers read.

No I/O, no HTML, no DOCX here: `parse.py` builds these, `render/*` reads them.
"""
from __future__ import annotations

import dataclasses

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Union, assert_never


# ---------------------------------------------------------------- inlines


@dataclass(frozen=True)
class Text:
    """A run of plain text (never contains markup)."""

    text: str
    kind: str = field(default="text", init=False)


@dataclass(frozen=True)
class Emphasis:
    """*emphasis*: rendered in the Kai (楷体) face in Chinese text, italic in Latin."""

    children: tuple["Inline", ...]
    kind: str = field(default="emphasis", init=False)


@dataclass(frozen=True)
class Strong:
    """**strong**: rendered bold."""

    children: tuple["Inline", ...]
    kind: str = field(default="strong", init=False)


@dataclass(frozen=True)
class Code:
    """`code`: a literal span."""

    text: str
    kind: str = field(default="code", init=False)


@dataclass(frozen=True)
class LineBreak:
    """A hard line break inside a paragraph."""

    kind: str = field(default="linebreak", init=False)


@dataclass(frozen=True)
class FootnoteRef:
    """A reference to footnote `number` (1-based, in order of first reference)."""

    number: int
    kind: str = field(default="footnoteref", init=False)


@dataclass(frozen=True)
class Link:
    """A link; the bulletin is printed, so only its text is shown and the target kept."""

    children: tuple["Inline", ...]
    href: str
    kind: str = field(default="link", init=False)


Inline = Union[Text, Emphasis, Strong, Code, LineBreak, FootnoteRef, Link]


def plain_text(items: "tuple[Inline, ...] | list[Inline]") -> str:
    """The text of inline content without its marks (line breaks and footnote calls drop out)."""
    parts: list[str] = []
    for item in items:
        match item:
            case Text(text=text) | Code(text=text):
                parts.append(text)
            case Emphasis(children=children) | Strong(children=children) | Link(children=children):
                parts.append(plain_text(children))
            case LineBreak() | FootnoteRef():
                pass
            case _:
                assert_never(item)
    return "".join(parts)


# ---------------------------------------------------------------- blocks


@dataclass(frozen=True)
class Paragraph:
    """A body paragraph: first line indented two characters, justified."""

    children: tuple[Inline, ...]
    kind: str = field(default="paragraph", init=False)


@dataclass(frozen=True)
class Heading:
    """A heading of level 1–4 (Markdown ## to #####) with its house numbering.

    `number` is the label the house style puts in front (一、 （一） 1. （1）),
    or "" when the author already wrote the number into the text.
    """

    level: int
    number: str
    children: tuple[Inline, ...]
    kind: str = field(default="heading", init=False)


@dataclass(frozen=True)
class ListItem:
    """One item of a list: its blocks (usually one paragraph)."""

    children: tuple["Block", ...]
    kind: str = field(default="listitem", init=False)


@dataclass(frozen=True)
class ListBlock:
    """An ordered (1. 2. …) or unordered list, starting at `start`."""

    ordered: bool
    items: tuple[ListItem, ...]
    start: int = 1
    kind: str = field(default="list", init=False)


@dataclass(frozen=True)
class TableCell:
    """A table cell: inline content and its alignment (left, center, right or "")."""

    children: tuple[Inline, ...]
    align: str = ""
    kind: str = field(default="tablecell", init=False)


@dataclass(frozen=True)
class Table:
    """A table with one header row and body rows of equal length."""

    header: tuple[TableCell, ...]
    rows: tuple[tuple[TableCell, ...], ...]
    kind: str = field(default="table", init=False)


@dataclass(frozen=True)
class Quote:
    """A block quote (引文)."""

    children: tuple["Block", ...]
    kind: str = field(default="quote", init=False)


@dataclass(frozen=True)
class Image:
    """An image by an absolute, checked path inside the project; `alt` is its caption."""

    path: Path
    alt: str
    kind: str = field(default="image", init=False)


@dataclass(frozen=True)
class CodeBlock:
    """A fenced or indented block of literal text."""

    text: str
    kind: str = field(default="codeblock", init=False)


@dataclass(frozen=True)
class Rule:
    """A thematic break (---) inside the body."""

    kind: str = field(default="rule", init=False)


Block = Union[Paragraph, Heading, ListBlock, Table, Quote, Image, CodeBlock, Rule]


@dataclass(frozen=True)
class Footnote:
    """Footnote `number` and its content."""

    number: int
    children: tuple[Block, ...]
    kind: str = field(default="footnote", init=False)


#: every value of a body's model
Node = Union[Inline, Block, ListItem, TableCell, Footnote]


def children(node: Node) -> tuple[Node, ...]:
    """The model values directly inside `node`, in order (a table: its header's cells, then each row's)."""
    match node:
        case Emphasis(children=inner) | Strong(children=inner) | Link(children=inner):
            return inner
        case Paragraph(children=inner) | Heading(children=inner) | TableCell(children=inner):
            return inner
        case ListItem(children=inner) | Quote(children=inner) | Footnote(children=inner):
            return inner
        case ListBlock(items=items):
            return items
        case Table(header=header, rows=rows):
            return header + tuple(cell for row in rows for cell in row)
        case Text() | Code() | LineBreak() | FootnoteRef() | Image() | CodeBlock() | Rule():
            return ()
        case _:
            assert_never(node)


# ---------------------------------------------------------------- the issue


@dataclass(frozen=True)
class Series:
    """The bulletin series: masthead name, kind of issue, publisher, tagline."""

    name: str
    kind: str
    publisher: str
    tagline: str = ""


@dataclass(frozen=True)
class Contact:
    """The colophon's contact lines."""

    phone: str
    address: str
    fax: str = ""


#: the mark of a draft issue, beside the classification on the control line
DRAFT_MARK = "征求意见稿"


@dataclass(frozen=True)
class Meta:
    """The issue's front matter, validated."""

    issue: int
    total: int
    date: dt.date
    title: str
    recipients: tuple[str, ...]
    editor: str
    print_run: int
    classification: str = ""  # 密级, one of the house's [marks] classifications
    cc: str = ""  # 抄送
    #: `status: draft`: both editions carry the draft mark 征求意见稿
    draft: bool = False
    #: the title's lines where the author chose the breaks with '|' (empty: the title breaks by itself)
    title_lines: tuple[str, ...] = ()
    #: 保密期限 (1年, 6个月, 长期); only with a classification
    secrecy_period: str = ""
    #: 紧急程度, one of the house's [marks] urgencies (特急, 加急)
    urgency: str = ""

    @property
    def secrecy_mark(self) -> str:
        """密级和保密期限 as GB/T 9704 writes them: 秘密★1年 (the classification alone without a period)."""
        return f"{self.classification}★{self.secrecy_period}" if self.secrecy_period else self.classification

    @property
    def control_mark(self) -> str:
        """What the control line prints at its right: the classification and the draft mark."""
        return "　".join(part for part in (self.classification, DRAFT_MARK if self.draft else "") if part)


@dataclass(frozen=True)
class Issue:
    """One issue of the bulletin, ready to render."""

    source: Path
    series: Series
    contact: Contact
    meta: Meta
    editor_note: tuple[Block, ...]
    body: tuple[Block, ...]
    footnotes: tuple[Footnote, ...]


def nodes(value: Any) -> Iterator[Any]:
    """Every model value inside `value` (a block, an inline, a tuple of them), depth first."""
    if isinstance(value, tuple):
        for item in value:
            yield from nodes(item)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        yield value
        for field in dataclasses.fields(value):
            child = getattr(value, field.name)
            if isinstance(child, tuple) or dataclasses.is_dataclass(child):
                yield from nodes(child)


def issue_images(issue: Issue) -> list[Path]:
    """The image files an issue uses, each once, in order of first use."""
    found: dict[Path, None] = {}
    for node in nodes((issue.editor_note, issue.body, issue.footnotes)):
        if isinstance(node, Image):
            found.setdefault(node.path, None)
    return list(found)
