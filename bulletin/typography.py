"""Chinese text rules shared by both renderers: character classes, heading numbers, dates."""
from __future__ import annotations

import datetime as dt
import re

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
