"""Any input either builds or is refused with a domain error: generated front matter and bodies.

The examples go through reading, parsing, HTML and DOCX, a share of them also through the
PDF renderer; their number is the hypothesis profile's ("ci" by default, "thorough" with
`./dev thorough`). Each property also asserts the share of generated issues that built.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Callable

import PIL.Image
import pytest
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from bulletin.config import DEFAULT_CLASSIFICATIONS, DEFAULT_URGENCIES, Config
from bulletin.errors import BulletinError
from bulletin.pipeline import load, prepare
from bulletin.render.docx import render_docx
from bulletin.render.html import render_html
from bulletin.render.pdf import render_pdf

from .conftest import Project, budget

#: examples rendered to PDF, as a share of the profile's examples (the PDF is slow)
PDF_SHARE = 0.05

SETTINGS = dict(deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

# ---------------------------------------------------------------- strategies

HAN = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处理府研质"
#: text as typed: mostly Chinese, else any printable character (control characters come from MARKUP)
TEXT = st.text(
    alphabet=st.one_of(
        st.sampled_from(HAN + "，。、；：？！“”‘’（）《》——……·　"),
        st.characters(codec="utf-8", exclude_categories=["Cc", "Cs"]),
    ),
    max_size=30,
)

MARKUP = st.sampled_from(
    [
        "\n", "\n\n", "\n\n\n", "  \n", "# ", "## ", "### ", "#### ", "##### ", "###### ", "- ", "* ", "+ ",
        "1. ", "2) ", "> ", "    ", "\t", "*", "**", "***", "_", "__", "`", "``", "```\n", "~~~\n", "[", "]",
        "(", ")", "![图一](images/ok.png)", "![缺](images/none.png)", "![x](../../../../etc/passwd)",
        "![x](http://127.0.0.1:9/x.png)", "[链接](http://127.0.0.1:9/)", "<http://127.0.0.1:9/>", "[^1]", "[^n]",
        "[^1]: ", "[^n]: ", "|", "| a | b |\n|---|:-:|\n| 1 | 2 |\n", "|---|", "---", "* * *", "<b>", "</b>",
        "<script>alert(1)</script>", "<img src=x onerror=y>", "<style>@import url(http://127.0.0.1:9/)</style>",
        "&amp;", "&lt;", "&#0;", "&#1;", "&#11;", "&#xD800;", "&#xFFFE;", "&#x110000;", "&nbsp;", "&bogus;",
        "\\", "\\*", "{{ 7*7 }}", "{% include 'issue.html.j2' %}", "{#", "#}", "\u3000", "\u200b", "\ufeff",
        "\U0001f600", "\u202e", "\r", "\x85", "\u2028", "\x7f", "\x0b", ":", "=", "===\n", "---\n",
    ]
)

BODY = st.lists(st.one_of(MARKUP, TEXT), max_size=60).map("".join)

#: text the house fonts cover, so that most PDF examples get as far as WeasyPrint
COVERED = st.text(alphabet=st.sampled_from(HAN + "，。、；：？！“”（）《》——…… abcXYZ0123456789.,;:!?'\"()-"), max_size=30)
COVERED_BODY = st.lists(st.one_of(MARKUP, COVERED), max_size=60).map("".join)

DATE = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 31))
ANY_DATE = st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31))


@st.composite
def valid_front(draw: st.DrawFn, text: st.SearchStrategy[str] = TEXT, body: st.SearchStrategy[str] = BODY) -> dict[str, object]:
    """Front matter that passes validation, with arbitrary `text` where text is allowed."""
    issue = draw(st.integers(1, 999))
    names = st.builds(str.__add__, st.sampled_from(HAN), text)
    front: dict[str, object] = {
        "issue": issue,
        "total": draw(st.integers(issue, 99_999)),  # the schema allows at most 99,999
        "date": draw(DATE).isoformat(),
        "title": draw(names),
        "recipients": draw(st.lists(names, max_size=5)),
        "editor": draw(names),
        "print_run": draw(st.integers(1, 10**5)),
    }
    if draw(st.booleans()):
        front["classification"] = draw(st.sampled_from(DEFAULT_CLASSIFICATIONS))
        if draw(st.booleans()):
            front["secrecy_period"] = draw(st.sampled_from(["1年", "6个月", "长期"]))
    if draw(st.booleans()):
        front["urgency"] = draw(st.sampled_from(DEFAULT_URGENCIES))
    if draw(st.booleans()):
        front["cc"] = draw(text)
    if draw(st.booleans()):
        front["editor_note"] = draw(body)
    return front


ANY_VALUE = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), TEXT, ANY_DATE.map(str)),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(TEXT, inner, max_size=4)),
    max_leaves=10,
)


@st.composite
def any_front(draw: st.DrawFn) -> str:
    """Front matter text: mostly valid, sometimes with wrong values or keys, sometimes not YAML at all."""
    kind = draw(st.sampled_from(["valid", "valid", "valid", "mutated", "raw"]))
    if kind == "raw":
        return draw(st.lists(st.one_of(MARKUP, TEXT, st.sampled_from(["issue: ", "&a ", "*a", "!!", "{", "'", '"'])), max_size=20).map("".join))
    front = draw(valid_front())
    if kind == "mutated":
        for key in draw(st.lists(st.sampled_from([*front, "pirnt_run", "extra"]), min_size=1, max_size=3)):
            if draw(st.booleans()):
                front[key] = draw(ANY_VALUE)
            else:
                front.pop(key, None)
    return yaml.safe_dump(front, allow_unicode=True, sort_keys=False)


@st.composite
def issue_text(draw: st.DrawFn) -> str:
    """A whole issue file."""
    return f"---\n{draw(any_front())}---\n\n{draw(BODY)}\n"


# ---------------------------------------------------------------- the properties


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Config, Path]:
    """A project with one good image, and the path each generated issue is written to."""
    project = Project(tmp_path_factory.mktemp("generated"))
    images = project.root / "issues" / "2026" / "images"
    images.mkdir(parents=True)
    PIL.Image.new("RGB", (60, 40), "green").save(images / "ok.png")
    return project.config, project.root / "issues" / "2026" / "001.md"


def build_or_refuse(config: Config, path: Path, text: str, formats: tuple[str, ...]) -> bool:
    """Build `text` in every format; True if built, False if refused with a domain error."""
    path.write_bytes(text.encode("utf-8", "surrogatepass"))
    try:
        issue = load(path, config)
        for fmt in formats:
            output = {"html": lambda: render_html(issue, config).encode(), "docx": lambda: render_docx(issue, config), "pdf": lambda: render_pdf(prepare(path, config))}[fmt]()
            assert output
    except BulletinError as exc:
        assert str(exc).strip(), "a domain error says what is wrong"
        event(f"refused: {getattr(exc, 'problems', [exc])[0].message.split(':')[0][:30]}")
        return False
    event("built")
    return True


def built_share(run: Callable[[], None], outcomes: list[bool]) -> float:
    """Run a property over its examples; the share of generated issues that built."""
    run()
    assert outcomes, "the property ran no example"
    return sum(outcomes) / len(outcomes)


@pytest.mark.slow
def test_any_issue_builds_html_and_docx_or_is_refused(generated: tuple[Config, Path]) -> None:
    outcomes: list[bool] = []

    @settings(**SETTINGS)
    @given(text=issue_text())
    def run(text: str) -> None:
        outcomes.append(build_or_refuse(*generated, text, ("html", "docx")))

    # Three in five generated files have a valid front matter: a tool refusing them all fails here.
    assert built_share(run, outcomes) >= 0.25


@pytest.mark.slow
def test_any_body_under_good_front_matter_builds_or_is_refused(generated: tuple[Config, Path]) -> None:
    outcomes: list[bool] = []

    @settings(**SETTINGS)
    @given(front=valid_front(), body=BODY)
    def run(front: dict[str, object], body: str) -> None:
        text = f"---\n{yaml.safe_dump(front, allow_unicode=True)}---\n\n{body}\n"
        outcomes.append(build_or_refuse(*generated, text, ("html", "docx")))

    assert built_share(run, outcomes) >= 0.5


@pytest.mark.slow
def test_any_body_builds_a_pdf_or_is_refused(generated: tuple[Config, Path]) -> None:
    outcomes: list[bool] = []

    @settings(max_examples=budget(PDF_SHARE), **SETTINGS)
    @given(front=valid_front(COVERED, COVERED_BODY), body=COVERED_BODY)
    def run(front: dict[str, object], body: str) -> None:
        text = f"---\n{yaml.safe_dump(front, allow_unicode=True)}---\n\n{body}\n"
        outcomes.append(build_or_refuse(*generated, text, ("pdf",)))

    # bodies drawn from the covered characters are refused for their own reasons too (under
    # the ci profile's fixed examples 4 in 10: an image inside a paragraph, a note never
    # called, an emoji no house font has): a tool refusing more than half fails here
    assert built_share(run, outcomes) >= 0.5
