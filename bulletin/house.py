"""The house style's numbers, in one place for both renderers (see docs/house-style.md).

Units are points unless a name says otherwise. The CSS template receives these values,
and the DOCX renderer reads them, so the PDF and the DOCX cannot drift apart.
"""
from __future__ import annotations

from dataclasses import dataclass

MM = 72 / 25.4  # points per millimetre


@dataclass(frozen=True)
class Geometry:
    """A4 page, GB/T 9704 margins and the 22 × 28 grid."""

    page_width_mm: float = 210
    page_height_mm: float = 297
    margin_top_mm: float = 37
    margin_bottom_mm: float = 35
    margin_left_mm: float = 28
    margin_right_mm: float = 26
    body_size: float = 16.0  # 三号
    line_pitch: float = 28.95  # 579 twips: 22 lines fill 225 mm
    lines_per_page: int = 22
    chars_per_line: int = 28
    title_size: float = 22.0  # 二号
    masthead_size: float = 42.0  # 初号
    colophon_size: float = 14.0  # 四号
    page_number_size: float = 14.0  # 四号
    page_number_gap_mm: float = 7  # below the type area
    rule_thick_mm: float = 0.35
    rule_thin_mm: float = 0.25
    red_rule_thick: float = 2.25  # the red rule under the masthead: thick over thin
    red_rule_thin: float = 0.75
    footnote_size: float = 10.5  # 五号
    image_max_height_mm: float = 150

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
        """Tracking that puts 16 pt glyphs on the grid pitch (negative)."""
        return self.char_pitch - self.body_size


GEOMETRY = Geometry()

# One red for the masthead and rules in PDF and DOCX (GB/T 9704 asks for Y80 M80 ink;
# this is its usual screen equivalent).
RED = "E60012"


@dataclass(frozen=True)
class DocxFonts:
    """Font names written into the DOCX, per role: the faces Chinese offices have installed."""

    title: str = "方正小标宋简体"
    masthead: str = "方正小标宋简体"
    body: str = "仿宋_GB2312"
    heading1: str = "黑体"
    heading2: str = "楷体_GB2312"
    page_number: str = "宋体"
    latin: str = "Times New Roman"


# ---------------------------------------------------------------- faces

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

#: the glyph-coverage roles and the faces that draw them, in the order the renderers try them
COVERAGE_CHAINS: dict[str, tuple[str, ...]] = {
    "body": FACES["fang"].chain,
    "title": FACES["title"].chain,
    "level-1 heading": FACES["hei"].chain,
    "level-2 heading": FACES["kai"].chain,
    "editor's note": (FACES["kai"].chain[0], *FACES["hei"].chain),
}


# ---------------------------------------------------------------- labels


@dataclass(frozen=True)
class Labels:
    """The fixed words and marks the house prints around the issue's own text."""

    editor_note: str = "编者按："
    ordered_marker: str = "{n}."
    bullet_marker: str = "●"
    page_number: str = "— {n} —"


LABELS = Labels()


# ---------------------------------------------------------------- furniture


@dataclass(frozen=True)
class Slot:
    """A labelled piece of page furniture bound to one field of the issue.

    `field` is a path into the issue (`meta.editor`, `contact.phone`); a slot whose
    field is empty prints nothing, label included.
    """

    name: str
    field: str
    label: str = ""
    suffix: str = ""

    def value(self, issue: object) -> str:
        """The field's value as text ("" when empty or absent)."""
        value: object = issue
        for part in self.field.split("."):
            value = getattr(value, part, "")
        return "" if value is None else str(value)

    def text(self, issue: object) -> str:
        """Label, value and suffix, or "" when the field is empty."""
        value = self.value(issue)
        return f"{self.label}{value}{self.suffix}" if value else ""


@dataclass(frozen=True)
class FurnitureLine:
    """One line of furniture: slots set flush left, and slots set flush right on the same line."""

    left: tuple[Slot, ...]
    right: tuple[Slot, ...] = ()


@dataclass(frozen=True)
class Row:
    """One printed row of furniture: its texts, and the label width (in ems) a wrapped line hangs under."""

    left: str
    right: str = ""
    hang: float = 0.0


#: two ems between the parts of a split line, at least (docs/typesetting.md, "Furniture")
SPLIT_GAP_EMS = 2.0


def ems(text: str) -> float:
    """Width of `text` in ems of its size: CJK and full-width forms count one, anything else half."""
    return sum(0.5 if ord(ch) < 0x2E80 or 0xFF61 <= ord(ch) <= 0xFFDC else 1.0 for ch in text)


def _side(slots: tuple[Slot, ...], issue: object) -> tuple[str, float]:
    texts = [slot.text(issue) for slot in slots]
    first = next((slot for slot, text in zip(slots, texts) if text), None)
    return "".join(texts), ems(first.label) if first is not None else 0.0


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
            printed.extend(Row(text, hang=hang) for text, hang in ((left, left_hang), (right, right_hang)) if text)
    return printed


def wrapped_lines(row: Row, room: float) -> int:
    """How many lines a row takes in `room` ems, wrapped lines hanging under its label."""
    if row.right:
        return 1
    width = ems(row.left)
    if width <= room:
        return 1
    rest = width - room
    per_line = max(room - row.hang, 1.0)
    return 1 + int(-(-rest // per_line))


@dataclass(frozen=True)
class Furniture:
    """The page furniture of the house, line by line, in print order."""

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
class ColophonBox:
    """The colophon's measures: type size, air inside each ruled row, indent from the rules' ends."""

    size: float = GEOMETRY.colophon_size
    leading: float = 1.5  # times the size
    pad: float = 3.0  # pt above and below each row's text, inside its rules
    indent_ems: float = 1.0  # each side

    @property
    def room(self) -> float:
        """The measure of a row in ems: the type width less the indents."""
        return GEOMETRY.type_width / self.size - 2 * self.indent_ems

    def height(self, printed: list[Row]) -> float:
        """Height of the whole colophon in pt, rules included."""
        lines = sum(wrapped_lines(row, self.room) for row in printed)
        rules = GEOMETRY.rule_thick_mm * 2 * MM + GEOMETRY.rule_thin_mm * MM * max(len(printed) - 1, 0)
        return lines * self.size * self.leading + len(printed) * 2 * self.pad + rules


COLOPHON = ColophonBox()
