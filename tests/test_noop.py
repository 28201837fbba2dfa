"""A build with nothing to do reads no issue and leaves the catalog alone, unless its template or the house changed."""
from __future__ import annotations

import shutil

import pytest

from bulletin import pipeline
from bulletin.support.folders import TOOL_TEMPLATES

from .conftest import Project


def test_a_noop_build_rewrites_the_catalog_only_when_its_template_changed(
    project: Project, monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("BULLETIN_CACHE", str(tmp_path / "cache"))
    project.issue()
    project.issue("2026/004.md", front="issue: 4\ntotal: 52\ndate: 2026-05-25\ntitle: 第二期\nrecipients: []\neditor: 高远\nprint_run: 20\n")
    out = project.root / "build"
    config = project.config
    assert all(r.error is None for r in pipeline.build(config, [], ("html",), out, jobs=1))
    index = out / "index.html"
    written = index.stat().st_mtime_ns

    results = pipeline.build(config, [], ("html",), out, jobs=1)
    assert all(r.unchanged for r in results)
    assert index.stat().st_mtime_ns == written, "nothing changed: the catalog is not rewritten"

    shutil.copytree(TOOL_TEMPLATES, project.root / "templates")
    template = project.root / "templates" / "catalog.html.j2"
    template.write_text(template.read_text(encoding="utf-8").replace("<body", "<!-- edited --><body", 1), encoding="utf-8")
    results = pipeline.build(config, [], ("html",), out, jobs=1)
    assert all(r.unchanged for r in results), "the catalog template makes no issue"
    assert "<!-- edited -->" in index.read_text(encoding="utf-8")

    index.unlink()
    pipeline.build(config, [], ("html",), out, jobs=1)
    assert index.is_file(), "a missing catalog file is written again"
