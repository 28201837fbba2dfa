"""A generator of large, valid archives for tests and benchmarks (outputs are never committed).

    .venv/bin/python tests/generate_archive.py DIR --count 1000

writes DIR/bulletin.toml and DIR/issues/YYYY/NNN.md: `count` issues, `per_year` a year,
numbered without gaps from 总第`first_total`期, dated in order, each with a word of its own.
"""
from __future__ import annotations

import argparse
import datetime as dt
import random
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

TOPICS = ("港口物流", "养老服务", "低空经济", "青年人才", "城市更新", "数字政务", "乡村振兴", "海洋经济", "营商环境", "文化旅游")
READERS = ("陈明远书记", "周立衡市长", "沈佳禾副市长", "王堃副市长", "韩子谦秘书长")
EDITORS = ("林书瑶", "何雨桐", "高远")
PHRASES = (
    "课题组对全市相关情况进行了梳理，形成以下判断。",
    "近年来，我市在这一领域取得积极进展，但仍存在一些短板。",
    "建议加强统筹协调，完善政策体系，强化要素保障。",
    "从调研情况看，企业和群众的获得感有待进一步提升。",
    "下一步，应聚焦重点环节，分步推进，务求实效。",
)
#: a few Han characters from which each issue's own word is made
WORD_CHARS = "甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉戌亥"


def unique_word(total: int) -> str:
    """A word that only issue `total` uses (in its body, never in a title)."""
    base = len(WORD_CHARS)
    digits = []
    for _ in range(3):
        total, digit = divmod(total, base)
        digits.append(WORD_CHARS[digit])
    return "检索" + "".join(digits)


def issue_text(issue: int, total: int, date: dt.date, rng: random.Random) -> str:
    """The Markdown of one generated issue."""
    topic = rng.choice(TOPICS)
    readers = rng.sample(READERS, rng.randint(0, 3))
    sections = []
    for number, heading in enumerate(("基本情况", "存在的问题", "对策建议")):
        paragraphs = "\n\n".join("".join(rng.choice(PHRASES) for _ in range(rng.randint(2, 4))) for _ in range(2))
        sections.append(f"## {heading}\n\n{paragraphs}")
    return (
        "---\n"
        f"issue: {issue}\n"
        f"total: {total}\n"
        f"date: {date.isoformat()}\n"
        f"title: 关于{topic}的几点建议（{total}）\n"
        f"recipients: [{', '.join(readers)}]\n"
        f"editor: {rng.choice(EDITORS)}\n"
        f"print_run: {rng.randint(20, 60)}\n"
        "---\n\n"
        f"{topic}是我市发展中的重要课题。本期关键词：{unique_word(total)}。\n\n" + "\n\n".join(sections) + "\n"
    )


def generate(
    root: Path, count: int, first_year: int = 2000, per_year: int = 40, first_total: int = 1, seed: int = 0
) -> list[Path]:
    """Write a project of `count` valid issues at `root`; return the issue files in order."""
    rng = random.Random(seed)
    root.mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "bulletin.toml", root / "bulletin.toml")
    paths: list[Path] = []
    for index in range(count):
        year = first_year + index // per_year
        issue = index % per_year + 1
        date = dt.date(year, 1, 1) + dt.timedelta(days=(issue - 1) * (365 // per_year))
        path = root / "issues" / str(year) / f"{issue:03d}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(issue_text(issue, first_total + index, date, rng), encoding="utf-8")
        paths.append(path)
    return paths


def main() -> None:
    """Command line: generate an archive into a folder."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--first-year", type=int, default=2000)
    parser.add_argument("--per-year", type=int, default=40)
    args = parser.parse_args()
    paths = generate(args.folder, args.count, args.first_year, args.per_year)
    print(f"{len(paths)} issues in {args.folder}")


if __name__ == "__main__":
    main()
