"""Chinese text rules shared by both renderers: character classes, heading numbers, dates, title lines."""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from typing import Sequence

DIGITS = "零一二三四五六七八九"

# Han ideographs (BMP blocks and the supplementary planes) and CJK punctuation/full-width forms.
_HAN = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_CJK_PUNCT = r"\u3000-\u303f\uff00-\uffef\u2014\u2018\u2019\u201c\u201d\u2026\u00b7"
HAN_RE = re.compile(f"[{_HAN}]")
CJK_RE = re.compile(f"[{_HAN}{_CJK_PUNCT}]")

#: closing punctuation: never at the start of a line (clreq)
LINE_START_FORBIDDEN = "、，。．：；！？”’）》〉」』】〕〗〙｝…—％‰"
#: opening punctuation: never at the end of a line (clreq)
LINE_END_FORBIDDEN = "“‘（《〈「『【〔〖〘｛"


def is_cjk(char: str) -> bool:
    """True for a Han character or CJK punctuation."""
    return bool(CJK_RE.match(char))


def chinese_numeral(n: int) -> str:
    """一 … 九十九 for 1 … 99, the way headings count."""
    if not 1 <= n <= 99:
        return str(n)
    tens, ones = divmod(n, 10)
    if tens == 0:
        return DIGITS[ones]
    return ("" if tens == 1 else DIGITS[tens]) + "十" + (DIGITS[ones] if ones else "")


def heading_label(level: int, n: int) -> str:
    """The house numbering of the n-th heading at `level`: 一、 （一） 1. （1）."""
    if level == 1:
        return f"{chinese_numeral(n)}、"
    if level == 2:
        return f"（{chinese_numeral(n)}）"
    if level == 3:
        return f"{n}."
    return f"（{n}）"


_NUMBERED = re.compile(
    r"^\s*(?:[一二三四五六七八九十百]+[、．.]|[（(][一二三四五六七八九十百]+[）)]|\d+[.．、]|[（(]\d+[）)])"
)


def has_number(text: str) -> bool:
    """True when a heading's text already starts with a house-style number."""
    return bool(_NUMBERED.match(text))


class HeadingCounter:
    """Counts headings per level and hands out their labels."""

    def __init__(self) -> None:
        self.counts = [0, 0, 0, 0, 0]

    def next(self, level: int, text: str) -> str:
        """The label for the next heading of `level` with `text` ("" if it has one)."""
        self.counts[level] += 1
        for deeper in range(level + 1, len(self.counts)):
            self.counts[deeper] = 0
        return "" if has_number(text) else heading_label(level, self.counts[level])


def join_soft_breaks(text: str) -> str:
    """Join the lines of a wrapped paragraph: no space next to CJK characters, one elsewhere."""

    def join(match: re.Match[str]) -> str:
        before, after = match.group(1), match.group(2)
        return before + ("" if is_cjk(before) or is_cjk(after) else " ")

    return re.sub(r"(\S)[ \t]*\n[ \t]*(?=(\S))", join, text)


def chinese_date(date: dt.date) -> str:
    """2025年3月5日: the house writes dates without zero padding."""
    return f"{date.year}年{date.month}月{date.day}日"


def issue_line(issue: int, total: int) -> str:
    """第7期（总第89期）."""
    return f"第{issue}期（总第{total}期）"


def recipients_line(kind: str, recipients: tuple[str, ...]) -> str:
    """本期专报：A、B — or "" when the issue names nobody."""
    return f"本期{kind}：{'、'.join(recipients)}" if recipients else ""


# ---------------------------------------------------------------- words and title lines


def words(text: str) -> list[str]:
    """`text` cut into words by jieba's dictionary (rjieba: the dictionary is inside the package).

    Loaded on first use (about 0.2 s), never at import, so commands that need no
    segmentation stay fast. rjieba keeps no cache file: the same text gives the same words.
    """
    import rjieba

    return rjieba.cut(text)


def _cells(text: str) -> float:
    """Width in title cells: a CJK character or full-width mark is one, anything else half."""
    return sum(1.0 if is_cjk(char) or unicodedata.east_asian_width(char) in "FW" else 0.5 for char in text)


def _tokens(text: str) -> list[str]:
    """The unbreakable pieces of a title: its words, with punctuation kept on the right side.

    A closing mark joins the word before it and an opening mark the word after it (clreq:
    neither may stand at that end of a line); spaces join the word before them.
    """
    tokens: list[str] = []
    glue_next = False
    for word in words(text):
        if tokens and (glue_next or word.isspace() or all(c in LINE_START_FORBIDDEN for c in word)):
            tokens[-1] += word
        else:
            tokens.append(word)
        glue_next = all(c in LINE_END_FORBIDDEN for c in word)
    return tokens


@dataclass(frozen=True)
class TitleBreak:
    """A title set in lines: the lines, and each word a line boundary falls inside."""

    lines: tuple[str, ...]
    #: (the word, the index of the line it starts on) for every word cut by a line boundary
    split_words: tuple[tuple[str, int], ...] = ()


def title_cells() -> float:
    """How many title cells (22 pt characters) one line of the type area holds."""
    from bulletin.house import GEOMETRY

    return GEOMETRY.type_width / GEOMETRY.title_size


def break_title(title: str, manual: Sequence[str] = (), cells: float | None = None) -> TitleBreak:
    """The title in balanced lines of at most `cells` cells, broken between words only.

    `manual` are the lines the author chose with '|' (empty: none); each is kept as a
    line, and broken further only if it is wider than a line. A line boundary falls
    inside a word only where the author put it there or where one word is wider than
    a line; both are reported in `split_words`.
    """
    cells = title_cells() if cells is None else cells
    pieces = [part for part in manual if part] or [title.strip()]
    lines: list[str] = []
    for piece in pieces:
        lines.extend(_balanced(piece, cells) if _cells(piece) > cells else [piece])
    return TitleBreak(tuple(line.strip() for line in lines), _split_words(lines) if len(lines) > 1 else ())


def _balanced(text: str, cells: float) -> list[str]:
    """`text` in the fewest lines that fit `cells` at word boundaries, as even as the words allow.

    A dynamic program over the word boundaries finds the fewest lines and, among
    partitions into that many lines, the least sum of squared widths (the most even).
    Only a word wider than a line is cut, by characters where clreq allows.
    """
    tokens: list[str] = []
    for token in _tokens(text):
        if _cells(token.strip()) <= cells:
            tokens.append(token)
        else:
            tokens.extend(_cut_long(token, cells))
    count = len(tokens)
    # best[i] = (lines, cost, previous boundary) for the first i tokens
    best: list[tuple[int, float, int] | None] = [None] * (count + 1)
    best[0] = (0, 0.0, 0)
    for end in range(1, count + 1):
        for start in range(end - 1, -1, -1):
            line_width = _cells("".join(tokens[start:end]).strip())
            if line_width > cells and end - start > 1:
                break
            before = best[start]
            if before is None:
                continue
            candidate = (before[0] + 1, before[1] + line_width * line_width, start)
            current = best[end]
            if current is None or candidate[:2] < current[:2]:
                best[end] = candidate
    lines: list[str] = []
    end = count
    while end > 0:
        entry = best[end]
        assert entry is not None
        lines.append("".join(tokens[entry[2] : end]).strip())
        end = entry[2]
    return lines[::-1]


def _cut_long(token: str, cells: float) -> list[str]:
    """A word wider than a line, cut into pieces that fit, at places clreq allows."""
    pieces: list[str] = []
    current = ""
    for char in token:
        if current and _cells(current + char) > cells and char not in LINE_START_FORBIDDEN \
                and current[-1] not in LINE_END_FORBIDDEN:
            pieces.append(current)
            current = ""
        current += char
    return [*pieces, current] if current else pieces


def _split_words(lines: Sequence[str]) -> tuple[tuple[str, int], ...]:
    """Every word of the whole title that a boundary between `lines` cuts, with its line."""
    joined = "".join(lines)
    boundaries: dict[int, int] = {}
    offset = 0
    for index, line in enumerate(lines[:-1]):
        offset += len(line)
        boundaries[offset] = index
    split: list[tuple[str, int]] = []
    offset = 0
    for word in words(joined):
        inside = [at for at in boundaries if offset < at < offset + len(word)]
        if inside:
            split.append((word, boundaries[inside[0]]))
        offset += len(word)
    return tuple(split)
