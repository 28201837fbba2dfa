"""Measurements of printed appearance: glyphs that overprint each other, glyphs off the page."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pdfplumber

from tests.pdfmeasure import is_wide

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


__all__ = ["Overprint", "is_wide", "off_page", "overprints"]
