"""Check stage: text that would print wrong or be lost without an error.

Each finding is a located warning (a `lint.Finding`); those with one right answer carry
their fix, which `check --fix` applies: footnotes referenced and never defined (printed
literally) or defined and never referenced (dropped), table rows with more or fewer
cells than the header (cells dropped or empty), a list glued to the paragraph above (it
joins the paragraph), Markdown markers that print literally (`** x**`, `##标题`),
half-width punctuation after a Chinese closing mark (`”,`), full-width digits and Latin
letters, recipients separated by a Chinese comma inside one name, and a title broken
inside a word. `layout_findings` adds what only the laid-out pages show: a page left
short or a line that spaces its letters (the renderer's notes), and a last page holding
only the colophon.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from bulletin.errors import BulletinError, ContentError
from bulletin.checks.lint import Finding, apply_fixes, fenced_lines
from bulletin.source import Source, read_source
from bulletin.typography import HAN_RE

if TYPE_CHECKING:
    from bulletin.config import Config
    from bulletin.model import Issue

_HAN = HAN_RE.pattern[1:-1]
_REF = re.compile(r"\[\^([^\]\s]+)\](?!:)")
_DEF = re.compile(r"^\[\^([^\]\s]+)\]:")
_LIST = re.compile(r"^(?:[-*+]|\d{1,3}[.)])\s+\S")
_HEADING_NO_SPACE = re.compile(r"^(#{2,6})(?=[^#\s])")
_LOOSE_STRONG = re.compile(r"(?<![*\\])(\*\*|__)(\s+)(?=\S)[^*\n]*?\S\1")
_AFTER_CLOSER = re.compile(r"(?<=[”’）》」』】〕])([,;:?!.])(?=[ ]?(?:[" + _HAN + r"“‘（《]|$))")
_HALF = {",": "，", ";": "；", ":": "：", "?": "？", "!": "！", ".": "。"}
_FULL_ALNUM = re.compile(r"[０-９Ａ-Ｚａ-ｚ]+")


def _cells(line: str) -> int:
    text = line.strip()
    if text.startswith("|"):
        text = text[1:]
    if text.endswith("|") and not text.endswith("\\|"):
        text = text[:-1]
    return len(re.split(r"(?<!\\)\|", text))


def _body_lines(source: Source) -> list[tuple[int, int, str]]:
    """(line number, offset of the line, text) of each body line outside code fences."""
    lines: list[tuple[int, int, str]] = []
    offset = 0
    code = fenced_lines(source)
    for number, line in enumerate(source.text.split("\n"), start=1):
        start = offset
        offset += len(line) + 1
        if number < source.body_line or number in code:
            continue
        if not line.startswith(("    ", "\t")):
            lines.append((number, start, line))
    return lines


def find_losses(source: Source) -> list[Finding]:
    """Every silent loss the source shows, in file order."""
    found: list[Finding] = []
    lines = _body_lines(source)
    found.extend(_footnotes(source, lines))
    found.extend(_tables(lines))
    previous = ""
    for number, start, line in lines:
        if _LIST.match(line) and previous.strip() and not _LIST.match(previous.lstrip()) and not previous.startswith(
            ("#", "|", ">", " ", "\t")
        ):
            found.append(Finding(number, 1, "list item glued to the paragraph above: it prints as part of that "
                                 "paragraph; leave a blank line before the list", start, start, "\n"))
        previous = line
        match = _HEADING_NO_SPACE.match(line)
        if match:
            at = start + match.end()
            found.append(Finding(number, 1, f"'{match.group(1)}' without a space prints literally: "
                                 f"write '{match.group(1)} '", at, at, " "))
        for match in _LOOSE_STRONG.finditer(line):
            at = start + match.start(2)
            found.append(Finding(number, match.start() + 1, f"'{match.group(1)}' followed by a space prints "
                                 "literally: remove the space", at, start + match.end(2), ""))
        for match in _AFTER_CLOSER.finditer(line):
            mark = match.group(1)
            at = start + match.start(1)
            found.append(Finding(number, match.start(1) + 1, f"half-width '{mark}' after a Chinese closing mark: "
                                 f"use '{_HALF[mark]}'", at, at + 1, _HALF[mark]))
        for match in _FULL_ALNUM.finditer(line):
            half = "".join(chr(ord(c) - 0xFEE0) for c in match.group())
            at = start + match.start()
            found.append(Finding(number, match.start() + 1, f"full-width '{match.group()}': use '{half}' "
                                 "(full-width figures and letters break across lines)", at, start + match.end(), half))
    found.extend(_front(source))
    found.extend(_title(source))
    text = source.text
    return sorted(
        (Finding(f.line, f.column, f.message, f.start, f.end, f.replacement, text[f.start : f.end]) for f in found),
        key=lambda f: (f.line, f.column),
    )


def _footnotes(source: Source, lines: list[tuple[int, int, str]]) -> list[Finding]:
    defined: dict[str, tuple[int, int]] = {}
    used: dict[str, tuple[int, int]] = {}
    for number, _, line in lines:
        definition = _DEF.match(line)
        if definition:
            defined.setdefault(definition.group(1), (number, 1))
        for match in _REF.finditer(line, definition.end() if definition else 0):
            used.setdefault(match.group(1), (number, match.start() + 1))
    found = [Finding(*used[label], f"footnote [^{label}] is never defined: it prints literally")
             for label in used if label not in defined]
    # a definition never referred to is an error of footnotes.py: build refuses it, so check does too
    return found


def _tables(lines: list[tuple[int, int, str]]) -> list[Finding]:
    found: list[Finding] = []
    header: int | None = None
    for index, (number, _, line) in enumerate(lines):
        stripped = line.strip()
        if not stripped.startswith("|") and "|" not in stripped:
            header = None
            continue
        following = lines[index + 1][2].strip() if index + 1 < len(lines) else ""
        if header is None and re.match(r"^\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?$", following):
            header = _cells(line)
            continue
        if header is None or re.match(r"^\|?\s*:?-{3,}", stripped):
            continue
        cells = _cells(line)
        if cells > header:
            found.append(Finding(number, 1, f"table row has {cells} cells, the header {header}: "
                                 f"the last {cells - header} are dropped"))
        elif cells < header:
            found.append(Finding(number, 1, f"table row has {cells} cells, the header {header}: "
                                 f"{header - cells} print empty"))
    return found


def _front(source: Source) -> list[Finding]:
    """Recipients separated by a Chinese comma or 、 inside one list item (printed as one name)."""
    found: list[Finding] = []
    for number, line in enumerate(source.text.split("\n"), start=1):
        if not source.front_line <= number < source.body_line - 1 or not line.startswith("recipients:"):
            continue
        value = line[len("recipients:") :]
        for match in re.finditer(r"[，、；]", value):
            column = len("recipients:") + match.start() + 1
            found.append(Finding(number, column, f"'{match.group()}' inside recipients joins two names into one: "
                                 "separate them with ', ' in [ ] (the house prints 、 between them)"))
    return found


def fix_losses(path: Path) -> list[Finding]:
    """Apply every unambiguous loss fix to the file at `path`, atomically; return the findings fixed."""
    source = read_source(path)
    return apply_fixes(path, source, find_losses(source))


_PLACEHOLDER = re.compile(r"【待填[：:][^】\n]*】")


def placeholder_problems(source: Source) -> list[BulletinError]:
    """Each placeholder 【待填：…】 left from `bulletin new`: an error, so the skeleton never prints."""
    problems: list[BulletinError] = []
    for number, line in enumerate(source.text.split("\n"), start=1):
        for match in _PLACEHOLDER.finditer(line):
            problems.append(
                ContentError(f"placeholder {match.group()} not filled in", source.path, number, match.start() + 1)
            )
    return problems


_FULL_COLON_KEY = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)[ \u3000]*(：)")
_FULL_SPACE_AFTER_KEY = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*):(\u3000)")


def front_matter_slips(source: Source) -> list[BulletinError]:
    """A full-width colon or space where YAML needs ':' and ' ': each named at its line and column."""
    problems: list[BulletinError] = []
    for offset, line in enumerate(source.front.split("\n")):
        number = source.front_line + offset
        if line.startswith("\u3000"):
            problems.append(ContentError("full-width space '\u3000' (U+3000) before a key: indent with "
                                         "half-width spaces, or none", source.path, number, 1))
            continue
        match = _FULL_COLON_KEY.match(line)
        if match:
            problems.append(ContentError(f"full-width colon '：' after '{match.group(1)}': write a half-width "
                                         f"':' and a space ('{match.group(1)}: …')", source.path, number,
                                         match.start(2) + 1))
            continue
        match = _FULL_SPACE_AFTER_KEY.match(line)
        if match:
            problems.append(ContentError(f"full-width space '\u3000' (U+3000) after '{match.group(1)}:': "
                                         "write a half-width space", source.path, number, match.start(2) + 1))
    return problems


# ---------------------------------------------------------------- the title's lines


def _title(source: Source) -> list[Finding]:
    """A title line broken inside a word: by the author's '|', or because one word is wider than a line."""
    import yaml

    from bulletin.typography import break_title, title_cells

    for number, line in enumerate(source.text.split("\n"), start=1):
        if not source.front_line <= number < source.body_line - 1 or not line.startswith("title:"):
            continue
        try:
            value = yaml.safe_load(line[len("title:") :])
        except yaml.YAMLError:
            return []
        if not isinstance(value, str):
            return []
        value = " ".join(value.split())
        manual = tuple(part.strip() for part in value.split("|") if part.strip()) if "|" in value else ()
        title = "".join(value.split("|")).strip()
        if not manual and len(title) <= title_cells():
            return []  # one line: no need to load the dictionary
        result = break_title(title, manual)
        bars = [at for at, char in enumerate(line) if char == "|"]
        chosen, offset = set(), 0
        for part in manual[:-1]:
            offset += len(part)
            chosen.add(offset)
        found: list[Finding] = []
        ends = [sum(len(text) for text in result.lines[: index + 1]) for index in range(len(result.lines))]
        for word, index in result.split_words:
            if ends[index] in chosen:
                bar = bars[sorted(chosen).index(ends[index])] if len(bars) == len(manual) - 1 else line.find(word)
                found.append(Finding(number, bar + 1, f"the title's '|' breaks the word '{word}' across two "
                                     "lines: put the '|' before or after the word"))
            else:
                found.append(Finding(number, max(line.find(word), 0) + 1, f"the word '{word}' is wider than a "
                                     "title line and is broken: shorten it, or choose the breaks with '|'"))
        return found
    return []


# ---------------------------------------------------------------- the laid-out pages


def layout_findings(issue: Issue, config: Config, pdf: bytes, source_text: str, notes: list[object]) -> list[Finding]:
    """Warnings that need the laid-out pages: what the layout could not set (`notes`, the job's), then a lone colophon."""
    return [*note_findings(notes, source_text), *_colophon_alone(issue, config, pdf, source_text)]


def _colophon_alone(issue: Issue, config: Config, pdf: bytes, source_text: str) -> list[Finding]:
    """A last page that holds only the colophon.

    Read from the PDF just made (its last page's text) and the issue file's `source_text`, so `build` gives them for free;
    `check --layout` lays each issue out in memory to give them too. With the colophon
    set on an even page by choice (`colophon_on_even_page`) it stands alone by design.
    """
    import pypdfium2

    from bulletin.house import fields_of, rows

    if config.colophon_on_even_page:
        return []
    document = pypdfium2.PdfDocument(pdf)
    try:
        count = len(document)
        page = document[count - 1]
        textpage = page.get_textpage()
        text = textpage.get_text_range()
        textpage.close()
        page.close()
    finally:
        document.close()
    if count < 2:
        return []
    house = config.house
    colophon = "".join(row.left + row.right for row in rows(house.furniture.colophon, fields_of(issue), house.colophon_room()))
    rest = re.sub(r"\s|—\s*\d+\s*—", "", text)
    for char in re.sub(r"\s", "", colophon):
        rest = rest.replace(char, "", 1)
    if rest:
        return []
    line = len(source_text.rstrip().split("\n"))
    if count % 2:
        message = (f"the last page (page {count}) holds only the colophon, one more sheet per copy "
                   f"({issue.meta.print_run} per run): shorten the text to end higher on page {count - 1}")
    else:
        message = (f"the last page (page {count}) holds only the colophon: shorten the text to end "
                   f"higher on page {count - 1}")
    return [Finding(line, 1, message)]


def note_findings(notes: list[object], source_text: str) -> list[Finding]:
    """Warnings for what the PDF's layout could not set as the house wants (`fill.LayoutNote`), at the block's line.

    A page of running text left short (no paragraph near its foot can be made a line
    longer or shorter within the house's limits), and a line whose letters and digits
    are spaced apart (what follows it may not be broken and does not fit): the editor
    can reword a few characters, as a compositor would ask.
    """
    from bulletin.render.fill import LayoutNote

    findings = []
    for note in notes:
        if not isinstance(note, LayoutNote):
            continue
        line = _source_line(source_text, note.line or note.text)
        if note.short:
            findings.append(Finding(line, 1, (
                f"page {note.page} stops {note.short} grid line(s) short of its foot: no paragraph near the page "
                f"break can be made a line longer or shorter; a few characters more or fewer on page {note.page} "
                "would fill it")))
        else:
            findings.append(Finding(line, 1, (
                f"page {note.page}: a line spaces its letters and digits apart ('{note.line}'): what follows it "
                "may not be broken and does not fit; rewording the sentence moves it")))
    return findings


def _source_line(source_text: str, text: str) -> int:
    """The line of the issue file where `text` (printed, white space left out) starts: the longest start found, else 1."""
    lines = [re.sub(r"\s|\*|_|`|\[\^[^\]]*\]", "", line) for line in source_text.split("\n")]
    printed = "".join(text.split())
    for length in (16, 10, 6, 3):
        probe = printed[:length]
        if len(probe) < min(length, len(printed)):
            continue
        for number, line in enumerate(lines, start=1):
            if probe and probe in line:
                return number
    return 1
