"""Titles and headings break between words: measured on the built PDF and DOCX."""
from __future__ import annotations

from pathlib import Path

import pytest

from bulletin.typography import break_title, title_cells, words

from .conftest import FRONT, Project, run_cli
from .pdfmeasure import pdf_lines

#: wider than one line; the first two split evenly by width alone cut a word (经|济, 体|系)
TITLES = (
    "关于进一步推动实体经济高质量发展的若干建议",
    "关于加快建设现代化产业体系推动实体经济发展的建议",
    "关于完善临江市居家社区养老服务体系进一步推动实体经济高质量发展的建议",
    "“十五五”时期推动临江制造业数字化转型的思路与对策（2026年）",
)
#: a level-1 heading whose first line, filled to the measure, would end inside 实体
HEADING = "关于持续完善临江市居家社区养老服务体系推动实体经济高质量发展的若干意见"


def _cells(text: str) -> float:
    return sum(1.0 if ord(char) > 0x2000 else 0.5 for char in text)


def _inside_words(text: str, cuts: list[int]) -> list[str]:
    """The words of `text` that a cut at one of the character offsets `cuts` falls inside."""
    found, offset = [], 0
    for word in words(text):
        if any(offset < cut < offset + len(word) for cut in cuts):
            found.append(word)
        offset += len(word)
    return found


def _cuts(lines: list[str]) -> list[int]:
    offsets, at = [], 0
    for line in lines[:-1]:
        at += len(line)
        offsets.append(at)
    return offsets


def balanced_between_words(lines: list[str], cells: float) -> bool:
    """No word moved across a boundary would make the lines more even (less sum of squares)."""
    def cost(candidate: list[str]) -> float:
        return sum(_cells(line) ** 2 for line in candidate)

    for index in range(len(lines) - 1):
        upper, lower = words(lines[index]), words(lines[index + 1])
        moves = []
        if len(upper) > 1:
            moves.append(lines[:index] + ["".join(upper[:-1]), upper[-1] + lines[index + 1]] + lines[index + 2:])
        if len(lower) > 1:
            moves.append(lines[:index] + [lines[index] + lower[0], "".join(lower[1:])] + lines[index + 2:])
        for moved in moves:
            if all(_cells(line) <= cells for line in moved) and not moved[index][-1] in "“（" \
                    and not moved[index + 1][0] in "”）" and cost(moved) < cost(lines):
                return False
    return True


@pytest.mark.parametrize("title", TITLES)
def test_a_title_breaks_between_words_into_balanced_lines(title: str) -> None:
    lines = list(break_title(title).lines)
    cells = title_cells()
    assert "".join(lines) == title
    assert len(lines) == 2, lines
    assert all(_cells(line) <= cells for line in lines), lines
    assert _inside_words(title, _cuts(lines)) == [], lines
    assert balanced_between_words(lines, cells), lines


def test_splitting_these_titles_by_width_alone_would_cut_words() -> None:
    """The titles above tell the two ways apart: an even split by width lands inside a word."""
    for title in TITLES[:2]:
        assert _inside_words(title, [-(-len(title) // 2)]) or _inside_words(title, [len(title) // 2]), title


def test_a_manual_break_wins_and_a_break_inside_a_word_is_reported() -> None:
    chosen = break_title("关于进一步推动实体经济发展的建议", ["关于进一步推动", "实体经济发展的建议"])
    assert chosen.lines == ("关于进一步推动", "实体经济发展的建议") and chosen.split_words == ()
    inside = break_title("关于进一步推动实体经济发展的建议", ["关于进一步推动实", "体经济发展的建议"])
    assert inside.lines == ("关于进一步推动实", "体经济发展的建议")
    assert inside.split_words == (("实体", 0),)


def test_a_word_wider_than_a_line_is_cut_and_reported() -> None:
    title = "关于" + "A" * 50 + "的建议"
    result = break_title(title)
    assert all(_cells(line) <= title_cells() for line in result.lines), result.lines
    assert [word for word, _ in result.split_words] == ["A" * 50]


def test_a_title_that_fits_is_one_line_and_loads_no_dictionary() -> None:
    import subprocess
    import sys

    code = ("import sys; from bulletin.typography import break_title; "
            "assert break_title('关于增强临江对青年人才吸引力的对策建议').lines == ('关于增强临江对青年人才吸引力的对策建议',); "
            "assert 'rjieba' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_segmentation_writes_no_cache_and_is_the_same_every_time(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    code = "from bulletin.typography import words; print('/'.join(words('" + TITLES[1] + "')))"
    env = {**os.environ, "TMPDIR": str(tmp_path), "HOME": str(tmp_path)}
    runs = {subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True, env=env).stdout
            for _ in range(2)}
    assert len(runs) == 1 and "实体/经济" in runs.pop()
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
def test_title_and_heading_lines_in_the_pdf_and_docx_fall_between_words(project: Project, capsys) -> None:  # type: ignore[no-untyped-def]
    import docx

    title = TITLES[1]
    project.issue(front=FRONT.replace("title: 关于测试的几点建议", f"title: {title}"),
                  body=f"第一段正文。\n\n## {HEADING}\n\n第二段正文。\n")
    code, _, err = run_cli(project, ["build"], capsys)
    assert code == 0, err
    built = project.root / "build" / "2026"
    first = pdf_lines(built / "003.pdf")[0]

    printed = [line.text for line in first if abs(line.size - 22) < 0.1]
    assert "".join(printed) == title
    assert len(printed) == 2 and _inside_words(title, _cuts(printed)) == [], printed
    assert balanced_between_words(printed, title_cells()), printed
    paragraph = next(p for p in docx.Document(str(built / "003.docx")).paragraphs if p.style.name == "Title")
    assert paragraph.text.split("\n") == printed

    start = next(i for i, line in enumerate(first) if line.text.startswith("一、"))
    heading = [line.text for line in first[start : start + 2]]
    assert "".join(heading) == "一、" + HEADING, heading
    cut = len(heading[0]) - 2
    assert _inside_words(HEADING, [cut]) == [], heading
    # the first line is short of the measure only because the next word would not fit
    full = 28 - 2 - 2
    assert cut < full and _inside_words(HEADING, [full]), heading
