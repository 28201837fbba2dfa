"""The render job: a build reads the issue file once, and every output and record comes from those bytes."""
from __future__ import annotations

import ast
import hashlib
import io
import json
import sys
from pathlib import Path

import PIL.Image
import pytest
from pypdf import PdfReader

from bulletin import pipeline
from bulletin.errors import ContentError

from .conftest import BODY, FRONT, ROOT, Project

#: (path, mode) of every file opened in this process while `_opened` is recording
_opened: list[tuple[str, str]] | None = None


def _audit(event: str, args: tuple) -> None:  # type: ignore[type-arg]
    if event == "open" and _opened is not None and isinstance(args[0], (str, bytes, Path)):
        _opened.append((str(args[0]) if not isinstance(args[0], bytes) else args[0].decode(), str(args[1])))


sys.addaudithook(_audit)  # audit hooks cannot be removed: it records only while `_opened` is a list


def opens_during(call, path: Path) -> tuple[object, int]:  # type: ignore[no-untyped-def]
    """Run `call()`; its result and how many times it opened `path`."""
    global _opened
    _opened = []
    try:
        result = call()
        return result, sum(1 for name, _ in _opened if Path(name).resolve() == path.resolve())
    finally:
        _opened = None


@pytest.fixture
def illustrated(project: Project, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """An issue with one image, in a project with its own input-state cache."""
    monkeypatch.setenv("BULLETIN_CACHE", str(tmp_path / "cache"))
    images = project.root / "issues" / "2026" / "images"
    images.mkdir(parents=True)
    PIL.Image.new("RGB", (90, 60), "navy").save(images / "chart.png")
    return project.issue(body=BODY + "\n![图1 示意](images/chart.png)\n\n最后一段。\n")


@pytest.mark.slow
def test_a_build_reads_the_issue_file_once_first_and_after_a_change(project: Project, illustrated: Path) -> None:
    out = project.root / "build"
    config = project.config
    build = lambda: pipeline.build(config, [illustrated], ("pdf", "docx"), out, jobs=1)  # noqa: E731

    results, opens = opens_during(build, illustrated)
    assert [r.error for r in results] == [None] and opens == 1

    illustrated.write_text(illustrated.read_text(encoding="utf-8").replace("最后一段", "改过的最后一段"), encoding="utf-8")
    results, opens = opens_during(build, illustrated)
    assert [r.error for r in results] == [None] and not results[0].unchanged
    assert opens == 1, "the bytes read to see the change are the bytes built"

    results, opens = opens_during(build, illustrated)
    assert results[0].unchanged and opens == 0, "an unchanged file, known by its state, is not read at all"


@pytest.mark.slow
def test_pdf_attachment_manifest_and_catalog_come_from_the_bytes_read(
    project: Project, illustrated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The file is saved again in the middle of the build: every output still agrees with the first read."""
    original = illustrated.read_bytes()
    render_all = pipeline.render_all

    def saved_meanwhile(job, formats):  # type: ignore[no-untyped-def]
        illustrated.write_text(illustrated.read_text(encoding="utf-8").replace("关于测试", "关于另一件事"), encoding="utf-8")
        return render_all(job, formats)

    monkeypatch.setattr(pipeline, "render_all", saved_meanwhile)
    out = project.root / "build"
    [built] = pipeline.build(project.config, [illustrated], ("pdf",), out, jobs=1)
    assert built.error is None

    reader = PdfReader(out / "2026" / "003.pdf")
    assert reader.attachments["003.md"][0] == original
    assert "关于测试" in "".join(page.extract_text() for page in reader.pages)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    record = manifest["issues"]["issues/2026/003.md"]
    assert record["inputs"]["issues/2026/003.md"] == hashlib.sha256(original).hexdigest()
    image = (illustrated.parent / "images" / "chart.png").read_bytes()
    assert record["inputs"]["issues/2026/images/chart.png"] == hashlib.sha256(image).hexdigest()
    assert reader.attachments["images/chart.png"][0] == image
    assert record["catalog"]["title"] == "关于测试的几点建议"
    catalog = json.loads((out / "catalog.json").read_text(encoding="utf-8"))
    assert [entry["title"] for entry in catalog["issues"]] == ["关于测试的几点建议"]


def test_glyph_coverage_is_checked_before_any_renderer_runs(project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    path = project.issue(body="这一段有一个私用区字符\ue000。\n")

    def never(job):  # type: ignore[no-untyped-def]
        raise AssertionError("a renderer ran for an issue that fails its check")

    monkeypatch.setattr(pipeline, "renderer", lambda fmt: never)
    with pytest.raises(ContentError) as raised:
        pipeline.build_one(path, project.config, ("pdf",), project.root / "build")
    assert "U+E000" in str(raised.value) and raised.value.line == 11
    assert not (project.root / "build").exists()
    # a DOCX alone prints no glyph of the house fonts: it is not refused for one
    job = pipeline.prepare(path, project.config, check_glyphs=False)
    assert job.source == path.read_bytes()


def _imports(relative: str) -> set[str]:
    """The bulletin modules a module of the package imports, as dotted names under bulletin."""
    path = ROOT / "bulletin" / relative
    package = ["bulletin", *Path(relative).parent.parts]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package[: len(package) - node.level + 1]
            names = [node.module] if node.module else [alias.name for alias in node.names]
            found.update(".".join([*base, *name.split(".")]) for name in names)
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("bulletin"):
            found.add(node.module or "")
    return found


@pytest.mark.parametrize("module", ["render/pdf.py", "render/pdfa.py"])
def test_the_pdf_renderers_import_only_the_model_the_house_and_helpers(module: str) -> None:
    allowed = {
        "bulletin.config", "bulletin.errors", "bulletin.support.folders", "bulletin.support.fonts", "bulletin.house",
        "bulletin.job", "bulletin.model", "bulletin.typography",
        "bulletin.render.html", "bulletin.render.justify", "bulletin.render.pdfa",
    }  # fmt: skip
    assert _imports(module) <= allowed, _imports(module) - allowed


@pytest.mark.parametrize("module", ["archive/manifest.py", "archive/catalog.py", "archive/volume.py"])
def test_archive_modules_find_the_templates_without_the_html_renderer(module: str) -> None:
    assert "bulletin.render.html" not in _imports(module)


def test_the_job_serves_its_images_to_weasyprint_from_memory(project: Project, illustrated: Path) -> None:
    from bulletin.render.pdf import allowed_roots, make_fetcher

    job = pipeline.prepare(illustrated, project.config)
    image = illustrated.parent / "images" / "chart.png"
    assert [path for path, _ in job.images] == [image.resolve()]
    image.write_bytes(b"changed on disk after the job read it")
    fetched = make_fetcher(allowed_roots(job.issue, job.config), job)(image.as_uri())
    assert PIL.Image.open(io.BytesIO(fetched.read())).size == (90, 60)
