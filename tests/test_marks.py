"""The marks of an issue: classification (密级), secrecy period (保密期限) and urgency (紧急程度).

Classification and urgency come from lists the house declares (`[marks]` in
bulletin.toml); the secrecy period only goes with a classification.
"""
from __future__ import annotations

import datetime as dt

import pytest

from bulletin.errors import BulletinError
from bulletin.parse import parse_issue
from bulletin.source import read_source

from .conftest import FRONT, Project, run_cli


def meta(project: Project, extra: str):  # type: ignore[no-untyped-def]
    return parse_issue(read_source(project.issue(front=FRONT + extra)), project.config).meta


def problems(project: Project, extra: str) -> list[tuple[int | None, str]]:
    with pytest.raises(BulletinError) as caught:
        meta(project, extra)
    return [(p.line, p.message) for p in getattr(caught.value, "problems", [caught.value])]


def test_the_three_marks_reach_the_model(project: Project) -> None:
    found = meta(project, "classification: 秘密\nsecrecy_period: 6个月\nurgency: 特急\n")
    assert (found.classification, found.secrecy_period, found.urgency) == ("秘密", "6个月", "特急")
    assert found.secrecy_mark == "秘密★6个月"
    plain = meta(project, "classification: 内部资料\n")
    assert (plain.secrecy_period, plain.urgency, plain.secrecy_mark) == ("", "", "内部资料")
    assert meta(project, "classification: 内部\nsecrecy_period: 长期\n").secrecy_mark == "内部★长期"


def test_an_undeclared_classification_gets_a_did_you_mean_on_its_line(project: Project) -> None:
    assert problems(project, "classification: 机蜜\n") == [
        (9, "'classification': '机蜜' is not one the house declares (did you mean '机密'?)")
    ]
    assert problems(project, "urgency: 火速\n") == [
        (9, "'urgency': '火速' is not one the house declares; known: 特急, 加急 ([marks] in bulletin.toml)")
    ]


def test_the_secrecy_period_has_a_form_and_needs_a_classification(project: Project) -> None:
    assert problems(project, "classification: 秘密\nsecrecy_period: 一年\n") == [
        (10, "'secrecy_period': '一年' is not a period; write e.g. 1年, 6个月 or 长期")
    ]
    assert problems(project, "secrecy_period: 1年\n") == [
        (9, "'secrecy_period' needs a 'classification' (保密期限 belongs to a 密级)")
    ]
    assert problems(project, "secrecy_perod: 1年\n")[0][1] == "unknown key 'secrecy_perod' (did you mean 'secrecy_period'?)"


def test_the_house_declares_its_own_lists(project: Project) -> None:
    toml = project.root / "bulletin.toml"
    toml.write_text(
        toml.read_text(encoding="utf-8") + '\n[marks]\nclassifications = ["内部参考"]\nurgencies = ["急"]\n', encoding="utf-8"
    )
    found = meta(project, "classification: 内部参考\nurgency: 急\n")
    assert (found.classification, found.urgency) == ("内部参考", "急")
    assert problems(project, "classification: 秘密\n") == [
        (9, "'classification': '秘密' is not one the house declares; known: 内部参考 ([marks] in bulletin.toml)")
    ]


def test_a_bad_marks_table_is_named_with_its_line(project: Project, capfd: pytest.CaptureFixture[str]) -> None:
    toml = project.root / "bulletin.toml"
    text = toml.read_text(encoding="utf-8")
    toml.write_text(text + '\n[marks]\nclasifications = ["秘密"]\n', encoding="utf-8")
    code, _, err = run_cli(project, ("check",), capfd)
    line = text.count("\n") + 3
    assert code == 2
    assert f"bulletin.toml:{line}: unknown key 'marks.clasifications' (did you mean 'classifications'?)" in err


def test_the_messages_in_chinese(project: Project, capfd: pytest.CaptureFixture[str]) -> None:
    project.issue(front=FRONT + "urgency: 特级\nsecrecy_period: 1年\n")
    code, out, _ = run_cli(project, ("--lang", "zh", "check"), capfd)
    assert code == 1
    lines = out.splitlines()
    assert "issues/2026/003.md:9: “urgency”：“特级”不在本单位声明的列表中（是否应为“特急”？）" in lines
    assert "issues/2026/003.md:10: “secrecy_period”须与“classification”同用（保密期限从属于密级）" in lines


def test_new_carries_the_classification_and_its_period(project: Project, capfd: pytest.CaptureFixture[str]) -> None:
    project.issue(front=FRONT + "classification: 秘密\nsecrecy_period: 1年\nurgency: 加急\n")
    code, _, err = run_cli(project, ("new", "--date", "2026-05-20"), capfd)
    assert code == 0, err
    written = (project.root / "issues" / "2026" / "004.md").read_text(encoding="utf-8")
    assert 'classification: "秘密"\nsecrecy_period: "1年"\n' in written
    assert "urgency" not in written  # urgency belongs to one issue, not to the series
    assert dt.date(2026, 5, 20).isoformat() in written


def test_the_catalog_lists_the_marks_and_the_print_run(project: Project, capfd: pytest.CaptureFixture[str]) -> None:
    import csv
    import json
    from html.parser import HTMLParser

    project.issue(front=FRONT + "classification: 秘密\nsecrecy_period: 1年\nurgency: 特急\n")
    project.issue("2026/004.md", front=FRONT.replace("issue: 3", "issue: 4").replace("total: 51", "total: 52"))
    code, _, err = run_cli(project, ("build", "--format", "docx"), capfd)
    assert code == 0, err
    build = project.root / "build"
    entries = json.loads((build / "catalog.json").read_text(encoding="utf-8"))["issues"]
    picked = [(e["print_run"], e["classification"], e["secrecy_period"], e["urgency"]) for e in entries]
    assert picked == [(30, "秘密", "1年", "特急"), (30, "", "", "")]
    with (build / "catalog.csv").open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["print_run"], r["classification"], r["secrecy_period"], r["urgency"]) for r in rows] == [
        ("30", "秘密", "1年", "特急"), ("30", "", "", ""),
    ]

    class Cells(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.cells: list[tuple[str, str]] = []
            self.current: str | None = None

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            if tag == "td":
                self.current = dict(attrs).get("class") or ""
                self.cells.append((self.current, ""))

        def handle_data(self, data: str) -> None:
            if self.current is not None:
                name, text = self.cells[-1]
                self.cells[-1] = (name, text + data.strip())

        def handle_endtag(self, tag: str) -> None:
            if tag == "td":
                self.current = None

    page = Cells()
    page.feed((build / "index.html").read_text(encoding="utf-8"))
    assert [text for name, text in page.cells if name == "marks"] == ["秘密★1年特急", ""]
    assert [text for name, text in page.cells if name == "print-run"] == ["30份", "30份"]
