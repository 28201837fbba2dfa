"""Measurements of printed appearance: glyphs that overprint each other, glyphs off the page or
outside the type area."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pdfplumber

from bulletin.house import HOUSE, MM, House
from tests.pdfmeasure import is_wide

#: a project at the house's limits: 40- and 2-character titles, 12 recipients, a long
#: publisher, three phone numbers and a fax, a 60-character address, a [house] override
LIMITS = Path(__file__).resolve().parent / "fixtures" / "house"

#: punctuation whose box is wider than its ink, so that a squeezed neighbour may touch it
HALF_WIDTH_PUNCTUATION = set("，。、；：？！“”‘’（）《》〈〉【】「」『』—…·")


@dataclass(frozen=True)
class Overprint:
    """Two glyphs of one page whose boxes overlap by more than the tolerance."""

    page: int
    first: str
    second: str
    overlap: float

    def __str__(self) -> str:
        return f"page {self.page}: {self.first!r} and {self.second!r} overlap by {self.overlap:.1f} pt"


def overprints(path: Path, tolerance: float = 1.0) -> list[Overprint]:
    """Every pair of glyphs on a page whose boxes overlap in both directions by more than `tolerance` pt."""
    found: list[Overprint] = []
    with pdfplumber.open(path) as pdf:
        for number, page in enumerate(pdf.pages, start=1):
            chars = [c for c in page.chars if c["text"].strip()]
            chars.sort(key=lambda c: c["x0"])
            for i, a in enumerate(chars):
                for b in chars[i + 1:]:
                    if b["x0"] >= a["x1"] - tolerance:
                        break
                    across = min(a["x1"], b["x1"]) - max(a["x0"], b["x0"])
                    down = min(a["bottom"], b["bottom"]) - max(a["top"], b["top"])
                    if across <= tolerance or down <= tolerance:
                        continue
                    if {a["text"], b["text"]} & HALF_WIDTH_PUNCTUATION:
                        continue
                    found.append(Overprint(number, a["text"], b["text"], across))
    return found


def off_page(path: Path) -> list[str]:
    """Glyphs whose box is not wholly on the page."""
    found: list[str] = []
    with pdfplumber.open(path) as pdf:
        for number, page in enumerate(pdf.pages, start=1):
            for c in page.chars:
                if c["x0"] < -0.5 or c["x1"] > page.width + 0.5 or c["top"] < -0.5 or c["bottom"] > page.height + 0.5:
                    found.append(f"page {number}: {c['text']!r} at ({c['x0']:.1f}, {c['top']:.1f})")
    return found


#: what a page number prints, besides its digits
FOLIO_MARKS = set("— -")


def outside_type_area(path: Path, house: House = HOUSE, tolerance: float = 0.5, hung: bool = False) -> list[str]:
    """Glyphs whose box leaves the type area, except the page number the house sets below it.

    A mark of HALF_WIDTH_PUNCTUATION may reach half its box past the right edge: a
    squeezed last mark ends the line half-way through its advance (docs/typesetting.md).
    The page number is a glyph of digits or dashes wholly within the band from the type
    area's foot to the page-number line's foot. `hung`: a mark may stand wholly past the
    right edge, as LibreOffice 7.4 sets the DOCX (it reads `w:overflowPunct` inverted
    and hangs closing punctuation; Word and WPS do not).
    """
    g = house.geometry
    left, right = g.margin_left_mm * MM, (g.page_width_mm - g.margin_right_mm) * MM
    top, bottom = g.margin_top_mm * MM, (g.page_height_mm - g.margin_bottom_mm) * MM
    folio = house.roles["page_number"]
    folio_foot = bottom + g.page_number_gap_mm * MM + max(folio.line(g), folio.pt(g) * 1.5)
    found: list[str] = []
    with pdfplumber.open(path) as pdf:
        for number, page in enumerate(pdf.pages, start=1):
            for c in page.chars:
                if not c["text"].strip():
                    continue
                mark = c["text"] in HALF_WIDTH_PUNCTUATION
                reach = (c["x1"] - c["x0"]) * (1.0 if hung else 0.5) if mark else 0.0
                inside = (
                    c["x0"] >= left - tolerance
                    and c["x1"] <= right + tolerance + reach
                    and c["top"] >= top - tolerance
                    and c["bottom"] <= bottom + tolerance
                )
                is_folio = (
                    (c["text"].isdigit() or c["text"] in FOLIO_MARKS)
                    and c["top"] >= bottom - tolerance
                    and c["bottom"] <= folio_foot
                )
                if not inside and not is_folio:
                    found.append(
                        f"page {number}: {c['text']!r} at x {c['x0']:.1f}–{c['x1']:.1f}, y {c['top']:.1f}–{c['bottom']:.1f}"
                    )
    return found


def appearance(path: Path, house: House = HOUSE, hung: bool = False) -> dict[str, list[str]]:
    """What the house holds every printed file to: no overprints, nothing off the page or outside the type area."""
    return {
        "overprints": [str(o) for o in overprints(path)],
        "off_page": off_page(path),
        "outside_type_area": outside_type_area(path, house, hung=hung),
    }


__all__ = ["LIMITS", "Overprint", "appearance", "is_wide", "off_page", "outside_type_area", "overprints"]
