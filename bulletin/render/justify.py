"""Part of the PDF stage: a layout extension of WeasyPrint — Chinese line breaking (clreq) and justification.

WeasyPrint (tested with 70.0, pinned) justifies a line by widening spaces only, so
Chinese text stays ragged. the extension wraps its `text_align` so that a justified line
holding Chinese text spreads its slack over every gap between characters, as letter
spacing written into each text box's own style: the text is drawn from that style,
so the spacing survives until the page is painted, and no character is inserted.
A Latin word or a number is cut into a box of its own that keeps its tracking: the
slack goes between Han characters and at the run's ends, not inside AI or 3.2%.

Line breaks come from Pango (UAX #14), which never breaks next to a quotation mark
and may start a line with a dash. The extension also wraps the first-line split so
that a line ends at the last break the clreq rules allow within the measure, and a
text never ends with one character alone on its last line.

The extension is a context: every WeasyPrint render runs inside `with Justification():`,
which patches WeasyPrint on entry and puts back what it found on exit, and keeps the
state of the render (the text box being split, the marks squeezed in its line) in the
object. A render outside it is set by WeasyPrint as shipped, and what one render leaves
behind cannot change the next: the same inputs give the same bytes whatever the
process rendered before.
"""
from __future__ import annotations

import math
import re
from typing import Any

import weasyprint
from weasyprint.formatting_structure import boxes
from weasyprint.layout import block as block_layout
from weasyprint.layout import inline
from weasyprint.text.line_break import create_layout

from bulletin.errors import ConfigError
from bulletin.typography import LINE_END_FORBIDDEN, LINE_START_FORBIDDEN, is_cjk

#: the WeasyPrint release this extension was written against; others are refused
TESTED_WITH = "70.0"

_original_text_align = inline.text_align
_original_split_first_line = inline.split_first_line
_original_can_break_text = inline.can_break_text
_original_split_text_box = inline.split_text_box
_original_find_earlier_page_break = block_layout.find_earlier_page_break

#: elements whose last line the single-character rule applies to
BLOCKS = frozenset({"p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "figcaption", "dd"})

#: half-width marks that must not start or end a line either
_NO_START = LINE_START_FORBIDDEN + ",.;:!?)]}%"
_NO_END = LINE_END_FORBIDDEN + "([{"
#: how many characters past Pango's break a line may still take
_REACH = 12
#: full-width closing marks whose ink lies in the left half of the cell in every house
#: face (？ is centred): set at half width, the blank half is given up (clreq 标点挤压)
SQUEEZABLE = "，。、；：！”’）》」』】〕"
#: at most this many marks of a line are squeezed to keep its last character
_MOST_SQUEEZED = 2
#: full-width opening marks: their ink lies in the right half of the cell
OPENING = "“‘（《「『【〔"


def compressed_pairs(text: str) -> tuple[int, ...]:
    """Indexes of the marks set at half width because the next character is a mark too (clreq).

    Two adjacent marks whose blank halves meet or whose ink would stand a cell apart
    keep half an em between them: a closing mark followed by any mark (`”，` `）。`
    `》、` `，“`) and an opening mark followed by an opening one (`“《`) give up the
    first mark's blank half. A centred mark (？ ·) keeps its width.
    """
    return tuple(
        at for at in range(len(text) - 1)
        if (text[at] in SQUEEZABLE and text[at + 1] in SQUEEZABLE + OPENING)
        or (text[at] in OPENING and text[at + 1] in OPENING)
    )


def can_break_between(before: str, after: str) -> bool:
    """True when clreq allows a line break between the two characters."""
    if after in _NO_START or before in _NO_END:
        return False
    if before.isspace() or after.isspace():
        return True
    # inside a Latin word or a number such as 1.62 or 40.2
    return is_cjk(before) or is_cjk(after)


def is_runt(rest: str) -> bool:
    """True for the end of a text that would leave one character (and its punctuation) alone."""
    rest = rest.strip()
    return len(rest.rstrip(_NO_START)) == 1 and is_cjk(rest[0])


def block_text(element: Any) -> str:
    """A block's text, white space left out; a note's text (floated to the foot) is not the block's."""
    return "".join("".join(piece for _, piece in _pieces(element)).split())


def _pieces(element: Any) -> Any:
    """The texts of `element` in order, each with the element it belongs to, a note's own text left out."""
    if "footnote" not in (element.get("class") or "").split():
        yield element, element.text or ""
        for child in element:
            yield from _pieces(child)
            yield element, child.tail or ""


def _ends_block_but_marks(block: Any, box: Any) -> bool:
    """True when only closing marks of other boxes follow the text box's text in `block` (`*以内*。`)."""
    if not box.text.strip():
        return False
    return block_text(block).rstrip(_NO_START).endswith("".join(box.text.split()).rstrip(_NO_START))


def _ends_block(box: Any) -> bool:
    """True when the text box holds the end of its paragraph or heading."""
    element = box.element
    if element is None or element.tag not in BLOCKS:
        return False
    return bool(box.text.strip()) and block_text(element).endswith("".join(box.text.split()))


class Justification:
    """The extension, active while the `with` block runs; the state of one render.

    Entering patches WeasyPrint's line layout (and refuses a WeasyPrint other than
    the tested one); leaving restores the functions found on entry, so contexts nest.
    One context serves one thread: the renders of a process run one after another.
    """

    def __init__(self) -> None:
        #: True while the text box being split ends its block, so its last line must not be a runt
        self.splitting_block_end = False
        #: True while only marks of other boxes follow the text box being split in its block
        #: (an emphasis before the full stop): its last line must not be a runt either
        self.splitting_before_marks = False
        #: the marks split_first_line squeezed in the line it returned: (line text, indexes)
        self.squeezed: tuple[str, tuple[int, ...]] = ("", ())
        #: the compressed pairs of the text being split (`compressed_pairs`)
        self.pairs: tuple[int, ...] = ()
        #: for the text box being split, when it lies in a block made a line longer: where
        #: the box's text ends in the block's, the offset from which its lines hold a cell
        #: or two less, and how many (`render`)
        self.loosen: tuple[int, int, int] | None = None
        #: for the text box being split, when it lies in a block made a line shorter: where
        #: the box's text ends in the block's, the offset from which its lines may squeeze
        #: more marks, and how many a line
        self.tighten: tuple[int, int, int] | None = None
        #: the blocks made a line longer or shorter, by each element inside them (`fill.render_full_pages`)
        self.adjusted: dict[Any, Any] = {}
        #: the justified lines of the render that spaced their Latin runs: (element, text)
        self.spaced: list[tuple[Any, str]] = []
        #: what the last `render` could not set as the house wants (`fill.LayoutNote`)
        self.notes: list[Any] = []
        self._saved: list[tuple[Any, str, Any]] = []

    def __enter__(self) -> Justification:
        if weasyprint.__version__ != TESTED_WITH:
            raise ConfigError(
                f"bulletin's line justification was tested with WeasyPrint {TESTED_WITH}, "
                f"not {weasyprint.__version__}; pin weasyprint=={TESTED_WITH}"
            )
        if self._saved:
            raise RuntimeError("a Justification context is entered once at a time")
        patches = {
            "text_align": self.text_align,
            "split_first_line": self.split_first_line,
            "can_break_text": can_break_text,
            "split_text_box": self.split_text_box,
        }
        self._saved = [(inline, name, getattr(inline, name)) for name in patches]
        self._saved.append((block_layout, "find_earlier_page_break", block_layout.find_earlier_page_break))
        for name, function in patches.items():
            setattr(inline, name, function)
        block_layout.find_earlier_page_break = find_earlier_page_break
        return self

    def render(self, html: Any, **options: Any) -> Any:
        """`html.render(**options)` with full pages (`fill.render_full_pages`); inside the context only."""
        if not self._saved:
            raise RuntimeError("Justification.render runs inside the context")
        from bulletin.render.fill import render_full_pages

        self.adjusted = {}
        self.spaced = []
        try:
            return render_full_pages(html, self, **options)
        finally:
            self.adjusted = {}
            self.spaced = []

    def __exit__(self, *exc: object) -> None:
        for module, name, function in self._saved:
            setattr(module, name, function)
        self._saved = []
        self.splitting_block_end = False
        self.squeezed = ("", ())

    def text_align(self, context: Any, line: Any, available_width: float, last: bool) -> float:
        """`text_align`, noting a line that spaces its Latin runs in `spaced`."""
        return text_align(context, line, available_width, last, self.spaced)

    def split_first_line(
        self,
        text: str,
        style: Any,
        context: Any,
        max_width: float | None,
        justification_spacing: float,
        is_line_start: bool = True,
        minimum: bool = False,
    ) -> tuple[Any, ...]:
        """WeasyPrint's `split_first_line`, breaking at the last break clreq allows, adjacent marks compressed.

        The line is measured as Pango sets it and then narrowed by half an em for each
        compressed pair it holds (`compressed_pairs`); the measure it was split at is
        widened by as much, until the two agree. A line of a paragraph made a line longer
        (`fill.render_full_pages`) is split at a measure one or two cells narrower; one of a
        paragraph made a line shorter may set a few more closing marks at half width to
        take more characters.
        """
        if self.tighten is not None and max_width is not None and not minimum:
            end, start, more = self.tighten
            if end - len("".join(text.split())) >= start:
                # 缩行: this line of a block made a line shorter takes what `more` of its
                # closing marks give up at half width
                return self._split_compressed(
                    text, style, context, max_width, justification_spacing, is_line_start, minimum, more
                )
        if self.loosen is not None and max_width is not None and not minimum:
            end, start, cells = self.loosen
            if end - len("".join(text.split())) >= start:
                # 伸行: this line of a block made a line longer holds a cell or two less, or
                # one less when the rules of line breaking (or half-width Latin letters and
                # digits) would leave it looser than its gaps can take
                cell = style["font_size"] + tracking(style)
                for fewer in range(cells, 0, -1):
                    looser = self._split_compressed(
                        text, style, context, max_width - fewer * cell, justification_spacing, is_line_start, minimum
                    )
                    if looser[2] is None or _spreads(text.encode()[: looser[2]].decode(), max_width - looser[3], style):
                        return looser
        return self._split_compressed(text, style, context, max_width, justification_spacing, is_line_start, minimum)

    def _split_compressed(
        self,
        text: str,
        style: Any,
        context: Any,
        max_width: float | None,
        justification_spacing: float,
        is_line_start: bool = True,
        minimum: bool = False,
        more: int = 0,
    ) -> tuple[Any, ...]:
        """The line split with adjacent marks compressed (`split_first_line`).

        With `more`, up to that many other closing marks of the line (the line's last
        first) are set at half width too, as many as the line needs to fit.
        """
        normal = style["white_space"] in ("normal", "pre-line")
        pairs = compressed_pairs(text) if normal else ()
        self.pairs = pairs
        more = more if normal else 0
        if (not pairs and not more) or minimum:
            return self._split_first_line(text, style, context, max_width, justification_spacing, is_line_start, minimum)
        half = style["font_size"] / 2

        def attempt(extra: float) -> tuple[tuple[Any, ...], tuple[str, tuple[int, ...]], int]:
            """The split at the measure widened by `extra`: result, squeezed marks, marks it may squeeze."""
            self.squeezed = ("", ())
            wider = None if max_width is None else max_width + extra
            layout, length, resume, width, height, baseline = self._split_first_line(
                text, style, context, wider, justification_spacing, is_line_start, minimum
            )
            head = text if resume is None else text.encode()[:resume].decode()
            squeezed = self.squeezed[1] if self.squeezed[0] == head else ()
            # a mark the line-end squeeze already set is not narrowed twice
            inside = [at for at in pairs if at + 1 < len(head) and at not in squeezed]
            width -= half * len(inside)
            extras: list[int] = []
            if more and max_width is not None:
                extras = [
                    at for at in range(len(head.rstrip()) - 1, -1, -1)
                    if head[at] in SQUEEZABLE and at not in pairs and at not in squeezed
                ][:more]
                needed = max(0, math.ceil((width - max_width - 0.01) / half))
                width -= half * min(needed, len(extras))
                taken = extras[:needed]
            else:
                taken = []
            state = (head, tuple(sorted({*squeezed, *inside, *taken})))
            return (layout, length, resume, width, height, baseline), state, len(inside) + len(extras)

        found, state, count = attempt(0.0)
        tried = {0}
        while max_width is not None and count not in tried:
            tried.add(count)
            wider, wider_state, wider_count = attempt(half * count)
            if wider[3] > max_width + 0.01:
                break
            found, state, count = wider, wider_state, wider_count
        self.squeezed = state
        return found

    def _split_first_line(
        self,
        text: str,
        style: Any,
        context: Any,
        max_width: float | None,
        justification_spacing: float,
        is_line_start: bool = True,
        minimum: bool = False,
    ) -> tuple[Any, ...]:
        """The line split of `split_first_line`, before adjacent marks are compressed."""

        def split(part: str) -> tuple[Any, ...]:
            found: tuple[Any, ...] = _original_split_first_line(
                part, style, context, max_width, justification_spacing, is_line_start, minimum
            )
            return found

        result = split(text)
        resume = result[2]
        if resume is None or max_width is None or minimum or style["white_space"] not in ("normal", "pre-line"):
            return result
        head = text.encode()[:resume].decode()
        if "\n" in head or not any(is_cjk(char) for char in text):
            return result
        pango_break = fitting = len(head)
        while fitting < min(len(text) - 1, pango_break + _REACH) and split(text[: fitting + 1])[2] is None:
            fitting += 1
        chosen = next((at for at in range(fitting, 0, -1) if can_break_between(text[at - 1], text[at])), pango_break)
        if (self.splitting_block_end or self.splitting_before_marks) and is_runt(text[chosen:]):
            if self.splitting_block_end:
                whole = self._take_all(text, style, context, max_width, justification_spacing, is_line_start)
                if whole is not None:
                    return whole
            # give the last line a second character rather than leave one alone
            chosen = next((at for at in range(chosen - 1, 0, -1) if can_break_between(text[at - 1], text[at])), chosen)
        if chosen != fitting and style["text_align_all"] == "justify":
            squeezed = self._squeeze(text, fitting, style, context, max_width, justification_spacing, is_line_start)
            if squeezed is not None:
                return squeezed
        if chosen == pango_break:
            return result
        better = split(text[:chosen])
        if better[2] is not None:
            return result
        layout, length, _, width, height, baseline = better
        return layout, length, len(text[:chosen].encode()), width, height, baseline

    def _take_all(
        self, text: str, style: Any, context: Any, max_width: float, justification_spacing: float, is_line_start: bool
    ) -> tuple[Any, ...] | None:
        """The block's whole rest as its last line, when marks at half width make it fit, or None.

        Rather than give the line's last character to a last line that would hold one
        alone (which leaves this line a cell short and, with Latin letters or digits on
        it, too loose to keep them unspaced), the last line's character and its marks
        come up: consecutive marks compressed, and at most `_MOST_SQUEEZED` more marks
        at half width, the paragraph's last one first.
        """
        if style["text_align_all"] != "justify" or "\n" in text:
            return None
        layout, length, resume, width, height, baseline = _original_split_first_line(
            text, style, context, None, justification_spacing, is_line_start
        )
        if resume is not None:
            return None
        half = style["font_size"] / 2
        body = text.rstrip()
        pairs = compressed_pairs(body)
        width -= half * len(pairs)
        marks = [at for at in range(len(body) - 1, -1, -1) if body[at] in SQUEEZABLE and at not in pairs]
        for count in range(_MOST_SQUEEZED + 1):
            if width - count * half <= max_width and count <= len(marks):
                self.squeezed = (text, tuple(sorted(marks[:count])))
                return layout, length, None, width - count * half + half * len(pairs), height, baseline
        return None

    def _squeeze(
        self,
        text: str,
        fitting: int,
        style: Any,
        context: Any,
        max_width: float,
        justification_spacing: float,
        is_line_start: bool,
    ) -> tuple[Any, ...] | None:
        """The first line taken past a forced break by setting marks at half width, or None.

        A rule forbids breaking after `text[:fitting]` (the next character may not start a
        line). Rather than give the line's last character to the next line, the line keeps
        it and the mark that follows, when that mark and at most one more of the line's
        marks (one followed by another mark first, else the nearest the end) can give up
        half their width. The line's box is that much narrower; `text_align` sets the marks.
        """
        # the end of the box is a break unless it ends the block (a last line is not justified)
        ends = [*range(fitting + 1, len(text)), *(() if self.splitting_block_end else (len(text),))]
        end = next((at for at in ends if at == len(text) or can_break_between(text[at - 1], text[at])), None)
        if end is None or text[end - 1] not in SQUEEZABLE:
            return None
        if self.splitting_block_end and is_runt(text[end:]):
            return None
        head = text[:end]
        layout, length, resume, width, height, baseline = _original_split_first_line(
            head, style, context, None, justification_spacing, is_line_start
        )
        if resume is not None:
            return None
        marks = [at for at in range(end - 2, -1, -1) if head[at] in SQUEEZABLE and at not in self.pairs]
        marks.sort(key=lambda at: head[at + 1] not in SQUEEZABLE + LINE_START_FORBIDDEN + LINE_END_FORBIDDEN)
        half = style["font_size"] / 2
        for count in range(1, _MOST_SQUEEZED + 1):
            if width - count * half <= max_width:
                chosen = tuple(sorted([end - 1, *marks[: count - 1]]))
                if len(chosen) < count:
                    return None
                self.squeezed = (head, chosen)
                resume = len(head.encode()) if end < len(text) else None
                return layout, length, resume, width - count * half, height, baseline
        return None

    def split_text_box(self, context: Any, box: Any, available_width: float | None, skip: int, is_line_start: bool = True) -> Any:
        """WeasyPrint's `split_text_box`, telling the line split whether this text ends its block."""
        self.splitting_block_end = _ends_block(box)
        block = self.adjusted.get(box.element)
        if block is None and box.element is not None and (box.element.get(LOOSEN) or box.element.get(TIGHTEN)):
            block = box.element
        self.splitting_before_marks = (
            not self.splitting_block_end and block is not None and _ends_block_but_marks(block, box)
        )
        self.squeezed = ("", ())
        self.loosen = self.tighten = None
        if block is not None:
            begin = _offset_in_block(block, box)
            if begin is not None:
                end = begin + len("".join(box.text.split()))
                if block.get(LOOSEN) is not None:
                    start, amount = block.get(LOOSEN).split(":")
                    self.loosen = (end, int(start), int(amount))
                if block.get(TIGHTEN) is not None:
                    start, amount = block.get(TIGHTEN).split(":")
                    self.tighten = (end, int(start), int(amount))
        try:
            new_box, resume, preserved = _original_split_text_box(context, box, available_width, skip, is_line_start)
            if new_box is not None:
                new_box.squeezed = self.squeezed[1] if self.squeezed[0] == new_box.text else ()
            return new_box, resume, preserved
        finally:
            self.splitting_block_end = False
            self.splitting_before_marks = False
            self.squeezed = ("", ())
            self.loosen = self.tighten = None


#: the attribute that makes a block a line longer (伸行): "start:cells", the offset in its
#: text (white space left out) from which its lines hold `cells` cells less
LOOSEN = "data-loosen"
#: the attribute that makes a block a line shorter (缩行): "start:marks", the offset in its
#: text from which its lines may set `marks` more closing marks at half width
TIGHTEN = "data-tighten"


def _offset_in_block(block: Any, box: Any) -> int | None:
    """Where the text box's text starts in its block's text (white space left out), or None if it is not the block's."""
    wanted = "".join(box.text.split())
    offset = 0
    for element, piece in _pieces(block):
        piece = "".join(piece.split())
        if element is box.element and piece == wanted:
            return offset
        offset += len(piece)
    return None


def _spreads(head: str, slack: float, style: Any) -> bool:
    """True when a justified line of text `head`, `slack` short of its measure, keeps its gaps within `WIDEST`.

    The slack goes between the characters outside Latin runs and after each run but the
    line's last (`justify_cjk`); a line looser than that would space its Latin runs.
    """
    head = head.rstrip()
    runs = [run for run in LATIN_RUN.finditer(head) if run.end() - run.start() > 1]
    gaps = len(head) - sum(run.end() - run.start() for run in runs) + len(runs) - 1
    return gaps > 0 and tracking(style) + slack / gaps <= WIDEST * style["font_size"]


def cells(text: str) -> float:
    """How many cells `text` takes: a Chinese character one, a Latin letter or digit half."""
    return sum(1 if is_cjk(char) else 0.5 for char in text)


def find_earlier_page_break(context: Any, children: Any, absolute_boxes: Any, fixed_boxes: Any) -> Any:
    """WeasyPrint's `find_earlier_page_break`, taking back the notes it moved on for content it takes off the page.

    To keep a paragraph's first two lines on a page, WeasyPrint moves the page's notes to
    the next page (`report_footnote`); when the paragraph then goes to the next page all
    the same (a heading may not end the page), the notes whose calls stay on the page
    stay on it too, as far as they fit under what the page keeps.
    """
    result = _original_find_earlier_page_break(context, children, absolute_boxes, fixed_boxes)
    if result is None or not context.reported_footnotes or not result[0]:
        return result
    bottom = max(child.position_y + child.margin_height() for child in result[0])
    for footnote in list(context.reported_footnotes):
        context.reported_footnotes.remove(footnote)
        context.current_page_footnotes.append(footnote)
        context._update_footnote_area()  # pyright: ignore[reportPrivateUsage]
        if context.overflows_page(0, bottom):
            context.report_footnote(footnote)
            break
    return result


def can_break_text(text: str, lang: Any) -> bool | None:
    """WeasyPrint's break test between two boxes, with the clreq rules next to Chinese text."""
    if len(text) == 2 and (is_cjk(text[0]) or is_cjk(text[1])):
        return can_break_between(text[0], text[1])
    found: bool | None = _original_can_break_text(text, lang)
    return found


def text_boxes(box: Any) -> list[Any]:
    """The line's text boxes in the order they are set."""
    if isinstance(box, boxes.TextBox):
        return [box]
    if isinstance(box, (boxes.LineBox, boxes.InlineBox)):
        return [leaf for child in box.children if child.is_in_normal_flow() for leaf in text_boxes(child)]
    return []


def tracking(style: Any) -> float:
    spacing = style["letter_spacing"]
    return 0.0 if spacing == "normal" else float(spacing)


def _content_right(line: Any) -> float:
    """Where the line's last box ends: a wrapped line's own width claims the full measure."""
    return float(max(
        (child.position_x + child.margin_width() for child in line.children if child.is_in_normal_flow()),
        default=line.position_x,
    ))


#: the widest gap, in ems, justification opens between characters outside Latin runs
#: before it spaces the runs too: text extraction takes a tenth of an em for a word space
WIDEST = 0.09
#: a Latin word or a number, with the marks inside it (1.5, 3.2%, 1,862.4, COVID-19)
LATIN_RUN = re.compile(r"[0-9A-Za-z\u00c0-\u024f]+(?:[.,:/'\-][0-9A-Za-z\u00c0-\u024f]+)*%?")


def _spread(context: Any, box: Any, extra: tuple[float, float], drawn: tuple[float, float], boundary: float, shift: float) -> float:
    """Add tracking to every character under `box`, moving it by `shift`; return the new shift.

    Characters outside Latin runs get `extra[0]`, those of Latin runs `extra[1]` (zero
    but on lines too loose for their other gaps). Boxes grow by `drawn` per character:
    what the PDF will show, which places the box after them where the page will need
    it. The gap after a Latin run, unless the run goes on in the next box or ends the
    line, widens by `boundary` more: the boxes after it are moved.
    """
    if isinstance(box, boxes.TextBox):
        box.position_x += shift
        if not box.text:
            return shift
        latin = getattr(box, "latin", None)
        add, grown = (extra[0], drawn[0]) if latin is None else (extra[1], drawn[1])
        if add:
            # boxes split from one element share a style object: give this one its own
            box.style = box.style.copy()
            box.style["letter_spacing"] = tracking(box.style) + add
            layout = create_layout(box.text, box.style, context, max_width=None, justification_spacing=0)
            layout.deactivate()
            box.pango_layout = layout
            box.width += grown * len(box.text)
        return shift + grown * len(box.text) + (boundary if latin else 0.0)
    if isinstance(box, (boxes.LineBox, boxes.InlineBox)):
        box.position_x += shift
        before = shift
        for child in box.children:
            if child.is_in_normal_flow():
                shift = _spread(context, child, extra, drawn, boundary, shift)
        box.width += shift - before
        return shift
    box.translate(shift, 0)
    return shift


def _latin_spans(line: Any, available_width: float) -> list[tuple[int, int]]:
    """Where the line's Latin words and numbers of two characters or more lie in its text.

    None on a line so loose that even spread over every gap its slack opens them wider
    than `WIDEST`: such a line is letter-spaced evenly, in as few boxes as it has.
    """
    texts = text_boxes(line)
    text = "".join(box.text for box in texts)
    if len(text) < 2:
        return []
    last_tracking = tracking(texts[-1].style)
    slack = line.position_x + available_width - (_content_right(line) - last_tracking)
    if last_tracking + slack / (len(text) - 1) > WIDEST * line.style["font_size"]:
        return []
    return [run.span() for run in LATIN_RUN.finditer(text) if run.end() - run.start() > 1]


def _split_boxes(context: Any, box: Any, spans: list[tuple[int, int]], offset: int = 0) -> int:
    """Cut the text boxes under `box` after each squeezed mark and around each Latin run; return the next offset.

    One box keeps one tracking for all its characters: a piece ending in a squeezed
    mark is half a mark narrower, so the next piece starts where the mark's blank half
    would have begun; a piece holding (part of) a Latin run gets `latin` set, True when
    the gap after it ends the run, and keeps its tracking when the line is justified.
    """
    if isinstance(box, boxes.TextBox):
        return offset + len(box.text)
    if not isinstance(box, (boxes.LineBox, boxes.InlineBox)):
        return offset
    children = []
    for child in box.children:
        if not isinstance(child, boxes.TextBox) or not child.is_in_normal_flow():
            offset = _split_boxes(context, child, spans, offset) if child.is_in_normal_flow() else offset
            children.append(child)
            continue
        size = len(child.text)
        marks = getattr(child, "squeezed", ())
        runs = [(max(start, offset) - offset, min(stop, offset + size) - offset, stop <= offset + size)
                for start, stop in spans if start < offset + size and stop > offset]
        if not marks and not runs:
            children.append(child)
            offset += size
            continue
        cut_set = {0, size, *(mark + 1 for mark in marks)}
        for start, stop, _ in runs:
            cut_set.update((start, stop))
        cuts = sorted(cut for cut in cut_set if 0 <= cut <= size)
        x = child.position_x
        for start, stop in zip(cuts, cuts[1:]):
            piece = child.copy_with_text(child.text[start:stop]) if (start, stop) != (0, size) else child
            piece.squeezed = ()
            run = next(((last, ends) for first, last, ends in runs if first <= start and stop <= last), None)
            piece.latin = None if run is None else run[1] and stop == run[0]
            if piece is not child or marks:
                natural = _original_split_first_line(
                    piece.text, child.style, context, None, child.justification_spacing
                )[3]
                piece.pango_layout = create_layout(piece.text, child.style, context, max_width=None, justification_spacing=0)
                piece.pango_layout.deactivate()
                piece.position_x = x
                piece.width = natural - (child.style["font_size"] / 2 if stop - 1 in marks else 0)
            x += piece.width
            children.append(piece)
        offset += size
    box.children = children
    return offset


def justify_cjk(context: Any, line: Any, available_width: float) -> bool:
    """Spread the line's slack between its characters, not inside Latin runs; False when it holds no Chinese text."""
    texts = text_boxes(line)
    if not texts or not any(is_cjk(char) for box in texts for char in box.text):
        return False
    # gaps that take tracking: after each character outside Latin runs, but the line's last
    spread = sum(len(box.text) for box in texts if getattr(box, "latin", None) is None)
    if getattr(texts[-1], "latin", None) is None:
        spread -= 1
    # gaps after a Latin run, but the line's last
    boundaries = sum(1 for box in texts[:-1] if getattr(box, "latin", None))
    if spread + boundaries < 1:
        return True
    # Pango drops the tracking after a line's last character, but WeasyPrint counts it in
    # the box width: the last glyph's visible end lies that far inside the box.
    last_tracking = tracking(texts[-1].style)
    visible_right = _content_right(line) - last_tracking
    slack = line.position_x + available_width - visible_right
    if slack <= 0:
        return True
    if texts[-1].text and getattr(texts[-1], "latin", None):
        texts[-1].latin = False  # nothing follows the line's last run
    base = tracking(next((box for box in texts if getattr(box, "latin", None) is None), texts[-1]).style)
    size = line.style["font_size"]
    # gaps inside Latin runs (the last character's, unless it ends the line, is a boundary)
    inside = sum(len(box.text) for box in texts if getattr(box, "latin", None) is not None) - boundaries
    if getattr(texts[-1], "latin", None) is not None:
        inside -= 1
    wanted = slack / (spread + boundaries)
    if base + wanted <= WIDEST * size or inside < 1:
        latin = (0.0, 0.0)
    else:
        # a gap wider than a tenth of an em reads as a word space to text extraction
        # (pdftotext): the Latin runs take what the other gaps cannot
        wanted = WIDEST * size - base
        rest = (slack - wanted * (spread + boundaries)) / inside
        if rest > wanted:
            wanted = rest = slack / (spread + boundaries + inside)
        style_latin, drawn_latin = _drawable(base + rest, size)
        latin = (style_latin - base, drawn_latin - base)
    style_tracking, drawn_tracking = _drawable(base + wanted, size)
    extra, drawn = style_tracking - base, drawn_tracking - base
    if spread < 1:
        extra = drawn = 0.0
    # the gaps after Latin runs take what the drawable trackings leave over
    latin_gaps = inside + boundaries
    boundary = (slack - drawn * spread - latin[1] * latin_gaps) / boundaries if boundaries else 0.0
    _spread(context, line, (extra, latin[0]), (drawn, latin[1]), boundary, 0.0)
    return True


#: how far from a step of the PDF writer's rounding a tracking must stay, in thousandths
_MARGIN = 0.1


def _drawable(tracking: float, size: float) -> tuple[float, float]:
    """The tracking to give the text for glyphs to be drawn `tracking` apart, and the one they will be.

    Pango puts half the tracking before each glyph and the PDF writer keeps the other
    half in whole thousandths of the font size, truncated: a style tracking of 2u
    thousandths draws as u + floor(u). Only every other thousandth can be drawn, so the
    nearest is taken; uncorrected, the truncation would move a line's end by 0.4 pt.
    """
    wanted = -tracking * 1000 / size  # thousandths of the size; negative spreads
    sign = 1 if wanted >= 0 else -1
    wanted = abs(wanted)
    floor = math.floor(wanted / 2)
    if wanted < 2 * floor + 1:
        half = min(max(wanted - floor, floor + _MARGIN), floor + 1 - _MARGIN)
    elif wanted - (2 * floor + 1) < 0.5:
        half = floor + 1 - _MARGIN
    else:
        half = floor + 1 + _MARGIN
    drawn = half + math.floor(half)
    return -sign * 2 * half * size / 1000, -sign * drawn * size / 1000


def text_align(
    context: Any, line: Any, available_width: float, last: bool, spaced: list[tuple[Any, str]] | None = None
) -> float:
    """WeasyPrint's `text_align`, with squeezed marks set and Chinese lines justified between characters.

    A justified line too loose to keep its Latin runs unspaced is added to `spaced`.
    """
    style = line.style
    align = style["text_align_all"]
    if last:
        align = align if style["text_align_last"] == "auto" else style["text_align_last"]
    collapsing = style["white_space"] in ("normal", "nowrap", "pre-line")
    justified = align == "justify" and collapsing and not last
    spans = _latin_spans(line, available_width) if justified else []
    text = "".join(box.text for box in text_boxes(line))
    runs = any(run.end() - run.start() > 1 for run in LATIN_RUN.finditer(text))
    _split_boxes(context, line, spans)
    if justified and justify_cjk(context, line, available_width):
        spread = any(getattr(box, "latin", None) is not None and tracking(box.style) != tracking(style) for box in text_boxes(line))
        if runs and (not spans or spread) and spaced is not None:
            spaced.append((line.element, text))
        return 0
    offset: float = _original_text_align(context, line, available_width, last)
    return offset
