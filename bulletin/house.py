"""The house style, described once: both editions are drawn from it (see docs/typesetting.md).

- `Geometry`: the page, its margins and the 22 × 28 grid;
- `FACES`: each face of the house, as a CSS family chain (PDF) and a font name (DOCX);
- `Role`: for each kind of text its face, size, leading, tracking, space, alignment, colour;
- `Rules`: the weights and colours of every rule the house draws;
- `LABELS` and the furniture: the fixed words, and the ordered, labelled slots of the
  marks group, the control line, the publisher line and the colophon.

`House` bundles them; `HOUSE` is the default, and a project's `[house]` table in
bulletin.toml overrides single values (`House.overridden`). The stylesheet is generated
from the roles (`render/html.py`), the DOCX styles, front block and colophon are built
from them (`render/docx.py`), and glyph coverage reads the faces from them
(`coverage.py`). Units are points unless a name says otherwise.
"""
from __future__ import annotations

import re

from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from bulletin.model import DRAFT_MARK

MM = 72 / 25.4  # points per millimetre

#: the grid's line pitch: 579 twips, 22 lines fill 225 mm
PITCH = 28.95
#: 三号, the body size the grid is built on
BODY = 16.0


@dataclass(frozen=True)
class Geometry:
    """A4 page, GB/T 9704 margins, the 22 × 28 grid, and the measures around the text."""

    page_width_mm: float = 210
    page_height_mm: float = 297
    margin_top_mm: float = 37
    margin_bottom_mm: float = 35
    margin_left_mm: float = 28
    margin_right_mm: float = 26
    body_size: float = BODY
    line_pitch: float = PITCH
    lines_per_page: int = 22
    chars_per_line: int = 28
    page_number_gap_mm: float = 7  # below the type area
    page_number_indent_ems: float = 1.0  # from the type area's outer edge
    image_max_height_mm: float = 150
    text_indent_cells: float = 2.0  # first-line indent of running text, in grid cells
    block_indent_cells: float = 2.0  # quotes and code, each side
    masthead_kind_gap_ems: float = 0.6  # between the series name and the kind of issue
    cell_pad_x: float = 4.0  # inside a table cell, left and right
    cell_pad_y: float = 2.0  # inside a table cell, above and below
    colophon_pad: float = 3.0  # above and below each colophon row's text, inside its rules
    colophon_indent_ems: float = 1.0  # each side of a colophon row
    footnote_area_max: float = 0.4  # of the page area
    footnote_gap: float = 6.0  # above the footnote separator
    footnote_pad: float = 3.0  # between the separator and the first note
    red_rule_gap: float = 1.5  # between the red rule's thick and thin lines
    rule_space: float = PITCH / 2  # above and below a rule in the body (`---`)

    @property
    def type_width(self) -> float:
        """Width of the type area (版心) in points: 156 mm = 442.2 pt."""
        return (self.page_width_mm - self.margin_left_mm - self.margin_right_mm) * MM

    @property
    def type_height(self) -> float:
        """Height of the type area in points: 225 mm = 637.8 pt."""
        return (self.page_height_mm - self.margin_top_mm - self.margin_bottom_mm) * MM

    @property
    def char_pitch(self) -> float:
        """Advance of one grid cell: 442.2 / 28 = 15.79 pt."""
        return self.type_width / self.chars_per_line

    @property
    def letter_spacing(self) -> float:
        """Tracking that puts body-size glyphs on the grid pitch (negative)."""
        return self.char_pitch - self.body_size

    # The sizes and rules below belong to roles and rules; these read the default house.
    @property
    def title_size(self) -> float:
        return HOUSE.roles["title"].size or self.body_size

    @property
    def masthead_size(self) -> float:
        return HOUSE.roles["masthead"].size or self.body_size

    @property
    def colophon_size(self) -> float:
        return HOUSE.roles["colophon"].size or self.body_size

    @property
    def page_number_size(self) -> float:
        return HOUSE.roles["page_number"].size or self.body_size

    @property
    def footnote_size(self) -> float:
        return HOUSE.roles["footnote"].size or self.body_size

    @property
    def rule_thick_mm(self) -> float:
        return HOUSE.rules.colophon_outer / MM

    @property
    def rule_thin_mm(self) -> float:
        return HOUSE.rules.colophon_inner / MM

    @property
    def red_rule_thick(self) -> float:
        return HOUSE.rules.red_thick

    @property
    def red_rule_thin(self) -> float:
        return HOUSE.rules.red_thin


# ---------------------------------------------------------------- colours and faces

# One red for the masthead and rules in PDF and DOCX (GB/T 9704 asks for Y80 M80 ink;
# this is its usual screen equivalent).
RED = "E60012"
BLACK = "000000"

FALLBACK = "House Fallback"


@dataclass(frozen=True)
class Face:
    """One face of the house: its CSS family chain (PDF) and the font name the DOCX asks for."""

    chain: tuple[str, ...]
    docx: str

    @property
    def css(self) -> str:
        """The chain as a CSS font-family value."""
        return ", ".join(f'"{name}"' for name in self.chain)


FACES: dict[str, Face] = {
    "fang": Face(("House Fang", FALLBACK), "仿宋_GB2312"),
    "hei": Face(("House Hei", FALLBACK), "黑体"),
    "kai": Face(("House Kai", FALLBACK), "楷体_GB2312"),
    "song": Face(("House Song", FALLBACK), "宋体"),
    "title": Face(("House Title", FALLBACK), "方正小标宋简体"),
}
#: the font the DOCX names for Latin letters and digits
LATIN_DOCX = "Times New Roman"


@dataclass(frozen=True)
class DocxFonts:
    """Font names written into the DOCX, per face (`[fonts.docx]` in bulletin.toml)."""

    title: str = FACES["title"].docx
    masthead: str = FACES["title"].docx
    body: str = FACES["fang"].docx
    heading1: str = FACES["hei"].docx
    heading2: str = FACES["kai"].docx
    page_number: str = FACES["song"].docx
    latin: str = LATIN_DOCX


# ---------------------------------------------------------------- roles

ALIGNMENTS = ("left", "center", "right", "justify")


@dataclass(frozen=True)
class Role:
    """How one kind of text looks, in both editions.

    `size` None: the grid's body size (a character role: its paragraph's). `leading`
    None: the grid's line pitch (a character role: its paragraph's). `tracking` None:
    the grid tracking that sets 28 characters on a line. `before`/`after`: space above
    and below the paragraph. A character role (`character=True`) sets only what it names.
    """

    face: str = "fang"
    size: float | None = None
    leading: float | None = None
    tracking: float | None = 0.0
    before: float = 0.0
    after: float = 0.0
    align: str = "justify"
    color: str = BLACK
    bold: bool = False
    character: bool = False

    def pt(self, g: Geometry) -> float:
        """The size in points."""
        return self.size if self.size is not None else g.body_size

    def line(self, g: Geometry) -> float:
        """The leading in points."""
        return self.leading if self.leading is not None else g.line_pitch


def _character(face: str, **values: Any) -> Role:
    return Role(**{"face": face, "tracking": None, "align": "", "character": True, **values})


#: every kind of text the house prints; defaults reproduce the house as it stood
DEFAULT_ROLES: dict[str, Role] = {
    "body": Role("fang", tracking=None),
    "marks": Role("hei", tracking=None, align="left"),  # 密级和保密期限, 紧急程度 (黑体 三号)
    "copy_number": Role("fang", tracking=None, align="left"),  # 份号: six Arabic digits, 三号
    "control": Role("fang", tracking=None, align="left"),
    "classification": _character("hei"),
    "masthead": Role("title", 42.0, 52.5, 5.04, before=8.0, align="center", color=RED, bold=True),  # 初号
    "masthead_kind": _character("title", size=22.0, tracking=2.2, bold=True, color=RED),  # 二号
    "tagline": Role("kai", 14.0, 22.4, align="center"),
    "issue_line": Role("fang", tracking=None, before=6.0, align="center"),
    "publisher_line": Role("fang", tracking=None, align="left"),
    "title": Role("title", 22.0, 33.0, before=PITCH, after=PITCH, align="center", bold=True),  # 二号
    "heading1": Role("hei", tracking=None),
    "heading2": Role("kai", tracking=None),
    "heading3": Role("fang", tracking=None),
    "heading4": Role("fang", tracking=None),
    "editor_note": Role("kai", tracking=None, after=PITCH),
    "editor_note_label": _character("hei"),
    "quote": Role("kai", tracking=None),
    "code": Role("fang", tracking=None, align="left"),
    "code_inline": _character("fang"),
    "emphasis": _character("kai"),
    "strong": _character("hei"),
    "table": Role("fang", 14.0, 21.0, before=PITCH / 4, after=PITCH / 2, align="center"),  # 四号
    "table_heading": Role("hei", 14.0, 21.0, align="center"),
    "figure": Role("fang", before=PITCH / 4, after=PITCH / 4, align="center"),
    "caption": Role("kai", 14.0, 22.4, align="center"),
    "footnote": Role("fang", 10.5, 14.7, align="left"),  # 五号
    "footnote_call": _character("song", size=9.0, tracking=0.0),
    "colophon": Role("fang", 14.0, 21.0, align="left"),  # 四号
    "page_number": Role("song", 14.0, 14.0, align=""),  # 四号; odd pages flush right, even flush left
}


# ---------------------------------------------------------------- rules


@dataclass(frozen=True)
class Rules:
    """The weights (pt) and colours of the rules the house draws."""

    red_thick: float = 2.25  # the red rule under the masthead: thick over thin
    red_thin: float = 0.75
    red_before: float = 4.0  # space above the red rule
    red_color: str = RED
    colophon_outer: float = 0.35 * MM  # first and last colophon rules
    colophon_inner: float = 0.25 * MM  # between colophon rows
    table: float = 0.75
    thematic_break: float = 0.5  # a rule in the body (`---`)
    footnote_separator: float = 0.5
    color: str = BLACK


# ---------------------------------------------------------------- labels


@dataclass(frozen=True)
class Labels:
    """The fixed words and marks the house prints around the issue's own text."""

    editor_note: str = "编者按："
    ordered_marker: str = "{n}."
    bullet_marker: str = "●"
    page_number: str = "— {n} —"
    footnote_marker: str = "{n}. "


LABELS = Labels()


# ---------------------------------------------------------------- furniture


@dataclass(frozen=True)
class Slot:
    """A labelled piece of page furniture bound to one field of the issue.

    `field` is a path into the issue (`meta.editor`, `contact.phone`); a slot whose
    field is empty prints nothing, label included. A list is joined with `join`;
    `label` may name fields of the issue in braces (`本期{issue.series.kind}：`). A slot
    with `fixed` prints that word when its field is true (a flag).
    """

    name: str
    field: str
    label: str = ""
    suffix: str = ""
    join: str = "、"
    fixed: str = ""

    def value(self, issue: object) -> str:
        """The field's value as text ("" when empty or absent)."""
        value: object = issue
        for part in self.field.split("."):
            value = getattr(value, part, "")
        if self.fixed:
            return self.fixed if value else ""
        if isinstance(value, (tuple, list)):
            return self.join.join(str(item) for item in value)
        return "" if value is None or value is False else str(value)

    def text(self, issue: object) -> str:
        """Label, value and suffix, or "" when the field is empty."""
        value = self.value(issue)
        return f"{self.label.format(issue=issue)}{value}{self.suffix}" if value else ""


@dataclass(frozen=True)
class FurnitureLine:
    """One line of furniture: slots set flush left, and slots set flush right on the same line."""

    left: tuple[Slot, ...]
    right: tuple[Slot, ...] = ()
    #: a right part that moves to a row of its own stays flush right (else it starts the row)
    keep_right: bool = False


@dataclass(frozen=True)
class Row:
    """One printed row of furniture: its texts, and the label width (in ems) a wrapped line hangs under."""

    left: str
    right: str = ""
    hang: float = 0.0
    #: the row is a right part on its own, set flush right
    flush_right: bool = False
    #: a row too wide for its measure: its lines, broken after the separators between its
    #: items (a recipient's name is never cut); both editions print these breaks
    lines: tuple[str, ...] = ()


#: two ems between the parts of a split line, at least (docs/typesetting.md, "Furniture")
SPLIT_GAP_EMS = 2.0


def ems(text: str) -> float:
    """Width of `text` in ems of its size: CJK and full-width forms count one, anything else half."""
    return sum(0.5 if ord(ch) < 0x2E80 or 0xFF61 <= ord(ch) <= 0xFFDC else 1.0 for ch in text)


def _side(slots: tuple[Slot, ...], issue: object) -> tuple[str, float]:
    texts = [slot.text(issue) for slot in slots]
    first = next((slot for slot, text in zip(slots, texts) if text), None)
    return "".join(texts), ems(first.label.format(issue=issue)) if first is not None else 0.0


def rows(lines: tuple[FurnitureLine, ...], issue: object, room: float) -> list[Row]:
    """The rows that `lines` print for `issue` in a measure of `room` ems.

    Empty slots are left out, and a line with nothing to print too. A split line stays
    one row when both parts fit with SPLIT_GAP_EMS between; otherwise its right part
    moves to a row of its own.
    """
    printed: list[Row] = []
    for line in lines:
        left, left_hang = _side(line.left, issue)
        right, right_hang = _side(line.right, issue)
        if left and right and ems(left) + SPLIT_GAP_EMS + ems(right) <= room:
            printed.append(Row(left, right))
        else:
            if left:
                printed.append(Row(left, hang=left_hang, lines=broken(left, room, left_hang)))
            if right:
                printed.append(Row(right, hang=right_hang, flush_right=line.keep_right,
                                   lines=() if line.keep_right else broken(right, room, right_hang)))
    return printed


#: where a row of several items may break: after the separator that joins them (and
#: after a space between two names, as the publishers of a jointly run bulletin)
ITEM_BREAKS = "、　"
_ITEM = re.compile(rf".+?(?:[{ITEM_BREAKS}]|(?<=[\u3400-\u9fff]) (?=[\u3400-\u9fff])|$)")
#: the room a broken line leaves unused, in ems: the widths of ems() are close, not exact
_LINE_SLACK = 0.5


def broken(text: str, room: float, hang: float) -> tuple[str, ...]:
    """`text` broken into lines of `room` ems (those after the first `hang` ems narrower), after item separators only.

    () when it fits on one line, or when an item alone is wider than a line (the
    renderer then wraps where it can).
    """
    if ems(text) <= room:
        return ()
    items = _ITEM.findall(text)
    lines: list[str] = []
    current = ""
    for item in (item for item in items if item):
        width = room - _LINE_SLACK - (hang if lines else 0.0)
        if current and ems((current + item).rstrip(ITEM_BREAKS + " ")) > width:
            lines.append(current.rstrip(" "))
            current = item
        else:
            current += item
        if ems(current.rstrip(ITEM_BREAKS + " ")) > room - _LINE_SLACK - (hang if lines else 0.0):
            return ()
    lines.append(current)
    return tuple(lines) if len(lines) > 1 else ()


def wrapped_lines(row: Row, room: float) -> int:
    """How many lines a row takes in `room` ems, wrapped lines hanging under its label."""
    if row.right:
        return 1
    if row.lines:
        return len(row.lines)
    width = ems(row.left)
    if width <= room:
        return 1
    rest = width - room
    per_line = max(room - row.hang, 1.0)
    return 1 + int(-(-rest // per_line))


#: the copy number's slot: empty in the archived edition, stamped by `bulletin print`
COPY_NUMBER = Slot("copy_number", "copy_number")


@dataclass(frozen=True)
class Furniture:
    """The page furniture of the house, line by line, in print order."""

    #: GB/T 9704 marks, top left of page 1, one per line: 份号, 密级和保密期限, 紧急程度
    marks: tuple[FurnitureLine, ...] = (
        FurnitureLine((Slot("classification", "meta.classification"), Slot("secrecy_period", "meta.secrecy_period", label="★"))),
        FurnitureLine((Slot("urgency", "meta.urgency"),)),
    )
    control: tuple[FurnitureLine, ...] = (
        FurnitureLine(
            (Slot("recipients", "meta.recipients", label="本期{issue.series.kind}："),),
            (Slot("draft", "meta.draft", fixed=DRAFT_MARK),),
            keep_right=True,
        ),
    )
    publisher: tuple[FurnitureLine, ...] = (
        FurnitureLine((Slot("publisher", "series.publisher"),), (Slot("date", "date"),), keep_right=True),
    )
    colophon: tuple[FurnitureLine, ...] = (
        FurnitureLine(
            (Slot("editor", "meta.editor", label="责任编辑："),),
            (Slot("phone", "contact.phone", label="联系电话："), Slot("fax", "contact.fax", label="　", suffix="（传真）")),
        ),
        FurnitureLine((Slot("cc", "meta.cc", label="抄送："),)),
        FurnitureLine((Slot("address", "contact.address", label="地址："),)),
        FurnitureLine((Slot("print_run", "meta.print_run", label="共印：", suffix="份"),)),
    )


FURNITURE = Furniture()


@dataclass(frozen=True)
class Fields:
    """What the furniture's slots read: the issue's parts, its date as printed, the copy number."""

    meta: object
    series: object
    contact: object
    date: str = ""
    copy_number: str = ""


def fields_of(issue: Any, copy_number: str = "") -> Fields:
    """The fields the slots of `issue`'s furniture read."""
    from bulletin.typography import chinese_date

    return Fields(issue.meta, issue.series, issue.contact, chinese_date(issue.meta.date), copy_number)


# ---------------------------------------------------------------- the house


@dataclass(frozen=True)
class House:
    """The whole house: geometry, faces, roles, rules, labels and furniture."""

    geometry: Geometry = field(default_factory=Geometry)
    roles: dict[str, Role] = field(default_factory=lambda: dict(DEFAULT_ROLES))
    rules: Rules = field(default_factory=Rules)
    labels: Labels = LABELS
    furniture: Furniture = FURNITURE
    faces: dict[str, Face] = field(default_factory=lambda: dict(FACES))

    def __hash__(self) -> int:
        return hash((self.geometry, tuple(self.roles.items()), self.rules, self.labels))

    def role(self, name: str) -> Role:
        """The role called `name`."""
        return self.roles[name]

    def face(self, role: str) -> Face:
        """The face that draws `role`."""
        return self.faces[self.roles[role].face]

    def overridden(self, overrides: dict[str, Any]) -> "House":
        """This house with `[house]` values of bulletin.toml put over it (validated beforehand)."""
        roles = dict(self.roles)
        for name, values in (overrides.get("roles") or {}).items():
            roles[name] = replace(roles[name], **values)
        return replace(
            self,
            geometry=replace(self.geometry, **(overrides.get("geometry") or {})),
            roles=roles,
            rules=replace(self.rules, **(overrides.get("rules") or {})),
            labels=replace(self.labels, **(overrides.get("labels") or {})),
        )

    # ---- measures derived from the roles

    def colophon_room(self) -> float:
        """The measure of a colophon row in ems: the type width less the indents."""
        g = self.geometry
        return g.type_width / self.roles["colophon"].pt(g) - 2 * g.colophon_indent_ems

    def room(self, role: str) -> float:
        """The type width in ems of `role`'s size."""
        return self.geometry.type_width / self.roles[role].pt(self.geometry)

    def colophon_height(self, printed: list[Row]) -> float:
        """Height of the whole colophon in pt, rules included."""
        g, role = self.geometry, self.roles["colophon"]
        lines = sum(wrapped_lines(row, self.colophon_room()) for row in printed)
        rules = self.rules.colophon_outer * 2 + self.rules.colophon_inner * max(len(printed) - 1, 0)
        return lines * role.line(g) + len(printed) * 2 * g.colophon_pad + rules

    def coverage_chains(self) -> dict[str, tuple[str, ...]]:
        """The glyph-coverage roles and the faces that draw them, in the order the renderers try them."""
        note = self.face("editor_note").chain
        return {
            "body": self.face("body").chain,
            "title": self.face("title").chain,
            "level-1 heading": self.face("heading1").chain,
            "level-2 heading": self.face("heading2").chain,
            "editor's note": (note[0], *self.face("editor_note_label").chain),
        }


HOUSE = House()
GEOMETRY = HOUSE.geometry

#: the glyph-coverage roles of the default house
COVERAGE_CHAINS: dict[str, tuple[str, ...]] = HOUSE.coverage_chains()


# ---------------------------------------------------------------- the copy number


@dataclass(frozen=True)
class Stamp:
    """Where `bulletin print` sets the copy number on page 1: PDF points from the page's top left."""

    x: float
    baseline: float
    size: float
    face: str  # the CSS face (House Fang …) of the font file to use


def copy_number_position(house: House = HOUSE, fonts: Path | None = None) -> Stamp:
    """The copy-number slot on page 1: the first line of the type area, flush left.

    The archived PDF leaves that line empty (the marks group reserves it), so a number
    stamped there overprints nothing. The baseline is where WeasyPrint sets a line of
    the slot's role: half the leading left over by the face's ascent and descent above
    the ascent.
    """
    g, role = house.geometry, house.roles["copy_number"]
    size, leading = role.pt(g), role.line(g)
    ascent, descent = _metrics(house.face("copy_number").chain[0], fonts)
    top = g.margin_top_mm * MM
    baseline = top + (leading - (ascent + descent) * size) / 2 + ascent * size
    return Stamp(g.margin_left_mm * MM, baseline, size, house.face("copy_number").chain[0])


@lru_cache(maxsize=8)
def _metrics(face: str, folder: Path | None) -> tuple[float, float]:
    """Ascent and descent of `face`'s regular font in ems (hhea, as Pango reads them)."""
    from fontTools.ttLib import TTFont

    from bulletin.support.fonts import TOOL_FONTS, load_fonts

    font = next(f for f in load_fonts(folder or TOOL_FONTS) if f.face == face)
    with TTFont(font.path, lazy=True) as loaded:
        units = loaded["head"].unitsPerEm
        return loaded["hhea"].ascent / units, -loaded["hhea"].descent / units
