"""Part of the PDF stage: full pages — paragraphs made a line longer (伸行) or shorter (缩行) so pages end on the grid.

WeasyPrint keeps two lines of a paragraph together at a page's foot and head
(`orphans`/`widows: 2`) and a heading off the foot by moving lines to the next page,
which leaves grid lines empty at the foot. A compositor changes the line count of a
paragraph near the break instead: one is made a line longer (its last lines hold a
cell or two less, the slack spread between their characters) or a line shorter (its
last lines set some of their closing marks at half width and take up the short last
line).

`render_full_pages` lays the issue out, reads from the layout each page's blocks and
their lines (`read_layout`), and for the first page with empty lines at its foot (but
the last of the running text) finds the cheapest set of at most three such changes,
among the blocks of that page and the first of the next, that fills it: a model of a
paragraph's lines (`set_lines`) says which paragraphs can change, and a model of
WeasyPrint's page breaking (`Window.fill`) places the blocks with their new line
counts. The issue is laid out again with the changes; the layout is kept when its
pages are better in order and every change took, otherwise the changes are dropped and
a change that did not take is not tried again. The line split does the work
(`justify.Justification.split_first_line`, from the `data-loosen` and `data-tighten`
attributes put on the paragraphs). What no change could fill is reported to the editor
(`LayoutNote`). See docs/typesetting.md, "Full pages".
"""
from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from typing import Any, Iterator, NamedTuple

from weasyprint.formatting_structure import boxes

from bulletin.render.justify import (
    BLOCKS,
    LATIN_RUN,
    LOOSEN,
    SQUEEZABLE,
    TIGHTEN,
    WIDEST,
    block_text,
    can_break_between,
    cells,
    compressed_pairs,
    is_runt,
    text_boxes,
    tracking,
)
from bulletin.typography import LINE_START_FORBIDDEN, is_cjk

#: at most this many cells a loosened line gives up: two spread over a line of pure Han
#: text open its gaps by 0.08 em, within the 0.09 em text extraction allows
MOST_LOOSENED = 2
#: at most this many closing marks of a tightened line are set at half width, besides
#: the pairs that always are: a line gives up at most two cells
MOST_SQUEEZED = 4
#: how many times an issue is laid out again to fill its pages
MOST_PASSES = 6
#: at most this many changed paragraphs fill one page
MOST_CHANGES = 3
#: how many blocks of the next page a page may take lines from
LOOKAHEAD = 4


class Line(NamedTuple):
    """A line of a block: where it stands, its text and how many cells its measure holds."""

    page: int
    slot: int  # grid lines below the page's first line of running text
    text: str
    measure: float  # cells from where the line's text starts to the end of the measure
    widest: float = 0.0  # the widest gap justification may open, in cells
    call: bool = False  # holds a note's call
    track: float = 0.0  # the text's tracking, in ems


class PageLine(NamedTuple):
    """A line as found on a page: the running text's block (None for anything else), text, bottom, height, measure."""

    element: Any
    text: str
    bottom: float
    height: float
    measure: float = 0.0
    widest: float = 0.0
    note: bool = False  # the page's note area (its top as `bottom`)
    call: bool = False  # the line holds a note's call
    track: float = 0.0


@dataclass
class Block:
    """A paragraph or heading of the running text, as laid out: its lines, by page."""

    element: Any
    heading: bool
    lines: list[Line] = field(default_factory=list)

    @property
    def notes(self) -> bool:
        """True when a line of the block calls a note: moving that line moves its note too."""
        return any(line.call for line in self.lines)

    @property
    def first_page(self) -> int:
        return self.lines[0][0]

    def on(self, page: int) -> int:
        return sum(1 for line in self.lines if line.page == page)

    def gap_before(self, page: int, previous: Block | None) -> int:
        """Empty grid slots between the previous block's last line and this block's first, on one page."""
        first = self.lines[0]
        if previous is None or first.page != page or previous.lines[-1].page != page:
            return 0
        return max(0, first.slot - previous.lines[-1].slot - 1)


@dataclass(frozen=True)
class Change:
    """A paragraph made a line longer (+1) or shorter (-1): where the changed lines start, the amount, the cost."""

    block: int  # index in the blocks
    lines: int  # +1 or -1
    start: int  # offset in the block's text (white space left out) of the first changed line
    amount: int  # cells a loosened line gives up, or marks a tightened line may squeeze
    cost: float  # cells of spacing changed

    def attribute(self) -> tuple[str, str]:
        return (LOOSEN if self.lines > 0 else TIGHTEN), f"{self.start}:{self.amount}"


@dataclass
class Page:
    """A page of running text: its capacity in grid lines and what it holds."""

    index: int
    capacity: int  # grid lines from the page's first running line to the type area's foot (or its notes)
    used: int  # grid lines down to its last line
    plain: bool  # running text only (and notes called on the page): no table or figure below its first line


@dataclass
class Layout:
    """What `render_full_pages` reads from a laid-out issue."""

    blocks: list[Block]
    pages: list[Page]
    last: int  # the last page holding running text

    def holes(self) -> dict[int, int]:
        """Pages (but the last of the running text) of running text only with empty grid lines at the foot."""
        return {
            page.index: page.capacity - page.used
            for page in self.pages
            if page.index < self.last and page.plain and page.capacity > page.used
        }

    def score(self) -> tuple[tuple[int, ...], int]:
        """Per page in order, the empty grid lines the rules do not allow; then the pages one line short before a heading.

        Lower is better; the first part is compared as a sequence, so a layout that puts
        its first short page later wins: a compositor fills the pages in order, and a
        change that fills one page may leave a later one short for the next pass.
        """
        holes = self.holes()
        allowed = {index for index, empty in holes.items() if empty == 1 and self.next_is_heading(index)}
        short = tuple(
            0 if page.index in allowed else holes.get(page.index, 0) for page in self.pages[: self.last]
        )
        return short, len(allowed)

    def next_is_heading(self, index: int) -> bool:
        following = [block for block in self.blocks if block.first_page == index + 1]
        return bool(following) and following[0].heading and not any(
            block.on(index + 1) and block.first_page <= index for block in self.blocks
        )


def read_layout(document: Any, running: frozenset[Any]) -> Layout:
    """The running text's blocks and the pages' fill, from WeasyPrint's boxes.

    Anything else met once the running text has begun (a note, a table, a figure, the
    colophon) is a block without an element: nothing moves across it.
    """
    blocks: dict[Any, Block] = {}
    order: list[Block] = []
    pages = []
    last = 0
    for index, page in enumerate(document.pages):
        box = page._page_box  # pyright: ignore[reportPrivateUsage]
        foot = box.content_box_y() + box.height
        found = list(_page_lines(box, running))
        notes = [item for item in found if item.note]
        found = [item for item in found if not item.note]
        lines = [item for item in found if item[0] is not None]
        if not lines:
            if order:
                order.extend(Block(None, False, [Line(index, 0, line.text, 0.0)]) for line in found)
            pages.append(Page(index, 0, 0, False))
            continue
        last = index
        pitch = lines[0].height
        top = lines[0].bottom
        # a note, table, figure or other text below the running text's first line, or lines off the pitch
        plain = all(item.element is not None for item in found[found.index(lines[0]):])
        plain = plain and all(abs(line.height - pitch) <= 0.5 for line in lines)
        for element, text, bottom, _, measure, widest, _, call, track in found:
            slot = round((bottom - top) / pitch) if math.isfinite(bottom) else 0
            if element is None:
                if order:
                    order.append(Block(None, False, [Line(index, slot, text, measure, widest)]))
                continue
            block = blocks.get(element)
            if block is None:
                block = blocks[element] = Block(element, element.tag in ("h2", "h3", "h4", "h5", "h6"))
                order.append(block)
            block.lines.append(Line(index, slot, text, measure, widest, call, track))
        used = round((lines[-1].bottom - top) / pitch) + 1
        # the running text ends above the notes' area, whose top is its margin's
        floor = min([foot, *(note.bottom for note in notes)])
        capacity = used + max(0, int((floor - lines[-1].bottom + 0.5) // pitch))
        pages.append(Page(index, capacity, used, plain))
    return Layout(order, pages, last)


def calls(line: Any) -> set[Any]:
    """The text boxes of the note calls on a line (the call's number is not the block's text)."""
    return {
        leaf for inside in line.descendants() if getattr(inside, "footnote", None) is not None
        for leaf in text_boxes(inside)
    }


def _page_lines(page_box: Any, running: frozenset[Any]) -> Iterator[PageLine]:
    """The page's lines in order."""

    def walk(box: Any, right: float) -> Iterator[PageLine]:
        if isinstance(box, boxes.MarginBox) or box.is_absolutely_positioned():
            return
        if box.element is not None and "colophon-space" in (box.element.get("class") or "").split():
            yield PageLine(None, "", box.position_y + box.margin_height(), 0.0)  # the colophon's room
            return
        if isinstance(box, boxes.FootnoteAreaBox):
            if box.children:
                yield PageLine(None, "", box.position_y, 0.0, note=True)
            return
        if isinstance(box, boxes.LineBox):
            element = box.element
            if any(isinstance(inside, boxes.ReplacedBox) for inside in box.descendants()):
                yield PageLine(None, "", box.position_y + box.height, 0.0)  # an image set in a line: a figure
                return
            numbers = calls(box)
            texts = [t for t in text_boxes(box) if t not in numbers]
            text = "".join(t.text for t in texts)
            if not texts or not text.strip():
                return
            # the measure: from where the line's text starts (after an indent) to its block's right edge
            size = box.style["font_size"]
            cell = size + tracking(box.style)
            # a note's call takes room on the line but is not the block's text
            taken = sum(number.width for number in numbers)
            measure = (right - texts[0].position_x - taken) / cell if cell > 0 else 0.0
            widest = (WIDEST * size - tracking(box.style)) / cell if cell > 0 else 0.0
            bottom = box.position_y + box.height
            call = any(getattr(inside, "footnote", None) is not None for inside in box.descendants())
            track = tracking(box.style) / size if size else 0.0
            yield PageLine(element if element in running else None, text, bottom, box.height, measure, widest, call=call, track=track)
            return
        if isinstance(box, (boxes.ReplacedBox, boxes.TableBox)):
            yield PageLine(None, "", box.position_y + box.margin_height(), 0.0)
            return
        if isinstance(box, boxes.BlockContainerBox):
            right = box.content_box_x() + box.width
        for child in getattr(box, "children", ()):
            yield from walk(child, right)

    yield from walk(page_box, 0.0)


def running_elements(root: Any) -> frozenset[Any]:
    """The paragraphs and headings of the body and the editor's note (not the front, title or colophon)."""
    found: set[Any] = set()
    for parent in root.iter():
        if (parent.tag, parent.get("class")) in (("main", "body"), ("section", "editor-note")):
            found.update(element for element in parent.iter() if element.tag in BLOCKS)
    return frozenset(found)


# ---------------------------------------------------------------- the changes a paragraph can take


#: advances of Latin characters in the house faces, in ems (a serif's: digits half an em)
_LATIN = {**{digit: 0.5 for digit in "0123456789"}, **{mark: 0.28 for mark in ".,:;'/ "}, "%": 0.83, "-": 0.33}


def _advance(char: str, track: float) -> float:
    """The cells a character takes in the model, its tracking (`track` ems) included: a Han character or full-width mark one."""
    if is_cjk(char) or char in "“”‘’":
        return 1.0
    return (_LATIN.get(char, 0.7 if char.isupper() else 0.5) + track) / (1 + track)


def _fit(
    text: str, start: int, measure: float, squeeze: int, pairs: set[int], track: float, end_squeeze: int = 2
) -> tuple[int, float]:
    """Where a line of `text` from `start` ends on a grid of cells, and the cells it takes (`set_lines`).

    Up to `squeeze` closing marks of the line at half width, and `end_squeeze` more to
    keep a mark that may not start the next line.
    """
    width = taken = 0.0
    marks = 0
    chosen = None
    for end in range(start + 1, len(text) + 1):
        char = text[end - 1]
        width += _advance(char, track)
        if end - 1 in pairs:
            width -= 0.5
        if char in SQUEEZABLE and end - 1 not in pairs:
            marks += 1
        allowed = squeeze + (end_squeeze if char in LINE_START_FORBIDDEN else 0)
        set_width = width - 0.5 * min(marks, allowed)
        if set_width > measure + 0.01:
            break
        if end == len(text) or (text[end] not in LINE_START_FORBIDDEN and can_break_between(char, text[end])):
            chosen, taken = end, set_width
    return (chosen, taken) if chosen is not None else (start + 1, measure)


def _end(text: str, start: int, measure: float, squeeze: int, pairs: set[int], track: float) -> tuple[int, float]:
    """`_fit`, and a last line of one character taken up (two more marks at half width) or given a second."""
    end, taken = _fit(text, start, measure, squeeze, pairs, track)
    if end < len(text) and is_runt(text[end:]):
        whole, width = _fit(text, start, measure, squeeze + 2, pairs, track, end_squeeze=0)
        if whole == len(text):
            return whole, width
        back = next((at for at in range(end - 1, start, -1) if can_break_between(text[at - 1], text[at])), end)
        taken -= sum(_advance(char, track) - (0.5 if at in pairs else 0.0) for at, char in enumerate(text[back:end], start=back))
        end = back
    return end, taken


def set_lines(
    text: str, measures: list[float], squeeze: int = 0, narrower: int = 0, widest: float = 0.1, track: float = 0.0
) -> list[str]:
    """How many lines `text` takes, set on a grid of cells: the model the changes are planned with.

    Line `i` holds `measures[i]` cells (the last measure for the lines after); a Han
    character or full-width mark takes a cell, a Latin letter or digit half, the first
    mark of a compressed pair half. A line breaks where clreq allows, as late as fits;
    it may set up to two closing marks at half width to keep a mark that may not start
    the next line, and up to `squeeze` more to take more characters. With `narrower`, a
    line is set that many cells (or fewer) short of its measure when its slack, spread
    over its gaps outside Latin runs, stays within `widest` cells a gap, as the line
    split does (`justify.Justification.split_first_line`). A last line of one character
    is taken up by the line before when two more of its marks at half width make room,
    else it gets that line's last character too. `track`: the text's tracking, in ems.
    """
    pairs = set(compressed_pairs(text))
    lines: list[str] = []
    start = 0
    while start < len(text):
        measure = measures[min(len(lines), len(measures) - 1)]
        end, _ = _end(text, start, measure, squeeze, pairs, track)
        for fewer in range(narrower, 0, -1):
            short, taken = _end(text, start, measure - fewer, squeeze, pairs, track)
            if short == len(text):
                end = short
                break
            head = text[start:short]
            latin = [run.end() - run.start() for run in LATIN_RUN.finditer(head) if run.end() - run.start() > 1]
            gaps = len(head) - sum(latin) + len(latin) - 1
            if gaps > 0 and (measure - taken) / gaps <= widest - 0.005:
                end = short
                break
        lines.append(text[start:end])
        start = end
    return lines


def lengthening(block: Block, index: int) -> Change | None:
    """The cheapest way to make a paragraph a line longer, or None.

    A loosened line holds `cells` cells less (one or two), its slack spread between its
    characters: the last `need` lines before the paragraph's last give it that much more
    and it breaks into one more line (`set_lines` decides, where it breaks the lines as
    the layout did). The cost is the slack added, need × cells; a line is loosened
    only if its gaps outside Latin runs stay within the 0.09 em text extraction allows
    (ten such gaps a cell), and never a line that holds a note's call.
    """
    lines = block.lines
    for amount in range(1, MOST_LOOSENED + 1):
        for need in range(1, len(lines)):
            rest = lines[-1 - need :]
            loosened = [line.text.strip() for line in rest[:-1]]
            if any(len(text) - len("".join(LATIN_RUN.findall(text))) < 10 * amount for text in loosened):
                break
            if any(line.call for line in rest[:-1]):
                break  # a gap opened before a note's small raised number reads as a space to text extraction
            text, measures = _modelled(rest)
            if not text:
                break
            if len(set_lines(text, measures, narrower=amount, widest=rest[0].widest, track=rest[0].track)) > len(rest):
                return Change(index, +1, _offset(block, rest), amount, float(need * amount))
    return None


def shortening(block: Block, index: int) -> Change | None:
    """The cheapest way to make a paragraph a line shorter, or None.

    Its last `need` lines before the last set up to `MOST_SQUEEZED` more of their
    closing marks at half width each (besides a pair's first mark and the marks the line
    end squeezes) and take up the last line (`set_lines` decides, where it breaks the
    lines as the layout did). The cost is the last line's cells, taken in.
    """
    lines = block.lines
    last = cells(lines[-1].text.strip())
    for need in range(1, len(lines)):
        rest = lines[-1 - need :]
        text, measures = _modelled(rest)
        if not text:
            break
        if len(set_lines(text, measures, squeeze=MOST_SQUEEZED, track=rest[0].track)) < len(rest):
            return Change(index, -1, _offset(block, rest), MOST_SQUEEZED, last)
    return None


def _modelled(rest: list[Line]) -> tuple[str, list[float]]:
    """The text of the lines `rest` and their measures, or "" when the model does not set them as they are."""
    text = "".join("".join(line.text for line in rest).split())
    measures = [line.measure for line in rest]
    if set_lines(text, measures, track=rest[0].track) != ["".join(line.text.split()) for line in rest]:
        return "", measures
    return text, measures


def _offset(block: Block, rest: list[Line]) -> int:
    """Where the lines `rest` (the block's last) start in its text, white space left out."""
    return len(block_text(block.element)) - len("".join("".join(line.text for line in rest).split()))


# ---------------------------------------------------------------- one page


@dataclass
class Window:
    """A page and the blocks that may end up on it: what it starts with, then the blocks in order."""

    capacity: int
    carried: int  # lines at the page's top of a block begun on an earlier page
    blocks: list[int]  # indexes into the blocks
    heading: list[bool]
    gaps: list[int]
    #: for a block that calls notes, how many of its lines the page must keep (its calls on the page)
    #: and may keep (not those on the next page): a call that moves takes its note along
    calls: list[tuple[int, int]]

    def fill(self, counts: list[int]) -> tuple[int, bool]:
        """Grid lines used on the page when its blocks have `counts` lines, and whether a heading starts the next.

        WeasyPrint's rules: a paragraph that does not fit is split when at least two of
        its lines stay and two go (the page keeps as many as fit, up to all but two),
        else it goes whole to the next page; a heading goes with the first lines of what
        follows it.
        """
        used = self.carried
        for at, count in enumerate(counts):
            gap = self.gaps[at] if used else 0
            room = self.capacity - used - gap
            if self.heading[at]:
                if count + self._lead(counts, at + 1) <= room:
                    used += gap + count
                    continue
                return used, True
            kept = count if count <= room else min(room, count - 2) if min(room, count - 2) >= 2 else 0
            least, most = self.calls[at]
            if not least <= kept <= most:
                return -1, False  # a note's call would move to another page, and the note with it
            if kept == count:
                used += gap + count
                continue
            return (used + gap + kept if kept else used), False
        return used, False

    def _lead(self, counts: list[int], at: int) -> int:
        """The lines the block at `at` needs at a page's foot to start there (two after the window)."""
        if at >= len(counts):
            return 2
        if self.heading[at]:
            return counts[at] + self._lead(counts, at + 1)
        return counts[at] if counts[at] < 4 else 2


def window(layout: Layout, page: Page) -> Window | None:
    """The page's window, or None when the page has no block of its own or holds what the model does not place.

    The blocks that start on the page, then up to `LOOKAHEAD` of the next page's (more
    while the last is a heading); the window stops at anything that is not running text
    A block that calls a note keeps its calls on the pages they are on (`Window.calls`).
    """
    blocks = layout.blocks
    carried = sum(block.on(page.index) for block in blocks if block.element is not None and block.first_page < page.index)
    chosen: list[int] = []
    ahead = 0
    for at, block in enumerate(blocks):
        if block.first_page < page.index:
            continue
        if block.element is None and not chosen and block.first_page == page.index:
            continue  # a table or figure above the page's running text
        if block.first_page == page.index and block.element is None:
            return None  # the page holds what the model does not place
        if block.element is None or block.first_page > page.index + 1:
            break
        if block.first_page == page.index + 1:
            if ahead >= LOOKAHEAD and not blocks[chosen[-1]].heading:
                break
            ahead += 1
        chosen.append(at)
    if not chosen:
        return None
    gaps = [blocks[at].gap_before(blocks[at].first_page, blocks[at - 1] if at else None) for at in chosen]
    calls = []
    for at in chosen:
        here = [number for number, line in enumerate(blocks[at].lines) if line.call and line.page <= page.index]
        later = [number for number, line in enumerate(blocks[at].lines) if line.call and line.page > page.index]
        calls.append((max(here) + 1 if here else 0, min(later) if later else len(blocks[at].lines) + 1))
    return Window(page.capacity, carried, chosen, [blocks[at].heading for at in chosen], gaps, calls)


def plan(layout: Layout, page: Page, refused: set[Change]) -> list[Change]:
    """The cheapest changes (at most `MOST_CHANGES`) that leave `page` full, or one line short before a heading.

    Ranked by (page still short otherwise, empty lines, cost); an empty list when none
    does better than the page as it is, or the model does not reproduce the layout.
    """
    frame = window(layout, page)
    if frame is None:
        return []
    counts = [len(layout.blocks[at].lines) for at in frame.blocks]
    used, _ = frame.fill(counts)
    if used != page.used:
        return []  # the page breaks otherwise than the model says: leave it

    def rank(used: int, heading_next: bool, cost: float) -> tuple[bool, int, float]:
        empty = page.capacity - used
        return (empty > 1 or (empty == 1 and not heading_next)), empty, cost

    options: list[Change] = []
    for at in frame.blocks:
        block = layout.blocks[at]
        if block.heading or block.element.tag != "p":
            continue
        if block.element.get(LOOSEN) is not None or block.element.get(TIGHTEN) is not None:
            continue
        for change in (lengthening(block, at), shortening(block, at)):
            if change is not None and change not in refused:
                options.append(change)
    best = rank(used, layout.next_is_heading(page.index), 0.0)
    chosen: list[Change] = []
    for size in range(1, MOST_CHANGES + 1):
        for combination in itertools.combinations(options, size):
            if len({change.block for change in combination}) < size:
                continue
            changed = dict(zip(frame.blocks, counts))
            for change in combination:
                changed[change.block] += change.lines
            filled, heading_next = frame.fill([changed[at] for at in frame.blocks])
            if filled < 0:
                continue
            ranked = rank(filled, heading_next, sum(change.cost for change in combination))
            if ranked < best:
                best, chosen = ranked, list(combination)
    return chosen


# ---------------------------------------------------------------- the loop


@dataclass(frozen=True)
class LayoutNote:
    """What the layout could not set as the house wants, for the editor: a short page or a line that spaces its letters."""

    page: int  # from 1
    text: str  # the text of the block it concerns (white space left out), to find it in the issue file
    short: int = 0  # empty grid lines at the page's foot
    line: str = ""  # the line that spaces its Latin letters and digits


def render_full_pages(html: Any, justification: Any, **options: Any) -> Any:
    """`html.render(**options)`, its pages filled to the grid's last line by changing paragraphs' line counts.

    Within the Justification context `justification` only: it gets in `adjusted` every
    element inside a block made a line longer or shorter, mapped to that block, and in
    `notes` what the layout kept could not set as the house wants (`LayoutNote`).
    """
    adjusted = justification.adjusted

    def render() -> tuple[Any, list[tuple[Any, str]]]:
        justification.spaced = []
        return html.render(**options), justification.spaced

    document, spaced = render()
    running = running_elements(html.etree_element)
    layout = read_layout(document, running)
    refused: set[Change] = set()
    for _ in range(MOST_PASSES):
        changes: list[Change] = []
        for index in sorted(layout.holes()):
            changes = plan(layout, layout.pages[index], refused)
            if changes:
                break
        if not changes:
            break
        elements = [layout.blocks[change.block].element for change in changes]
        for change, element in zip(changes, elements):
            name, value = change.attribute()
            element.set(name, value)
            adjusted.update((inside, element) for inside in element.iter())
        candidate, candidate_spaced = render()
        found = read_layout(candidate, running)
        missed = _missed(layout, found, changes)
        if not missed and found.score() < layout.score():
            document, layout, spaced = candidate, found, candidate_spaced
            refused = set()
        else:
            for element in elements:
                element.attrib.pop(LOOSEN, None)
                element.attrib.pop(TIGHTEN, None)
                for inside in element.iter():
                    adjusted.pop(inside, None)
            # a change that did not take is not tried again; the others may be, without it
            refused.update(missed or changes)
    justification.notes = _notes(layout, spaced)
    return document


def _notes(layout: Layout, spaced: list[tuple[Any, str]]) -> list[LayoutNote]:
    """The pages left short otherwise than a line before a heading, and the lines that space their letters."""
    notes = []
    short, _ = layout.score()
    for index, empty in enumerate(short):
        if empty:
            last = [block for block in layout.blocks if block.element is not None and block.on(index)]
            if last:
                notes.append(LayoutNote(index + 1, block_text(last[-1].element), short=empty))
    pages = {
        (block.element, "".join(line.text.split())): line.page
        for block in layout.blocks if block.element is not None for line in block.lines
    }
    for element, text in spaced:
        page = pages.get((element, "".join(text.split())))
        if page is not None and element is not None:
            notes.append(LayoutNote(page + 1, block_text(element), line=text.strip()))
    return sorted(set(notes), key=lambda note: (note.page, note.line))


def _missed(before: Layout, after: Layout, changes: list[Change]) -> list[Change]:
    """The changes that did not give their block the planned line count, or left it a last line of one character.

    A break rule can move a cluster such as “实”…… to a new last line on its own: a block
    made a line longer must not end on one character, marks not counted. A change that
    did not take would only space or squeeze its lines for nothing.
    """
    lines = {block.element: block.lines for block in after.blocks}
    missed = []
    for change in changes:
        block = before.blocks[change.block]
        found = lines.get(block.element, [])
        if len(found) != len(block.lines) + change.lines or sum(char.isalnum() for char in found[-1].text) < 2:
            missed.append(change)
    return missed
