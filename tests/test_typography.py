"""Chinese text rules shared by both renderers."""
from __future__ import annotations

import datetime as dt

import pytest

from bulletin.typography import HeadingCounter, chinese_date, chinese_numeral, has_number, heading_label, issue_line, join_soft_breaks, recipients_line


@pytest.mark.parametrize(("n", "text"), [(1, "一"), (9, "九"), (10, "十"), (11, "十一"), (20, "二十"), (21, "二十一"), (99, "九十九")])
def test_chinese_numerals(n: int, text: str) -> None:
    assert chinese_numeral(n) == text


def test_heading_labels_per_level() -> None:
    assert [heading_label(level, 2) for level in (1, 2, 3, 4)] == ["二、", "（二）", "2.", "（2）"]


@pytest.mark.parametrize("text", ["一、总体判断", "（二）主要问题", "3. 措施", "（4）附则", "十二、其他"])
def test_numbered_headings_are_recognised(text: str) -> None:
    assert has_number(text)


@pytest.mark.parametrize("text", ["总体判断", "2025年港口运行", "5G基站建设", "一带一路"])
def test_plain_headings_are_not_mistaken_for_numbered(text: str) -> None:
    assert not has_number(text)


def test_counter_resets_deeper_levels_and_never_numbers_twice() -> None:
    counter = HeadingCounter()
    labels = [
        counter.next(1, "甲"),
        counter.next(2, "乙"),
        counter.next(2, "丙"),
        counter.next(1, "二、丁"),
        counter.next(2, "戊"),
        counter.next(3, "己"),
        counter.next(4, "庚"),
    ]
    assert labels == ["一、", "（一）", "（二）", "", "（一）", "1.", "（1）"]


def test_soft_breaks_join_without_space_in_chinese() -> None:
    assert join_soft_breaks("临江港\n是门户") == "临江港是门户"
    assert join_soft_breaks("the port\nof Linjiang") == "the port of Linjiang"
    assert join_soft_breaks("增长\n5G") == "增长5G"


def test_lines_of_the_front() -> None:
    assert chinese_date(dt.date(2024, 3, 5)) == "2024年3月5日"
    assert issue_line(7, 89) == "第7期（总第89期）"
    assert recipients_line("专报", ("甲书记", "乙市长")) == "本期专报：甲书记、乙市长"
    assert recipients_line("专报", ()) == ""
