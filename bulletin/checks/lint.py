"""Check stage: typographic checks of an issue's source text, and the fixes that are unambiguous.

Warnings, not errors: a half-width mark or a straight quote between Chinese characters,
spacing around figures and Latin words that differs within one issue, and brackets or
quotes left open. Only the first two can be fixed without asking the author.
"""
from __future__ import annotations

import bisect
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from bulletin.output import atomic_write
from bulletin.source import Source, read_source
from bulletin.typography import HAN_RE

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
_NOT_PROSE = re.compile(r"(?<!`)(`+)(?!`).+?(?<!`)\1(?!`)|\]\((?:[^()\n]|\([^()\n]*\))*\)|\[\^[^\]\n]*\]")
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
        from bulletin.errors import display_path

        return f"{display_path(path)}:{self.line}:{self.column}: warning: {self.message}"


def _prose_spans(source: Source) -> list[tuple[int, int, int]]:
    """(line number, start offset, end offset) of each piece of printed prose in the file."""
    spans: list[tuple[int, int, int]] = []
    offset, in_note = 0, False
    code = fenced_lines(source)
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
        if number in code:
            continue
        if line.startswith(("    ", "\t")) or re.match(r"^\s*\|?\s*:?-{3,}", line) or _REF_DEFINITION.match(line):
            continue
        spans.append((number, start, end))
    return spans


#: an opening or closing code fence: up to three spaces, then three or more ` or ~
_FENCE_LINE = re.compile(r"^ {0,3}(`{3,}|~{3,})(.*)$")
#: a reference-style link or image definition: `[id]: target "title"`
_REF_DEFINITION = re.compile(r"^ {0,3}\[(?!\^)[^\]\n]+\]:")


def fenced_lines(source: Source) -> set[int]:
    """The file line numbers of fenced code blocks, fence lines included.

    A fence closes only with the same character, at least as many times, and nothing
    after it; a fence of the other kind inside is code. An unclosed fence runs to the end.
    """
    lines: set[int] = set()
    fence: str | None = None
    for number, line in enumerate(source.text.split("\n"), start=1):
        if number < source.body_line:
            continue
        match = _FENCE_LINE.match(line)
        if fence is None:
            if match and not (match.group(1)[0] == "`" and "`" in match.group(2)):
                fence = match.group(1)
                lines.add(number)
            continue
        lines.add(number)
        if match and match.group(1)[0] == fence[0] and len(match.group(1)) >= len(fence) and not match.group(2).strip():
            fence = None
    return lines


def protected(source: Source) -> list[tuple[int, int]]:
    """Offsets of the text a fix may never touch: front matter escapes and every non-prose part of the body.

    Code (fenced, indented, spans of any number of backticks, even across lines of one
    paragraph), link and image targets, reference definitions, and in quoted front
    matter values the escapes '' and \\x.
    """
    text = source.text
    ranges: list[tuple[int, int]] = []
    code = fenced_lines(source)
    offset = 0
    body_start = None
    for number, line in enumerate(text.split("\n"), start=1):
        start, end = offset, offset + len(line)
        offset = end + 1
        if number < source.body_line:
            if number < source.front_line or number >= source.body_line - 1:
                ranges.append((start, end + 1))
                continue
            value = line.split(":", 1)[1] if ":" in line else line
            at = start + len(line) - len(value)
            for match in re.finditer(r"''|\\(?:x[0-9A-Fa-f]{2}|u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|.)", value):
                ranges.append((at + match.start(), at + match.end()))
            continue
        if body_start is None:
            body_start = start
        if number in code or line.startswith(("    ", "\t")) or _REF_DEFINITION.match(line):
            ranges.append((start, end + 1))
    if body_start is not None:
        body = text[body_start:]
        # a code span may run over lines of one paragraph, never across a blank line
        for match in re.finditer(r"(?<!`)(`+)(?!`)(?:(?!\n[ \t]*\n).)+?(?<!`)\1(?!`)", body, re.S):
            ranges.append((body_start + match.start(), body_start + match.end()))
        for match in re.finditer(r"\]\((?:[^()\n]|\([^()\n]*\))*\)|<[A-Za-z][A-Za-z0-9+.-]*:[^<>\s]*>", body):
            ranges.append((body_start + match.start(), body_start + match.end()))
    return ranges


def _changed(finding: Finding, text: str) -> list[int]:
    """The offsets a fix changes (for a pair of brackets only the two brackets; for an insertion, its place)."""
    if finding.end == finding.start:
        return [finding.start]
    replacement = finding.replacement or ""
    if replacement[:1] == "（" and replacement[-1:] == "）" and replacement[1:-1] == text[finding.start + 1 : finding.end - 1]:
        return [finding.start, finding.end - 1]
    return list(range(finding.start, finding.end))


def safe_fixes(source: Source, findings: list[Finding]) -> list[Finding]:
    """The fixes that touch no protected text and no other fix: they cannot change what the file means."""
    ranges = protected(source)
    chosen: list[Finding] = []
    taken: set[int] = set()
    for finding in sorted(findings, key=lambda f: (f.start, f.end)):
        places = _changed(finding, source.text)
        if any(a <= at < b for at in places for a, b in ranges):
            continue
        span = set(range(finding.start, max(finding.end, finding.start + 1)))
        if span & taken:
            continue
        taken |= span
        chosen.append(finding)
    return chosen


def apply_fixes(path: Path, source: Source, findings: list[Finding]) -> list[Finding]:
    """Apply the safe ones of `findings` to the file at `path`, atomically; return those applied.

    Each line keeps its own line end (a file of mixed LF and CRLF stays mixed); a line
    added by a fix takes the end of the line before it. The BOM is kept.
    """
    fixes = safe_fixes(source, [f for f in findings if f.replacement is not None])
    if not fixes:
        return []
    raw = path.read_bytes()
    original = raw.decode("utf-8-sig")
    parts = re.split(r"(\r\n|\r|\n)", original)
    lines, ends = parts[0::2], parts[1::2] + [""]
    starts, origin, at, here = [], [], 0, 0
    for line, end in zip(lines, ends):
        starts.append(at)
        origin.append(here)
        at += len(line) + 1
        here += len(line) + len(end)

    def place(offset: int) -> tuple[int, int]:
        index = bisect.bisect_right(starts, offset) - 1
        return index, origin[index] + offset - starts[index]

    text = original
    for finding in sorted(fixes, key=lambda f: f.start, reverse=True):
        index, start = place(finding.start)
        _, end = place(finding.end)
        replacement = finding.replacement or ""
        if "\n" in replacement:
            newline = next((ends[i] for i in range(index - 1, -1, -1) if ends[i]), "\n")
            replacement = replacement.replace("\n", newline)
        text = text[:start] + replacement + text[end:]
    data = text.encode("utf-8")
    atomic_write(path, (b"\xef\xbb\xbf" + data) if raw.startswith(b"\xef\xbb\xbf") else data)
    return fixes


def _column(source: Source, line_start: int, at: int) -> int:
    return at - line_start + 1


def find(source: Source) -> list[Finding]:
    """Every typographic warning of the file, in file order."""
    findings: list[Finding] = []
    text = source.text
    spaced: list[Finding] = []
    tight: list[Finding] = []
    groups: list[list[_ProseLine]] = []  # consecutive prose lines: one paragraph
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


def _straight_quotes(
    source: Source, number: int, line_start: int, start: int, segment: str, visible: Callable[[int], bool]
) -> list[Finding]:
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


#: one line of prose: its number, where the line and its prose start, the prose, and which offsets are prose
_ProseLine = tuple[int, int, int, str, Callable[[int], bool]]


def _unbalanced(paragraph: list[_ProseLine]) -> list[Finding]:
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
    """Apply every unambiguous fix to the file at `path`, atomically; return the findings fixed.

    A fix inside code, a link target, a reference definition or a front matter escape is
    never applied: it could change what the file means.
    """
    source = read_source(path)
    return apply_fixes(path, source, find(source))
