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


#: sentences of a report's body, of every length, with the marks, figures and quotes issues have
SENTENCES = (
    "课题组先后赴六个区县开展实地调研，召开座谈会十余场，走访企业和基层单位三十余家。",
    "总体看，相关工作起步较早、基础较好，但与先进地区相比仍有差距。",
    "据统计，今年前三季度全市相关产业实现营业收入412.6亿元，同比增长8.7%。",
    "其中，规模以上企业贡献了约七成的增量，中小企业的活力有待进一步激发。",
    "不少受访者反映，“政策知道得晚、门槛看不懂、申报跑不起”的问题依然存在。",
    "一些区县仍习惯于“各管一段”，部门之间的数据共享和业务协同还不够顺畅。",
    "从需求端看，群众对服务质量和便利程度的期待明显提高。",
    "从供给端看，专业机构数量偏少、布局不均，难以满足多样化需求。",
    "在调研的126家企业中，有58家表示将在未来一年内扩大投入，占46.0%。",
    "但也有企业坦言：“不是不想干，而是不知道从哪里入手。”",
    "对此，建议坚持问题导向，分类施策、精准发力。",
    "要把有限的资金用在刀刃上，避免“撒胡椒面”。",
    "要完善考核评价办法，把群众满意度作为衡量工作成效的重要标准。",
    "同时，应加强对重点项目的跟踪服务，及时协调解决用地、用能、融资等方面的困难。",
    "可借鉴外地经验，探索建立“一张清单管到底、一个平台办到底”的工作机制。",
    "建议由市发展改革委牵头，会同财政、人社、自然资源等部门，研究制定具体实施方案。",
    "力争到2027年，相关指标达到全省平均水平以上。",
    "这既是应对当前困难的现实需要，也是增强长远竞争力的战略选择。",
    "调研还发现，基层干部普遍反映任务重、人手紧，专业能力有待提升。",
    "部分政策文件出台后缺乏配套细则，落地效果打了折扣。",
    "以某区为例，其通过整合存量资源，新建服务站点23个，覆盖人口约15万人。",
    "该做法投入少、见效快，群众认可度较高，具有一定的推广价值。",
    "当然，也要看到，一些深层次矛盾尚未根本解决。",
    "比如，（一）标准体系不健全；（二）人才供给不足；（三）资金保障不稳定。",
    "下一步，应在巩固已有成果的基础上，进一步补短板、强弱项、增后劲。",
    "必须清醒认识到，这项工作涉及面广、政策性强，不可能一蹴而就。",
    "各地应立足实际，量力而行，防止盲目攀比和“一刀切”。",
    "《实施意见》印发以来，全市累计投入资金9.8亿元，带动社会投资约27亿元。",
    "调查显示，受访群众的总体满意度为87.3分，比上年提高2.1分。",
    "但在办事效率、信息公开、诉求回应等方面，得分仍低于平均水平。",
    "建议把这项工作纳入年度重点任务清单，明确责任单位和完成时限，定期通报进展。",
    "有条件的地方，可先行先试，形成可复制、可推广的经验。",
)


def report_text(issue: int, total: int, date: dt.date, rng: random.Random) -> str:
    """The Markdown of one generated issue of a report's length: sections, subsections, paragraphs of 2 to 10 lines."""
    topic = rng.choice(TOPICS)

    def paragraph() -> str:
        return "".join(rng.choice(SENTENCES) for _ in range(rng.randint(2, 8)))

    parts = [paragraph(), paragraph()]
    for number, heading in enumerate(("基本情况", "存在的问题", "对策建议")):
        parts.append(f"## {heading}")
        if rng.random() < 0.5:
            parts.extend(paragraph() for _ in range(rng.randint(1, 3)))
            continue
        for sub in range(rng.randint(2, 3)):
            parts.append(f"### {('统筹推进', '夯实基础', '完善机制', '强化保障')[sub]}")
            parts.extend(paragraph() for _ in range(rng.randint(1, 3)))
    return (
        "---\n"
        f"issue: {issue}\n"
        f"total: {total}\n"
        f"date: {date.isoformat()}\n"
        f"title: 关于{topic}工作的调研报告（{total}）\n"
        f"recipients: [{', '.join(rng.sample(READERS, rng.randint(1, 3)))}]\n"
        f"editor: {rng.choice(EDITORS)}\n"
        f"print_run: {rng.randint(20, 60)}\n"
        "---\n\n" + "\n\n".join(parts) + "\n"
    )


def generate(
    root: Path,
    count: int,
    first_year: int = 2000,
    per_year: int = 40,
    first_total: int = 1,
    seed: int = 0,
    reports: bool = False,
) -> list[Path]:
    """Write a project of `count` valid issues at `root`; return the issue files in order.

    The issues are short (a page and a bit of stock sentences, each with a word of its
    own), or with `reports` of a report's length (three to six pages, no own words).
    """
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
        text = (report_text if reports else issue_text)(issue, first_total + index, date, rng)
        path.write_text(text, encoding="utf-8")
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
