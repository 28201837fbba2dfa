"""Test helpers: measure a built PDF's lines against the house grid (type area, 22 × 28).

Lines are found from the glyphs pdfplumber reports, grouped by their baseline (the
text matrix's origin, so faces with different ascents share a line). Small raised
glyphs (footnote calls) join the body line just below them. The paragraphs an issue
should print come from its model, so a test can pair each source paragraph with the
lines that print it and check justification, line-start/-end rules and the text.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Iterable, Sequence

import pdfplumber

from bulletin import model as m
from bulletin.house import GEOMETRY, MM
from bulletin.typography import LINE_END_FORBIDDEN, LINE_START_FORBIDDEN

#: the type area (版心) in pdfplumber's top-down page coordinates, points
LEFT = GEOMETRY.margin_left_mm * MM
RIGHT = LEFT + GEOMETRY.type_width
TOP = GEOMETRY.margin_top_mm * MM
BOTTOM = TOP + GEOMETRY.type_height
#: a line of body text: 三号
BODY_SIZE = GEOMETRY.body_size
#: a glyph this much smaller than the body is a footnote call or footnote text
SMALL = 12.0
#: how far above a body baseline a raised footnote call may sit
RAISE = 10.0

#: clreq: never split these pairs across lines
UNBREAKABLE = ("——", "……")
#: full-width closing marks the PDF may set at half width (标点挤压): their ink is in the left half
SQUEEZABLE = "，。、；：！”’）》」』】〕"
#: full-width opening marks: their ink is in the right half; one followed by another is set at half width
OPENING = "“‘（《「『【〔"


def compressible(first: str, second: str) -> bool:
    """True when clreq's rule for consecutive punctuation sets `first` at half width before `second`."""
    return (first in SQUEEZABLE and second in SQUEEZABLE + OPENING) or (first in OPENING and second in OPENING)


@dataclass
class Line:
    """One printed line: its glyphs left to right, on one baseline of one page."""

    page: int
    baseline: float
    chars: list[dict] = field(default_factory=list)

    @property
    def text(self) -> str:
        """The line's characters, in order, as pdfplumber reads them."""
        return "".join(c["text"] for c in self.chars)

    @property
    def x0(self) -> float:
        """Left edge of the first glyph."""
        return min(c["x0"] for c in self.chars)

    @property
    def x1(self) -> float:
        """Right edge of the last glyph (its advance box)."""
        return max(c["x1"] for c in self.chars)

    @property
    def size(self) -> float:
        """The largest font size on the line."""
        return max(c["size"] for c in self.chars)

    @property
    def fonts(self) -> set[str]:
        """Base font names used on the line, subset prefix removed."""
        return {c["fontname"].split("+", 1)[-1] for c in self.chars}

    def squeezed(self, right: float, tolerance: float = 0.5) -> list[int]:
        """Indexes of the marks set at half width: the next glyph, or for the last the edge
        `right`, comes half a glyph after the mark's start instead of a whole one."""
        found = []
        for index, char in enumerate(self.chars):
            if char["text"] not in SQUEEZABLE + OPENING:
                continue
            half = char["x0"] + char["size"] / 2
            if index + 1 < len(self.chars):
                if self.chars[index + 1]["x0"] < (half + char["x1"]) / 2:
                    found.append(index)
            elif char["text"] in SQUEEZABLE and abs(half - right) <= tolerance:
                found.append(index)
        return found

    def pairs(self) -> list[tuple[str, float]]:
        """Each pair of adjacent full-width marks the rule compresses, with the advance from the first to the second, pt."""
        return [
            (a["text"] + b["text"], b["x0"] - a["x0"])
            for a, b in zip(self.chars, self.chars[1:])
            if a["size"] >= SMALL and b["size"] >= SMALL and compressible(a["text"], b["text"])
        ]

    def end(self, right: float, tolerance: float = 0.5) -> float:
        """Where the line's text ends: the last glyph's advance, or half of it for a mark at half width."""
        if self.squeezed(right, tolerance)[-1:] == [len(self.chars) - 1]:
            return self.chars[-1]["x0"] + self.chars[-1]["size"] / 2
        return self.x1

    def han_count(self) -> int:
        """Glyphs of full-width size (Han and full-width punctuation) on the line."""
        return sum(1 for c in self.chars if c["size"] >= SMALL and is_wide(c["text"]))


def is_wide(char: str) -> bool:
    return "\u3000" <= char <= "\u9fff" or "\uf900" <= char <= "\uffef" or char in "“”‘’…—" or char >= "\U00020000"


def _baseline(char: dict) -> float:
    return float(char["matrix"][5])


def page_lines(page: pdfplumber.page.Page, index: int) -> list[Line]:
    """The lines of one page, top to bottom; raised small glyphs join the line below them."""
    height = float(page.height)
    big: dict[float, Line] = {}
    small: list[dict] = []
    for char in page.chars:
        if not char["text"].strip():
            continue
        if char["size"] < SMALL:
            small.append(char)
            continue
        key = round(_baseline(char), 1)
        line = next((big[k] for k in big if abs(k - key) < 0.6), None)
        if line is None:
            line = big[key] = Line(index, height - key)
        line.chars.append(char)
    lines = sorted(big.values(), key=lambda line: line.baseline)
    notes: dict[float, Line] = {}
    for char in small:
        y = height - _baseline(char)
        for line in lines:
            if line.size >= BODY_SIZE - 0.5 and 0 <= line.baseline - y <= RAISE and line.x0 - 1 <= char["x0"] <= line.x1 + 16:
                line.chars.append(char)
                break
        else:
            notes.setdefault(round(y, 1), Line(index, y)).chars.append(char)
    lines = sorted([*lines, *notes.values()], key=lambda line: line.baseline)
    for line in lines:
        line.chars.sort(key=lambda c: c["x0"])
    return lines


def pdf_lines(path: Path) -> list[list[Line]]:
    """Every page's lines."""
    with pdfplumber.open(path) as pdf:
        return [page_lines(page, i) for i, page in enumerate(pdf.pages)]


def body_lines(pages: Sequence[Sequence[Line]]) -> list[Line]:
    """The 三号 lines inside the type area, page after page (titles, tables, notes excluded)."""
    return [
        line
        for lines in pages
        for line in lines
        if abs(line.size - BODY_SIZE) < 0.5 and TOP - 1 <= line.baseline <= BOTTOM + 1 and line.x0 >= LEFT - 1
    ]


def _inline_text(items: Iterable[m.Inline], calls: list[int]) -> str:
    out = []
    for item in items:
        if isinstance(item, m.Text):
            out.append(item.text)
        elif isinstance(item, m.Code):
            out.append(item.text)
        elif isinstance(item, m.LineBreak):
            out.append("\n")
        elif isinstance(item, m.FootnoteRef):
            calls.append(item.number)
            out.append(str(len(calls)))
        elif hasattr(item, "children"):
            out.append(_inline_text(item.children, calls))
    return "".join(out)


@dataclass(frozen=True)
class Expected:
    """A block of running text the PDF must print: its kind and its exact text."""

    kind: str
    text: str
    #: grid cells the block is inset on each side (a quotation: 2)
    inset: int = 0


def expected_blocks(issue: m.Issue) -> list[Expected]:
    """The paragraphs and headings of `issue` in print order, as their printed text."""
    calls: list[int] = []
    found: list[Expected] = []

    def walk(blocks: Iterable[m.Block], label: str = "", inset: int = 0) -> None:
        for index, block in enumerate(blocks):
            prefix = label if index == 0 else ""
            if isinstance(block, m.Paragraph):
                found.append(Expected("paragraph", prefix + _inline_text(block.children, calls), inset))
            elif isinstance(block, m.Heading):
                found.append(Expected(f"heading{block.level}", block.number + _inline_text(block.children, calls)))
            elif isinstance(block, m.ListBlock):
                for number, item in enumerate(block.items, block.start):
                    marker = f"{number}." if block.ordered else "●"
                    for child_index, child in enumerate(item.children):
                        if child_index == 0 and isinstance(child, m.Paragraph):
                            found.append(Expected("item", marker + _inline_text(child.children, calls), inset))
                        else:
                            walk([child], inset=inset)
            elif isinstance(block, m.Quote):
                walk(block.children, inset=inset + 2)

    if issue.editor_note:
        walk(issue.editor_note, "编者按：")
    walk(issue.body)
    return found


@dataclass
class Printed:
    """A source block and the lines that print it."""

    block: Expected
    lines: list[Line]


def match_blocks(lines: Sequence[Line], blocks: Sequence[Expected]) -> list[Printed]:
    """Pair each expected block with the consecutive lines whose text is exactly its text.

    Lines that belong to no block (the front, table cells in body size) are skipped;
    a block that cannot be found raises AssertionError naming it.
    """
    printed: list[Printed] = []
    at = 0
    for block in blocks:
        want = block.text.replace("\n", "")
        for start in range(at, len(lines)):
            if not want.startswith(lines[start].text):
                continue
            got, end = "", start
            while end < len(lines) and want.startswith(got + lines[end].text) and len(got) < len(want):
                got += lines[end].text
                end += 1
            if got == want:
                printed.append(Printed(block, list(lines[start:end])))
                at = end
                break
        else:
            raise AssertionError(f"not printed as in the source: {block.text[:40]}…")
    return printed


@dataclass(frozen=True)
class Shortfall:
    """A line that should reach both edges of the type area and does not."""

    text: str
    page: int
    left: float
    right: float


def justified_shortfalls(printed: Sequence[Printed], tolerance: float = 0.5) -> tuple[int, list[Shortfall]]:
    """How many mid-paragraph lines there are, and those that miss an edge by more than `tolerance`.

    The right edge is the end of the last glyph's advance; a line ending in a mark set at
    half width ends half-way through its advance, and has to reach the edge there.
    """
    count, short = 0, []
    for item in printed:
        left = LEFT + item.block.inset * GEOMETRY.char_pitch
        right = RIGHT - item.block.inset * GEOMETRY.char_pitch
        for segment in _segments(item):
            for line in segment[:-1]:
                count += 1
                if abs(line.end(right, tolerance) - right) > tolerance or (line is not item.lines[0] and abs(line.x0 - left) > tolerance):
                    short.append(Shortfall(line.text, line.page + 1, line.x0 - left, right - line.x1))
    return count, short


def _segments(item: Printed) -> list[list[Line]]:
    """The item's lines split after forced line breaks (whose lines end short by right)."""
    text = item.block.text
    if "\n" not in text:
        return [item.lines]
    ends, total = set(), 0
    for part in text.split("\n")[:-1]:
        total += len(part)
        ends.add(total)
    segments: list[list[Line]] = [[]]
    total = 0
    for line in item.lines:
        segments[-1].append(line)
        total += len(line.text)
        if total in ends:
            segments.append([])
    return [s for s in segments if s]


def rule_breaks(printed: Sequence[Printed]) -> list[str]:
    """Lines that start with closing or end with opening punctuation, or split —— / ……."""
    bad = []
    for item in printed:
        for index, line in enumerate(item.lines):
            text = line.text
            if index > 0 and text[0] in LINE_START_FORBIDDEN:
                bad.append(f"p{line.page + 1} starts with {text[0]}: {text}")
            if index < len(item.lines) - 1:
                if text[-1] in LINE_END_FORBIDDEN:
                    bad.append(f"p{line.page + 1} ends with {text[-1]}: {text}")
                joined = text[-1] + item.lines[index + 1].text[0]
                if joined in UNBREAKABLE:
                    bad.append(f"p{line.page + 1} splits {joined}: {text}")
    return bad


def _can_end_after(text: str, count: int) -> bool:
    """True when a line may end after `text[:count]` and the next start at `text[count]`."""
    before, after = text[count - 1], text[count] if count < len(text) else ""
    if after and not is_wide(before) and not is_wide(after) and not after.isspace():
        return False  # inside a Latin word or a number
    return after not in LINE_START_FORBIDDEN + "%" and before not in LINE_END_FORBIDDEN and before + after not in UNBREAKABLE


def _cells(text: str) -> float:
    return sum(1 if is_wide(c) else 0.5 for c in text)


def _is_runt(text: str) -> bool:
    return len(text.rstrip(LINE_START_FORBIDDEN)) <= 1


@dataclass(frozen=True)
class GridFit:
    """A line of full-width text against the cells the grid gives it."""

    text: str
    page: int
    cells: int
    forced: bool
    #: marks on the line set at half width to keep its last character (each takes half a cell)
    squeezed: int = 0
    #: True when setting the closing mark that forbade the break, and at most one more of
    #: the line's marks, at half width would have kept the next character on the line
    squeezable: bool = False
    #: marks set at half width because a mark follows them (consecutive punctuation)
    paired: int = 0
    #: True when the line is one of the last lines of a paragraph made a line longer
    #: (伸行): each holds one or two cells fewer, up to the paragraph's last line
    loosened: bool = False

    @property
    def used(self) -> float:
        """The cells the line's characters take."""
        return len(self.text) - (self.squeezed + self.paired) / 2

    @property
    def full(self) -> bool:
        """True when the line fills its cells (with compressed pairs, all but the half cell no character fits)."""
        if self.paired:
            return 0 <= self.cells - self.used < 1
        return self.used == self.cells


def grid_fits(printed: Sequence[Printed]) -> list[GridFit]:
    """Every non-last line of pure full-width text, with its cells and whether a rule forced it short.

    A paragraph's first line has two cells fewer (the indent); a quotation four fewer
    on every line. A line is forced short when taking the next line's first unbreakable
    cluster would overflow it, or would leave a single character on the last line.
    """
    fits = []
    for item in printed:
        for segment in _segments(item):
            for index, line in enumerate(segment[:-1]):
                if not all(is_wide(c) for c in line.text):
                    continue
                cells = GEOMETRY.chars_per_line - 2 * item.block.inset - (2 if line is item.lines[0] else 0)
                following = segment[index + 1].text
                cluster = next((k for k in range(1, len(following) + 1) if _can_end_after(following, k)), len(following))
                is_last = index + 1 == len(segment) - 1
                runt = is_last and _is_runt(following[cluster:])
                taken = line.text + following[:cluster]
                pairs = sum(1 for a, b in zip(taken, taken[1:]) if compressible(a, b))
                forced = len(line.text) + _cells(following[:cluster]) - pairs / 2 > cells or runt
                right = RIGHT - item.block.inset * GEOMETRY.char_pitch
                half = line.squeezed(right)
                paired = sum(
                    1 for index in half
                    if index + 1 < len(line.text) and compressible(line.text[index], line.text[index + 1])
                )
                squeezed = len(half) - paired
                marks = sum(
                    1 for index, char in enumerate(taken[:-1])
                    if char in SQUEEZABLE and not compressible(char, taken[index + 1])
                )
                squeezable = (
                    not runt
                    and taken[-1] in SQUEEZABLE
                    and _cells(taken) - pairs / 2 - cells <= (1 + min(marks, 1)) / 2
                )
                fits.append(GridFit(line.text, line.page + 1, cells, forced, squeezed, squeezable, paired))
    return _mark_loosened(fits, printed)


def _mark_loosened(fits: list[GridFit], printed: Sequence[Printed]) -> list[GridFit]:
    """The fits with `loosened` set on the tail of each paragraph made a line longer.

    Such a tail is the run of lines just before a paragraph's last line that each miss
    their cells by one or two (half a cell more or less where marks are compressed or a
    break rule moves a cluster), the paragraph's last line holding two characters or more.
    A line of the tail holding Latin letters or digits (not a fit) is measured by its
    cells, letters and digits at half a cell.
    """
    by_text = {(fit.page, fit.text): index for index, fit in enumerate(fits)}
    marked = list(fits)
    for item in printed:
        if "\n" in item.block.text:
            continue
        tail = []
        for line in reversed(item.lines[:-1]):
            index = by_text.get((line.page + 1, line.text))
            if index is None:
                if all(is_wide(c) for c in line.text):
                    break
                cells = GEOMETRY.chars_per_line - 2 * item.block.inset - (2 if line is item.lines[0] else 0)
                chars = [c["text"] for c in line.chars if c["size"] >= SMALL]
                if not 0.5 <= cells - _cells("".join(chars)) <= 2.5:
                    break
                continue
            fit = fits[index]
            short = fit.cells - fit.used
            if fit.full or not 0.5 <= short <= 2.5:
                break
            tail.append(index)
        if tail and len(item.lines[-1].text.rstrip(LINE_START_FORBIDDEN)) >= 2:
            for index in tail:
                marked[index] = replace(fits[index], loosened=True)
    return marked


def runts(printed: Sequence[Printed]) -> list[str]:
    """Blocks of two lines or more whose last line holds one character (and its punctuation)."""
    return [
        f"p{item.lines[-1].page + 1}: {item.lines[-2].text} / {item.lines[-1].text}"
        for item in printed
        if len(item.lines) > 1 and _is_runt(item.lines[-1].text)
    ]


@dataclass(frozen=True)
class PageFill:
    """A page that ends inside a paragraph: how many body lines it holds and how many it may."""

    page: int
    lines: int
    allowed: tuple[int, ...]

    @property
    def ok(self) -> bool:
        """True when the page holds as many lines as the grid and the widow rule allow."""
        return self.lines in self.allowed


def page_fills(pages: Sequence[Sequence[Line]], printed: Sequence[Printed]) -> list[PageFill]:
    """Pages of running text only (no footnotes, tables) that end inside a block.

    Such a page must hold the grid's 22 lines, or 21 when the widow rule (two lines
    at least at the top of the next page) made it give one line to the next page.
    """
    block_of = {id(line): item for item in printed for line in item.lines}
    fills = []
    for index, lines in enumerate(pages[:-1]):
        body = body_lines([lines])
        others = [line for line in lines if line not in body and TOP <= line.baseline <= BOTTOM]
        if not body or others or index == 0:
            continue
        last = body[-1]
        item = block_of.get(id(last))
        if item is None or last is item.lines[-1]:
            continue
        after = [line for line in item.lines if line.page > last.page]
        full = GEOMETRY.lines_per_page
        fills.append(PageFill(index + 1, len(body), (full - 1, full) if len(after) == 2 else (full,)))
    return fills


def figure_pages(path: Path) -> set[int]:
    """Indexes of the pages that hold an image."""
    with pdfplumber.open(path) as pdf:
        return {index for index, page in enumerate(pdf.pages) if page.images}


def off_grid(pages: Sequence[Sequence[Line]], skip: set[int] = frozenset(), tolerance: float = 0.2) -> list[str]:
    """Body lines whose baseline is not a whole number of line pitches below the page's first.

    Page 1 (the front) and pages in `skip` or holding a table or footnotes are left out:
    their blocks have heights of their own.
    """
    bad = []
    for index, lines in enumerate(pages[1:], start=2):
        body = body_lines([lines])
        if index - 1 in skip or any(line not in body and TOP <= line.baseline <= BOTTOM for line in lines):
            continue
        for line in body:
            steps = (line.baseline - body[0].baseline) / GEOMETRY.line_pitch
            if abs(steps - round(steps)) * GEOMETRY.line_pitch > tolerance:
                bad.append(f"p{index}: {line.text[:10]} at {line.baseline:.2f}")
    return bad


#: a Latin word or a number, with the marks inside it (1.5, 3.2%, 1,862.4, COVID-19)
LATIN_RUN = re.compile(r"[0-9A-Za-z\u00c0-\u024f]+(?:[.,:/'\-][0-9A-Za-z\u00c0-\u024f]+)*%?")
#: the grid tracking the stylesheet gives body text: 28 glyphs in the type area, 27 gaps
GRID_TRACKING = -math.ceil((GEOMETRY.chars_per_line * BODY_SIZE - GEOMETRY.type_width) / (GEOMETRY.chars_per_line - 1) * 1000) / 1000


#: the widest gap justification opens between glyphs outside Latin runs: a wider one reads
#: as a word space to text extraction (pdftotext), so a line looser than that spaces its runs too
WIDEST_GAP = 0.09 * BODY_SIZE


@dataclass(frozen=True)
class SpacedRun:
    """A Latin word or number printed with spacing between its glyphs other than the grid tracking."""

    text: str
    page: int
    #: the largest difference between a gap inside the run and the grid tracking, pt
    excess: float
    #: the median gap between the line's glyphs outside Latin runs, pt
    line_gap: float

    @property
    def loose(self) -> bool:
        """True when the run sits on a line whose other gaps are as wide as justification opens
        them, and its own gaps are no wider than those."""
        return self.line_gap >= WIDEST_GAP - 0.1 and GRID_TRACKING + self.excess <= self.line_gap + 0.05


def latin_runs(printed: Sequence[Printed], tolerance: float = 0.03) -> tuple[int, list[SpacedRun]]:
    """How many Latin words and numbers of two glyphs or more the blocks print, and those letter-spaced.

    The gap between two glyphs of a run (the next glyph's start minus the end of this
    one's advance) must be the grid tracking, as in unjustified text, within `tolerance`.
    Raised footnote calls are not part of a run.
    """
    count, spaced = 0, []
    for item in printed:
        for line in item.lines:
            chars = [c for c in line.chars if c["size"] >= SMALL]
            text = "".join(c["text"] for c in chars)
            runs = [run for run in LATIN_RUN.finditer(text) if run.end() - run.start() > 1]
            inside = {index for run in runs for index in range(run.start(), run.end() - 1)}
            others = sorted(
                b["x0"] - a["x1"] for index, (a, b) in enumerate(zip(chars, chars[1:])) if index not in inside
            )
            for run in runs:
                count += 1
                glyphs = chars[run.start() : run.end()]
                excess = max(abs(b["x0"] - a["x1"] - GRID_TRACKING) for a, b in zip(glyphs, glyphs[1:]))
                if excess > tolerance:
                    line_gap = others[len(others) // 2] if others else GRID_TRACKING
                    spaced.append(SpacedRun(run.group(), line.page + 1, excess, line_gap))
    return count, spaced
