"""The catalog page (build/index.html) in headless Chromium: it loads cleanly, lists every issue, and searches."""
from __future__ import annotations

import csv
import json
import os
import shutil
from pathlib import Path
from typing import Iterator
from urllib.parse import unquote, urlparse

import pytest

from tests.conftest import ROOT, SAMPLES

pytestmark = pytest.mark.slow

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """Debian's Chromium, driven by Playwright; the house fonts stand in for the reader's CJK fonts."""
    if not CHROMIUM.exists():
        pytest.fail("Chromium is missing: run ./dev test, which installs it")
    from playwright.sync_api import sync_playwright

    env = dict(os.environ, FONTCONFIG_FILE=str(ROOT / "fonts" / "fonts.conf"))
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, env=env)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, sample_build: Path, tmp_path: Path):  # type: ignore[no-untyped-def]
    """The sample catalog open in a fresh page; problems the page reports are collected in `page.problems`."""
    page = browser.new_page()
    page.problems = []
    page.requests = []
    page.on("pageerror", lambda error: page.problems.append(f"page error: {error}"))
    page.on("console", lambda message: page.problems.append(message.text) if message.type in ("error", "warning") else None)
    page.on("requestfailed", lambda request: page.problems.append(f"failed: {request.url}"))
    page.on("request", lambda request: page.requests.append(request.url))
    page.goto((sample_build / "index.html").as_uri())
    page.wait_for_load_state("load")
    yield page
    page.screenshot(path=str(tmp_path / "catalog.png"), full_page=True)
    page.close()


def test_the_page_loads_without_errors_or_network(page) -> None:  # type: ignore[no-untyped-def]
    assert page.problems == []
    assert page.requests and all(url.startswith("file://") for url in page.requests)


def test_every_issue_is_listed_by_year_with_links_that_resolve(page, sample_build: Path) -> None:  # type: ignore[no-untyped-def]
    rows = page.locator("tr.issue")
    assert rows.count() == len(SAMPLES)
    assert page.locator("tr.issue:visible").count() == len(SAMPLES)
    years = page.locator("section.year").evaluate_all("(sections) => sections.map(s => s.dataset.year)")
    assert years == sorted({p.parent.name for p in SAMPLES}, reverse=True)
    titles = rows.locator("td.title").all_inner_texts()
    catalog = json.loads((sample_build / "catalog.json").read_text(encoding="utf-8"))["issues"]
    assert sorted(titles) == sorted(entry["title"] for entry in catalog)
    hrefs = page.locator("td.links a").evaluate_all("(links) => links.map(a => a.href)")
    assert len(hrefs) == 2 * len(SAMPLES)
    for href in hrefs:
        assert Path(unquote(urlparse(href).path)).is_file(), href


def test_the_search_finds_an_issue_by_a_word_of_its_body(page, sample_build: Path) -> None:  # type: ignore[no-untyped-def]
    catalog = json.loads((sample_build / "catalog.json").read_text(encoding="utf-8"))["issues"]
    # a word from deep in one body that no other issue uses and its title does not contain
    target = next(entry for entry in catalog if "青年人才" in entry["text"])
    word = next(
        target["text"][i : i + 4]
        for i in range(len(target["text"]) // 2, len(target["text"]) - 4)
        if target["text"][i : i + 4] not in target["title"]
        and all(target["text"][i : i + 4] not in f"{e['title']} {e['text']}" for e in catalog if e is not target)
        and not any(c.isspace() for c in target["text"][i : i + 4])
    )
    page.fill("#search", word)
    visible = page.locator("tr.issue:visible td.title").all_inner_texts()
    assert visible == [target["title"]]
    assert page.locator("#count").inner_text() == "找到1期"
    assert page.locator("section.year:visible").count() == 1
    page.fill("#search", "没有这个词组合")
    assert page.locator("tr.issue:visible").count() == 0
    assert page.locator("#empty").is_visible()
    page.fill("#search", "")
    assert page.locator("tr.issue:visible").count() == len(SAMPLES)
    assert page.problems == []


def test_json_and_csv_list_the_same_issues(sample_build: Path) -> None:
    catalog = json.loads((sample_build / "catalog.json").read_text(encoding="utf-8"))["issues"]
    with (sample_build / "catalog.csv").open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [int(r["total"]) for r in rows] == [e["total"] for e in catalog] == sorted(e["total"] for e in catalog)
    assert [r["title"] for r in rows] == [e["title"] for e in catalog]
    assert rows[0]["recipients"] == "、".join(catalog[0]["recipients"])
    assert all(r["pdf"].endswith(".pdf") and (sample_build / r["pdf"]).is_file() for r in rows)


def test_the_catalog_escapes_what_it_shows(make_project, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from bulletin.archive.catalog import to_html

    project = make_project()
    entry = {
        "year": 2026, "issue": 1, "total": 1, "date": "2026-01-02", "title": "<script>alert(1)</script>",
        "recipients": [], "editor": "编辑", "classification": "", "source": "issues/2026/001.md",
        "text": "正文</script><script>alert(2)</script>", "pdf": "", "docx": "",
    }
    html = to_html([entry], project.config).decode("utf-8")
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    shutil.rmtree(project.root)
