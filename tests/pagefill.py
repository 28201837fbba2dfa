"""How full the pages of built PDFs are: the measurement behind "every page but the last holds 22 lines".

    .venv/bin/python -m tests.pagefill OUT [--generated 50] [--reports 50]

builds every sample issue, the stress issue and (with --generated, --reports) that many
short issues, or issues of a report's length, of `tests/generate_archive.py` into OUT, and prints, per issue and in total, how many
non-final pages end on the grid's last line (22 lines, or the front page's last), how
many stop one line short where the heading rule allows it (the next page starts with a
heading, which may not stand alone at a foot), how many stop short otherwise, the
widest gap justification opened between characters (the spacing cost of a line made
longer) and the most closing marks one line sets at half width (that of a line made
shorter; a compressed pair's first mark not counted).

A page counts when the type area holds running text only: a page with a footnote, a
table or a figure has blocks of heights of its own and is listed apart.
"""
from __future__ import annotations

import argparse
import statistics
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import pdfplumber

from bulletin.config import load_config
from bulletin.pipeline import build, load, output_path
from tests.generate_archive import generate
from tests.pdfmeasure import (
    BOTTOM,
    GEOMETRY,
    RIGHT,
    SMALL,
    TOP,
    Line,
    Printed,
    body_lines,
    compressible,
    expected_blocks,
    match_blocks,
    page_lines,
)

ROOT = Path(__file__).resolve().parent.parent
STRESS = ROOT / "tests" / "fixtures" / "stress.md"
PITCH = GEOMETRY.line_pitch


@dataclass
class Fill:
    """The non-final pages of one PDF, sorted by how they end."""

    name: str
    pages: int
    full: list[int] = field(default_factory=list)
    heading: list[int] = field(default_factory=list)  # one line short before a heading
    short: list[tuple[int, int]] = field(default_factory=list)  # (page, empty lines at the foot)
    other: list[int] = field(default_factory=list)  # tables or figures on the page
    noted: list[int] = field(default_factory=list)  # notes at the foot (counted, above them)
    widest_gap: float = 0.0  # pt, between two glyphs of a justified line outside Latin runs
    most_squeezed: int = 0  # marks of one line set at half width, a pair's first not counted

    @property
    def counted(self) -> int:
        return len(self.full) + len(self.heading) + len(self.short)


def last_slot(pages: Sequence[Sequence[Line]]) -> float:
    """The baseline of the grid's last line: 21 pitches below a running page's first."""
    for lines in pages[1:]:
        body = body_lines([lines])
        if body:
            return body[0].baseline + (GEOMETRY.lines_per_page - 1) * PITCH
    return TOP + PITCH * 0.8 + (GEOMETRY.lines_per_page - 1) * PITCH


def measure(pdf: Path, source: Path, config) -> Fill:
    """How the non-final pages of `pdf` (the issue `source`) end."""
    with pdfplumber.open(pdf) as document:
        pages = [page_lines(page, index) for index, page in enumerate(document.pages)]
        figures = {index for index, page in enumerate(document.pages) if page.images}
        tables = {index for index, page in enumerate(document.pages) if page.lines}
        # the notes' separator: a rule drawn below the page's running text
        rules = {index: sorted(rect["top"] for rect in page.rects) for index, page in enumerate(document.pages)}
    printed: list[Printed] = match_blocks(body_lines(pages), expected_blocks(load(source, config)))
    first_of_page = {}
    for item in printed:
        for line in item.lines:
            first_of_page.setdefault(line.page, (line, item))
    slot = last_slot(pages)
    fill = Fill(source.stem if source == STRESS else f"{source.parent.name}/{source.stem}", len(pages))
    # the colophon's page (the last) is never counted; nor a page after the body ends
    last_body_page = max((line.page for item in printed for line in item.lines), default=0)
    for index, lines in enumerate(pages):
        if index >= last_body_page:
            break
        body = body_lines([lines])
        if not body:
            continue
        start = first_of_page[index][0].baseline if index in first_of_page else body[0].baseline
        others = [line for line in lines if line not in body and start < line.baseline <= BOTTOM + 1]
        separator = [top for top in rules[index] if top > body[-1].baseline]
        notes = bool(others) and bool(separator) and all(
            line.size < SMALL and line.baseline > separator[0] for line in others
        )
        # a table or a figure, or other text below the running text's first line
        if index in figures or index in tables or (others and not notes):
            fill.other.append(index + 1)
            continue
        # whole grid lines left empty at the foot (the front page's grid may sit part of a line higher),
        # or above the notes' separator: a line's box reaches 8.5 pt below its baseline, and the
        # notes' area keeps its margin above the rule
        floor = min(slot, separator[0] - 8.5 - GEOMETRY.footnote_gap) if notes else slot
        empty = max(0, int((floor + 1 - body[-1].baseline) // PITCH))
        if notes:
            fill.noted.append(index + 1)
        if empty == 0:
            fill.full.append(index + 1)
            continue
        following = first_of_page.get(index + 1)
        if empty == 1 and following is not None and following[1].block.kind.startswith("heading") and following[0] is following[1].lines[0]:
            fill.heading.append(index + 1)
        else:
            fill.short.append((index + 1, empty))
    for item in printed:
        right = RIGHT - item.block.inset * GEOMETRY.char_pitch
        for line in item.lines[:-1]:
            paired = {at for at in line.squeezed(right) if at + 1 < len(line.chars) and compressible(line.text[at], line.text[at + 1])}
            fill.most_squeezed = max(fill.most_squeezed, len(set(line.squeezed(right)) - paired))
            chars = [c for c in line.chars if c["size"] >= SMALL]
            gaps = [b["x0"] - a["x1"] for a, b in zip(chars, chars[1:]) if not (a["text"].isascii() and b["text"].isascii())]
            if gaps:
                fill.widest_gap = max(fill.widest_gap, statistics.median(gaps))
    return fill


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--generated", type=int, default=0, help="also build this many generated issues")
    parser.add_argument("--reports", type=int, default=0, help="also build this many generated issues of a report's length")
    args = parser.parse_args()
    config = load_config(ROOT)
    sets: list[tuple[str, list[tuple[Path, Path]]]] = []
    samples = sorted((ROOT / "issues").rglob("*.md")) + [STRESS]
    build(config, samples, ("pdf",), args.out / "samples")
    sets.append(("samples", [(s, output_path(config, s, args.out / "samples", "pdf")) for s in samples]))
    for name, count, reports in (("generated", args.generated, False), ("reports", args.reports, True)):
        if not count:
            continue
        project = args.out / f"{name}-src"
        paths = generate(project, count, per_year=count, reports=reports)
        generated = load_config(project)
        build(generated, paths, ("pdf",), args.out / name)
        sets.append((name, [(p, output_path(generated, p, args.out / name, "pdf")) for p in paths]))
    for title, issues in sets:
        fills = [measure(pdf, source, config) for source, pdf in issues]
        print(f"== {title}")
        if title == "samples":
            for fill in fills:
                print(f"{fill.name:10} pages {fill.pages}: 22 lines {fill.full}, 21 before a heading {fill.heading}, "
                      f"short {fill.short}, with tables/figures {fill.other}, with notes (counted) {fill.noted}, widest gap {fill.widest_gap:.2f} pt, "
                      f"most marks at half width on a line {fill.most_squeezed}")
        counted = sum(fill.counted for fill in fills)
        full = sum(len(fill.full) for fill in fills)
        heading = sum(len(fill.heading) for fill in fills)
        print(f"{len(fills)} issues, {counted} non-final pages of running text: {full} full "
              f"({100 * full / max(counted, 1):.0f}%), {heading} one line short before a heading, "
              f"{counted - full - heading} short otherwise; {sum(len(f.noted) for f in fills)} of them with notes; "
              f"{sum(len(f.other) for f in fills)} pages with tables or figures; widest gap {max(f.widest_gap for f in fills):.2f} pt "
              f"({max(f.widest_gap for f in fills) / GEOMETRY.body_size:.3f} em); most marks at half width on a "
              f"line {max(f.most_squeezed for f in fills)}")


if __name__ == "__main__":
    main()
