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
