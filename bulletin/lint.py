"""Stage: typographic checks of an issue's source text, and the fixes that are unambiguous.

Warnings, not errors: a half-width mark or a straight quote between Chinese characters,
spacing around figures and Latin words that differs within one issue, and brackets or
quotes left open. Only the first two can be fixed without asking the author.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path

from .output import atomic_write
from .source import Source, read_source
from .typography import HAN_RE

_HAN = HAN_RE.pattern[1:-1]
#: half-width marks that have a full-width form in Chinese text
FULL_WIDTH = {",": "，", ";": "；", ":": "：", "?": "？", "!": "！"}
#: bracket and quote pairs of Chinese text
PAIRS = {"“": "”", "‘": "’", "（": "）", "《": "》", "「": "」", "『": "』", "【": "】", "〔": "〕"}
_CLOSERS = {close: open_ for open_, close in PAIRS.items()}

_HALF_MARK = re.compile(rf"(?<=[{_HAN}])([,;:?!]) ?(?=[{_HAN}“‘（《])")
_HALF_PARENS = re.compile(r"\(([^()\n]*)\)")
_STRAIGHT = re.compile(r"[\"']")
_SPACED = re.compile(rf"(?<=[{_HAN}]) +(?=[A-Za-z0-9])|(?<=[A-Za-z0-9%]) +(?=[{_HAN}])")
_TIGHT = re.compile(rf"(?<=[{_HAN}])(?=[A-Za-z0-9])|(?<=[A-Za-z0-9%])(?=[{_HAN}])")
#: text that is not prose: code spans, link targets, footnote labels
_NOT_PROSE = re.compile(r"`[^`\n]*`|\]\([^)\n]*\)|\[\^[^\]\n]*\]")
#: front matter keys whose values are printed prose
_PROSE_KEYS = ("title:", "editor:", "classification:")


@dataclass(frozen=True)
class Finding:
    """A typographic warning at a place in the file, with its fix when one is unambiguous."""

    line: int
    column: int
    message: str
    start: int = 0
    end: int = 0
    replacement: str | None = None
    original: str = ""

    def describe(self, path: Path) -> str:
        """`path:line:col: warning: message`."""
        from .errors import display_path

        return f"{display_path(path)}:{self.line}:{self.column}: warning: {self.message}"


def _prose_spans(source: Source) -> list[tuple[int, int, int]]:
    """(line number, start offset, end offset) of each piece of printed prose in the file."""
    spans: list[tuple[int, int, int]] = []
    offset, in_note, fenced = 0, False, False
    for number, line in enumerate(source.text.split("\n"), start=1):
        start, end = offset, offset + len(line)
        offset = end + 1
        if source.front_line <= number < source.body_line - 1:
            if line[:1] not in (" ", "\t", ""):
                in_note = line.startswith("editor_note:")
                key = next((k for k in _PROSE_KEYS if line.startswith(k)), None)
                if key:
                    value = line[len(key) :].strip()
                    quoted = len(value) > 1 and value[0] == value[-1] and value[0] in "\"'"
                    at = start + line.index(value, len(key)) + (1 if quoted else 0)
                    spans.append((number, at, at + len(value) - (2 if quoted else 0)))
            elif in_note:
                spans.append((number, start, end))
            continue
        if number < source.body_line:
            continue
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
            continue
        if fenced or line.startswith(("    ", "\t")) or re.match(r"^\s*\|?\s*:?-{3,}", line):
            continue
        spans.append((number, start, end))
    return spans


def _column(source: Source, line_start: int, at: int) -> int:
    return at - line_start + 1


def find(source: Source) -> list[Finding]:
    """Every typographic warning of the file, in file order."""
    findings: list[Finding] = []
    text = source.text
    spaced: list[Finding] = []
    tight: list[Finding] = []
    groups: list[list[tuple]] = []  # consecutive prose lines: one paragraph
    for number, start, end in _prose_spans(source):
        line_start = text.rfind("\n", 0, start) + 1
        segment = text[start:end]
        hidden = [(m.start() + start, m.end() + start) for m in _NOT_PROSE.finditer(segment)]

        def visible(at: int, hidden: list[tuple[int, int]] = hidden) -> bool:
            return not any(a <= at < b for a, b in hidden)

        for match in _HALF_MARK.finditer(segment):
            at = start + match.start()
            if visible(at):
                mark = match.group(1)
                findings.append(
                    Finding(number, _column(source, line_start, at), f"half-width '{mark}' in Chinese text: use '{FULL_WIDTH[mark]}'",
                            at, start + match.end(), FULL_WIDTH[mark])
                )
        for match in _HALF_PARENS.finditer(segment):
            at, stop = start + match.start(), start + match.end()
            before = text[at - 1] if at > 0 else ""
            after = text[stop] if stop < len(text) else ""
            chinese = HAN_RE.search(match.group(1)) or HAN_RE.match(before or " ") or HAN_RE.match(after or " ")
            if chinese and visible(at):
                findings.append(
                    Finding(number, _column(source, line_start, at), "half-width '( )' in Chinese text: use '（ ）'",
                            at, stop, f"（{match.group(1)}）")
                )
        findings.extend(_straight_quotes(source, number, line_start, start, segment, visible))
        for match in _SPACED.finditer(segment):
            if visible(start + match.start()):
                spaced.append(Finding(number, _column(source, line_start, start + match.start()), ""))
        for match in _TIGHT.finditer(segment):
            if visible(start + match.start()):
                tight.append(Finding(number, _column(source, line_start, start + match.start()), ""))
        if groups and groups[-1][-1][0] == number - 1 and number >= source.body_line:
            groups[-1].append((number, line_start, start, segment, visible))
        else:
            groups.append([(number, line_start, start, segment, visible)])
    for group in groups:
        findings.extend(_unbalanced(group))
    if spaced and tight:
        minority, other, style = (spaced, tight, "a space") if len(spaced) <= len(tight) else (tight, spaced, "no space")
        for place in minority:
            findings.append(
                Finding(place.line, place.column,
                        f"{style} between Chinese and a figure or Latin word here, but the other way in {len(other)} other place(s) of this issue")
            )
    return sorted(
        (replace(f, original=text[f.start : f.end]) if f.replacement is not None else f for f in findings),
        key=lambda f: (f.line, f.column),
    )


def _straight_quotes(source: Source, number: int, line_start: int, start: int, segment: str, visible) -> list[Finding]:  # type: ignore[no-untyped-def]
    """Straight quotes next to Chinese text; pairs on one line become curly quotes."""
    found: list[Finding] = []
    for mark, (left, right) in (('"', ("“", "”")), ("'", ("‘", "’"))):
        places = [m.start() for m in _STRAIGHT.finditer(segment) if m.group() == mark and visible(start + m.start())]
        chinese = [p for p in places if HAN_RE.match(segment[p - 1 : p] or " ") or HAN_RE.match(segment[p + 1 : p + 2] or " ")]
        if not chinese:
            continue
        pairs = len(places) % 2 == 0
        for index, place in enumerate(places):
            at = start + place
            curly = left if index % 2 == 0 else right
            found.append(
                Finding(number, _column(source, line_start, at), f"straight quote {mark} in Chinese text: use {left} {right}",
                        at, at + 1, curly if pairs else None)
            )
    return found


def _unbalanced(paragraph: list[tuple]) -> list[Finding]:  # type: ignore[type-arg]
    """Brackets and quotes of Chinese text opened and not closed in the paragraph, or closed and never opened."""
    stack: list[tuple[str, int, int]] = []
    found: list[Finding] = []
    for number, line_start, start, segment, visible in paragraph:
        for place, char in enumerate(segment):
            if not visible(start + place):
                continue
            column = start + place - line_start + 1
            if char in PAIRS:
                stack.append((char, number, column))
            elif char in _CLOSERS:
                if stack and stack[-1][0] == _CLOSERS[char]:
                    stack.pop()
                else:
                    found.append(Finding(number, column, f"'{char}' closes nothing opened before it"))
    for char, number, column in stack:
        found.append(Finding(number, column, f"'{char}' is never closed with '{PAIRS[char]}'"))
    return found


def fix(path: Path) -> list[Finding]:
    """Apply every unambiguous fix to the file at `path`, atomically; return the findings fixed."""
    source = read_source(path)
    fixes = [f for f in find(source) if f.replacement is not None]
    if not fixes:
        return []
    text = source.text
    for finding in sorted(fixes, key=lambda f: f.start, reverse=True):
        text = text[: finding.start] + (finding.replacement or "") + text[finding.end :]
    original = path.read_bytes()
    if b"\r\n" in original:
        text = text.replace("\n", "\r\n")
    data = text.encode("utf-8")
    atomic_write(path, (b"\xef\xbb\xbf" + data) if original.startswith(b"\xef\xbb\xbf") else data)
    return fixes
