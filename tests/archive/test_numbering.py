"""The archive: numbering integrity over every issue, and the numbers of the next issue."""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from bulletin.archive.numbering import archive_problems, next_issue_file, next_numbers
from tests.conftest import FRONT, Project
from tests.test_cli import run as run_cli


def front(issue: int, total: int, date: str) -> str:
    """Front matter with the given numbers and date."""
    return FRONT.replace("issue: 3", f"issue: {issue}").replace("total: 51", f"total: {total}").replace(
        "date: 2026-05-18", f"date: {date}"
    )


def archive(project: Project, *issues: tuple[str, int, int, str]) -> None:
    """Write issues given as (relative path, issue, total, date)."""
    for relative, issue, total, date in issues:
        project.issue(relative, front=front(issue, total, date))


def check(project: Project, capsys: pytest.CaptureFixture[str], *paths: str) -> tuple[int, list[str]]:
    """Run `bulletin check` in the project; exit code and the problem lines."""
    code, out, err = run_cli(project, "check", *paths, capsys=capsys)
    assert "Traceback" not in out + err
    return code, out.strip().splitlines()


GOOD = (
    ("2025/011.md", 11, 47, "2025-10-16"),
    ("2025/012.md", 12, 48, "2025-12-09"),
    ("2026/001.md", 1, 49, "2026-01-22"),
    ("2026/002.md", 2, 50, "2026-03-05"),
)


def test_an_archive_may_start_anywhere_and_passes(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    archive(project, *GOOD)
    assert check(project, capsys) == (0, [])


def test_a_gap_names_both_files(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    archive(project, *GOOD[:2], ("2026/002.md", 2, 50, "2026-03-05"))
    code, lines = check(project, capsys)
    assert code == 1
    assert lines == [
        "issues/2026/002.md:3: 总第50期 follows 总第48期 (issues/2025/012.md): 总第49期 missing "
        "(declare known gaps in bulletin.toml [archive] gaps)"
    ]


def test_a_declared_gap_is_accepted(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    archive(project, *GOOD[:2], ("2026/003.md", 3, 51, "2026-03-05"))
    with (project.root / "bulletin.toml").open("a", encoding="utf-8") as toml:
        toml.write('\n[archive]\ngaps = [{first_total = 49, last_total = 50, reason = "not digitised"}]\n')
    assert check(project, capsys) == (0, [])


def test_a_declared_gap_may_not_hide_an_issue(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    archive(project, *GOOD)
    with (project.root / "bulletin.toml").open("a", encoding="utf-8") as toml:
        toml.write("\n[archive]\ngaps = [{first_total = 50, last_total = 52}]\n")
    code, lines = check(project, capsys)
    assert code == 2
    assert lines == ["bulletin.toml: [archive] gap 总第50–52期 includes 总第50期, which issues/2026/002.md uses"]


def test_a_repeated_issue_number_names_both_files(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    archive(project, *GOOD[:2], ("2025/013.md", 12, 49, "2025-12-20"))
    code, lines = check(project, capsys)
    assert code == 1
    assert lines == ["issues/2025/013.md:2: 第12期 of 2025 is used twice: also by issues/2025/012.md"]


def test_a_reused_total_names_both_files(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    archive(project, *GOOD[:2], ("2025/013.md", 13, 48, "2025-12-20"))
    code, lines = check(project, capsys)
    assert code == 1
    assert lines == ["issues/2025/013.md:3: 总第48期 is used twice: also by issues/2025/012.md"]


def test_a_date_out_of_order_names_both_files(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    archive(project, ("2025/011.md", 11, 47, "2025-10-16"), ("2025/012.md", 12, 48, "2025-09-30"))
    code, lines = check(project, capsys)
    assert code == 1
    assert lines == [
        "issues/2025/012.md:4: dated 2025-09-30, before 总第47期 (issues/2025/011.md, 2025-10-16): "
        "numbers and dates must ascend together"
    ]


def test_an_issue_number_out_of_step_within_the_year(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    archive(project, ("2025/011.md", 11, 47, "2025-10-16"), ("2025/013.md", 13, 48, "2025-12-09"))
    code, lines = check(project, capsys)
    assert code == 1
    assert lines == ["issues/2025/013.md:2: 第13期 follows 第11期 of 2025 (issues/2025/011.md): expected 第12期"]


def test_a_new_year_starts_at_one(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    archive(project, GOOD[1], ("2026/002.md", 2, 49, "2026-01-22"))
    code, lines = check(project, capsys)
    assert code == 1
    assert lines == [
        "issues/2026/002.md:2: 第2期 opens 2026 after issues/2025/012.md of 2025: expected 第1期"
    ]


def test_a_date_in_the_future_is_an_error(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    tomorrow = dt.date.today() + dt.timedelta(days=1)
    archive(project, (f"{tomorrow.year}/001.md", 1, 1, tomorrow.isoformat()))
    code, lines = check(project, capsys)
    assert code == 1
    assert lines == [f"issues/{tomorrow.year}/001.md:4: date {tomorrow} is in the future (today is {dt.date.today()}): "
                     "add 'status: draft' until it is published"]


def test_checking_one_file_reports_only_problems_that_involve_it(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    archive(project, *GOOD[:2], ("2026/002.md", 2, 50, "2026-03-05"), ("2026/003.md", 3, 50, "2026-03-06"))
    code, lines = check(project, capsys, "issues/2025/011.md")
    assert (code, lines) == (0, [])
    code, lines = check(project, capsys, "issues/2026/003.md")
    assert code == 1
    assert lines == ["issues/2026/003.md:3: 总第50期 is used twice: also by issues/2026/002.md"]


def test_every_problem_of_a_bad_archive_is_found(project: Project) -> None:
    archive(
        project,
        ("2025/011.md", 11, 47, "2025-10-16"),
        ("2025/012.md", 12, 47, "2025-10-20"),
        ("2025/014.md", 14, 50, "2025-10-01"),
        ("2025/015.md", 14, 51, "2025-11-01"),
    )
    messages = sorted(str(p) for p in archive_problems(project.config))
    assert len(messages) == 4, messages
    assert any("总第47期 is used twice" in m for m in messages)
    assert any("总第48–49期 missing" in m for m in messages)
    assert any("dated 2025-10-01, before 总第47期" in m for m in messages)
    assert any("第14期 of 2025 is used twice" in m for m in messages)


def test_build_of_one_issue_does_not_need_a_valid_archive(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    archive(project, *GOOD[:2], ("2025/013.md", 12, 48, "2025-12-20"))
    code, _, _ = run_cli(project, "build", "--format", "html", "issues/2025/011.md", capsys=capsys)
    assert code == 0
    assert (project.root / "build" / "2025" / "011.html").is_file()


@pytest.mark.parametrize(
    ("date", "expected"),
    [("2026-03-10", (3, 51)), ("2027-01-05", (1, 51))],
)
def test_next_numbers_follow_the_archive(project: Project, date: str, expected: tuple[int, int]) -> None:
    archive(project, *GOOD)
    assert next_numbers(project.config, dt.date.fromisoformat(date)) == expected


def test_next_numbers_skip_a_declared_gap(project: Project) -> None:
    archive(project, *GOOD)
    with (project.root / "bulletin.toml").open("a", encoding="utf-8") as toml:
        toml.write("\n[archive]\ngaps = [{first_total = 51, last_total = 52}]\n")
    assert next_numbers(project.config, dt.date(2026, 4, 1)) == (5, 53)


def test_the_next_issue_passes_check_once_its_placeholders_are_filled(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    archive(project, *GOOD)
    path = next_issue_file(project.config, dt.date(2026, 4, 1))
    assert path == project.root / "issues" / "2026" / "003.md"
    code, lines = check(project, capsys)
    assert code == 1
    assert lines[0] == "issues/2026/003.md:5:8: placeholder 【待填：标题】 not filled in"
    assert len(lines) == 5 and all("placeholder 【待填：" in line for line in lines), lines
    text = path.read_text(encoding="utf-8")
    path.write_text(re.sub(r"【待填：[^】]*】", "填好的内容", text), encoding="utf-8")
    assert check(project, capsys) == (0, [])


def test_a_new_issue_may_not_predate_the_archive(project: Project) -> None:
    archive(project, *GOOD)
    with pytest.raises(Exception, match="before the latest issue"):
        next_numbers(project.config, dt.date(2026, 1, 1))


@pytest.mark.slow
def test_a_generated_archive_of_1000_issues_checks_clean_and_breaks_loudly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.generate_archive import generate

    paths = generate(tmp_path / "big", 1000, first_year=2000, per_year=40)
    project = Project.__new__(Project)
    project.root = tmp_path / "big"
    assert check(project, capsys) == (0, [])
    assert next_numbers(project.config, dt.date(2025, 6, 1)) == (1, 1001)
    repeated, gap_before, gap_after = paths[500], paths[799], paths[801]
    text = repeated.read_text(encoding="utf-8")
    repeated.write_text(text.replace("total: 501\n", "total: 500\n"), encoding="utf-8")
    paths[800].unlink()
    code, lines = check(project, capsys)
    shown = [p.relative_to(project.root).as_posix() for p in (paths[499], repeated, gap_before, gap_after, paths[501])]
    assert code == 1
    assert lines == [
        f"{shown[1]}:3: 总第500期 is used twice: also by {shown[0]}",
        # the total the repeat left unused is a gap too
        f"{shown[4]}:3: 总第502期 follows 总第500期 ({shown[0]}): 总第501期 missing "
        "(declare known gaps in bulletin.toml [archive] gaps)",
        f"{shown[3]}:3: 总第802期 follows 总第800期 ({shown[2]}): 总第801期 missing "
        "(declare known gaps in bulletin.toml [archive] gaps)",
    ]
