"""Footnote problems found in the source, before Markdown sees it: duplicate labels and cycles.

Python-Markdown keeps only one of two definitions with the same label (and the two
editions disagreed on which) and recurses without end on a definition that refers back
to itself; both are errors here, with their line. A definition never referred to has no
place in either edition (a footnote prints where it is called): it is an error too, so
the PDF and the DOCX never differ and nothing typed is lost. References never defined
are warnings of `losses.py`.
"""
from __future__ import annotations

import re
from pathlib import Path

from bulletin.errors import BulletinError, ContentError

_FENCE = re.compile(r"^[ \t]{0,3}(`{3,}|~{3,})")
_DEFINITION = re.compile(r"^[ \t]{0,3}\[\^([^\]\s]+)\]:")
_REFERENCE = re.compile(r"\[\^([^\]\s]+)\](?!:)")
_CODE_SPAN = re.compile(r"(`+).+?\1")


def footnote_problems(text: str, path: Path, first_line: int) -> list[BulletinError]:
    """Every footnote problem of Markdown `text`, which starts at file line `first_line`."""
    definitions: dict[str, int] = {}
    inside: dict[str, set[str]] = {}
    problems: list[BulletinError] = []
    referenced: set[str] = set()
    fence: str | None = None
    current: str | None = None
    for offset, line in enumerate(text.split("\n")):
        number = first_line + offset
        opened = _FENCE.match(line)
        if fence is not None:
            if opened and opened.group(1)[0] == fence[0] and len(opened.group(1)) >= len(fence):
                fence = None
            continue
        if opened:
            fence = opened.group(1)
            continue
        plain = _CODE_SPAN.sub("", line)
        definition = _DEFINITION.match(plain)
        if definition:
            label = definition.group(1)
            if label in definitions:
                problems.append(
                    ContentError(f"footnote [^{label}] is defined twice (first on line {definitions[label]})", path, number)
                )
            else:
                definitions[label] = number
            current = label
            inside.setdefault(label, set())
            plain = plain[definition.end() :]
        elif line.strip() and not line.startswith((" ", "\t")):
            current = None
        for found in _REFERENCE.finditer(plain):
            if current is not None:
                inside[current].add(found.group(1))
            if current != found.group(1):
                referenced.add(found.group(1))
    for label in sorted(definitions, key=definitions.__getitem__):
        if label not in referenced:
            # Markdown keeps it, but neither edition has a place to print it: refused rather than lost
            problems.append(
                ContentError(
                    f"footnote [^{label}] is defined but never referenced: it would print in neither edition; "
                    f"refer to it with [^{label}] or delete it",
                    path,
                    definitions[label],
                )
            )
        if _reaches(label, label, inside):
            problems.append(
                ContentError(f"footnote [^{label}] refers back to itself through footnotes", path, definitions[label])
            )
    return sorted(problems, key=lambda p: p.line or 0)


def _reaches(start: str, goal: str, inside: dict[str, set[str]]) -> bool:
    """Whether the footnote `start` refers, directly or through other footnotes, to `goal`."""
    seen: set[str] = set()
    stack = list(inside.get(start, ()))
    while stack:
        label = stack.pop()
        if label == goal:
            return True
        if label not in seen:
            seen.add(label)
            stack.extend(inside.get(label, ()))
    return False
