"""Issues built straight from the model for the DOCX tests: every kind of block and inline."""
from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

from PIL import Image as PILImage

from bulletin import model as m
from bulletin.config import Config
from bulletin.house import DocxFonts

SERIES = m.Series(name="临江参阅", kind="专报", publisher="临江发展研究院 临江城市智库主办", tagline="市级重点新型智库")
CONTACT = m.Contact(phone="0571-8806 2317", address="临江市滨江区观澜路88号临江发展研究院", fax="0571-8806 2318")
META = m.Meta(
    issue=7,
    total=89,
    date=dt.date(2025, 10, 6),
    title="关于推动临江港口物流数字化转型的几点建议",
    recipients=("陈明远书记", "周立衡市长"),
    editor="林书瑶",
    print_run=30,
    classification="内部资料",
)


def text(value: str) -> m.Text:
    """A plain text inline."""
    return m.Text(value)


def para(*items: m.Inline | str) -> m.Paragraph:
    """A paragraph from strings and inlines."""
    return m.Paragraph(tuple(text(i) if isinstance(i, str) else i for i in items))


def config(root: Path, fonts: DocxFonts = DocxFonts()) -> Config:
    """A configuration for the sample house, without reading bulletin.toml."""
    return Config(
        root=root,
        path=root / "bulletin.toml",
        series=SERIES,
        contact=CONTACT,
        docx_fonts=fonts,
        gaps=(),
        colophon_on_even_page=False,
    )


def chart(folder: Path) -> Path:
    """A 600 × 300 PNG (2:1) to place as a figure."""
    path = folder / "chart.png"
    PILImage.new("RGB", (600, 300), (200, 30, 30)).save(path, format="PNG")
    return path


def full_issue(folder: Path) -> m.Issue:
    """An issue using every part of the model once."""
    body: tuple[m.Block, ...] = (
        para(
            "2024年，临江港完成货物吞吐量1.62亿吨，",
            m.Emphasis((text("同比增长4.1%"),)),
            "，",
            m.Strong((text("集装箱吞吐量首次突破250万标箱"),)),
            "。",
            m.FootnoteRef(1),
            m.LineBreak(),
            m.Link((text("详见附表"),), "https://example.org"),
            m.Code("TEU"),
        ),
        m.Heading(1, "一、", (text("基本情况"),)),
        m.Heading(2, "（一）", (text("码头作业"),)),
        m.Heading(3, "1.", (text("闸口"),)),
        m.Heading(4, "（1）", (text("东湾作业区"),)),
        para("东湾作业区建成智能闸口8条。", m.FootnoteRef(2)),
        m.ListBlock(True, (m.ListItem((para("近期完成改造；"),)), m.ListItem((para("远期全面推广。"),)))),
        m.ListBlock(False, (m.ListItem((para("助餐服务"),)), m.ListItem((para("上门服务"),)))),
        m.Table(
            (m.TableCell((text("指标"),)), m.TableCell((text("2024年"),), "right"), m.TableCell((text("2025年"),), "right")),
            (
                (m.TableCell((text("集装箱吞吐量（万标箱）"),)), m.TableCell((text("251"),), "right"),
                 m.TableCell((text("276"),), "right")),
                (m.TableCell((text("外贸航线（条）"),)), m.TableCell((text("36"),), "right"),
                 m.TableCell((text("41"),), "right")),
            ),
        ),
        m.Quote((para("新建住宅小区应当按照标准配套建设社区养老服务用房。"),)),
        m.Image(chart(folder), "2021—2025年临江港集装箱吞吐量"),
        m.CodeBlock("第一行\n第二行"),
        m.Rule(),
        para("只要坚持规划先行，临江港就有望建成智慧港口。"),
    )
    return m.Issue(
        source=folder / "issues" / "2025" / "007.md",
        series=SERIES,
        contact=CONTACT,
        meta=META,
        editor_note=(para("本文分析了临江港的数字化进展，供领导参阅。"),),
        body=body,
        footnotes=(
            m.Footnote(1, (para("资料来源：临江市统计局。"),)),
            m.Footnote(2, (para("资料来源：临江海关。"),)),
        ),
    )


#: Han characters without punctuation, so every full line holds exactly the grid's 28
HAN = "临江港口物流数字化转型建设智慧港区推动区域枢纽发展提升通关效率优化营商环境服务地方经济"


def long_issue(folder: Path, paragraphs: int = 24) -> m.Issue:
    """An issue of plain Han paragraphs long enough for several full pages."""
    issue = full_issue(folder)
    body = tuple(para(HAN * 4) for _ in range(paragraphs))
    return replace(issue, editor_note=(), body=body, footnotes=())


def even_config(root: Path) -> Config:
    """The sample house with the colophon on an even page (GB/T 9704)."""
    return replace(config(root), colophon_on_even_page=True)
