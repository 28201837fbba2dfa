"""Published issues are sealed: a change of the house never alters them; drafts follow it; corrections are explicit."""
from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import shutil
from pathlib import Path

import pytest
from pypdf import PdfReader

from bulletin.archive.compare import describe
from bulletin.config import load_config
from bulletin.errors import BulletinError

from tests.conftest import FRONT, ROOT, Project
from tests.test_cli import run as run_cli

TODAY = dt.date.today().isoformat()
NEW_PHONE = "0571-8806 9999"


def run(project: Project, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Run the CLI in the project folder: exit code, stdout, stderr; never a traceback."""
    code, out, err = run_cli(project, *args, capsys=capsys)
    assert "Traceback" not in out + err
    return code, out, err


def front(issue: int, total: int, date: str, draft: bool = False) -> str:
    """Front matter for issue `issue` (total `total`) dated `date`."""
    text = FRONT.replace("issue: 3", f"issue: {issue}").replace("total: 51", f"total: {total}")
    text = text.replace("2026-05-18", date)
    return text + ("status: draft\n" if draft else "")


def archive(project: Project) -> None:
    """Four small issues: two of 2025 to publish, one of 2025 never published, a 2026 draft."""
    project.issue("2025/001.md", front(1, 1, "2025-06-02"), "第一期正文。\n")
    project.issue("2025/002.md", front(2, 2, "2025-09-01"), "第二期正文。\n")
    project.issue("2025/003.md", front(3, 3, "2025-11-03"), "第三期正文，尚未发布。\n")
    project.issue("2026/001.md", front(1, 4, "2026-02-02", draft=True), "二〇二六年第一期的征求意见稿。\n")


def text(path: Path) -> str:
    """The PDF's text, without spaces or line breaks."""
    return "".join("".join(page.extract_text() or "" for page in PdfReader(path).pages).split())


def sha(path: Path) -> str:
    """SHA-256 of a file."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def outputs(project: Project, *names: str) -> dict[str, str]:
    """SHA-256 of the archived and built PDF and DOCX of the issues `names` (e.g. '2025/001')."""
    found = {}
    for name in names:
        for folder in ("archive", "build"):
            for fmt in ("pdf", "docx"):
                path = project.root / folder / f"{name}.{fmt}"
                found[path.relative_to(project.root).as_posix()] = sha(path)
    return found


def change_the_house(project: Project) -> None:
    """A new tagline, a new phone number from 2026-01-01, and a changed issue template."""
    toml = project.root / "bulletin.toml"
    toml.write_text(
        toml.read_text(encoding="utf-8").replace("市级重点新型智库", "省级重点新型智库")
        + f'\n[[contact.from]]\ndate = 2026-01-01\nphone = "{NEW_PHONE}"\n',
        encoding="utf-8",
    )
    shutil.copytree(ROOT / "templates", project.root / "templates")
    template = project.root / "templates" / "issue.html.j2"
    source = template.read_text(encoding="utf-8")
    assert "{{ issue.series.tagline }}</p>" in source
    template.write_text(source.replace("{{ issue.series.tagline }}</p>", "{{ issue.series.tagline }}新版</p>"), encoding="utf-8")


@pytest.mark.slow
def test_a_change_of_the_house_leaves_published_issues_alone(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    archive(project)
    code, out, err = run(project, capsys, "publish", "issues/2025/001.md", "issues/2025/002.md")
    assert code == 0, err
    assert out.split() == [
        "archive/2025/001.pdf", "archive/2025/001.docx", "archive/2025/001.json",
        "archive/2025/002.pdf", "archive/2025/002.docx", "archive/2025/002.json",
    ]
    code, _, err = run(project, capsys, "build")
    assert code == 0, err
    assert "2 published issue(s) left as published\n" in err
    sealed = outputs(project, "2025/001", "2025/002")
    # the build folder serves the published bytes
    assert sealed["build/2025/001.pdf"] == sealed["archive/2025/001.pdf"]
    assert sealed["build/2025/002.docx"] == sealed["archive/2025/002.docx"]
    draft_before = sha(project.root / "build/2026/001.pdf")

    change_the_house(project)
    code, out, err = run(project, capsys, "build")
    assert code == 0, err
    assert (
        "2 published issue(s) left as published; the current house would change 2 of them "
        "(series.tagline, templates/issue.html.j2)" in err
    ), err
    # not one byte of a published issue changed, in archive/ or in build/
    assert outputs(project, "2025/001", "2025/002") == sealed
    assert "市级重点新型智库" in text(project.root / "build/2025/001.pdf")
    assert "0571-88062317" in text(project.root / "build/2025/002.pdf")
    # the draft follows the house: the new tagline, the template's change, the phone of 2026
    assert sha(project.root / "build/2026/001.pdf") != draft_before
    draft = text(project.root / "build/2026/001.pdf")
    assert "省级重点新型智库新版" in draft and NEW_PHONE.replace(" ", "") in draft
    assert "0571-88062317" not in draft
    # an issue of 2025 never published takes the new tagline but keeps the phone of 2025
    unpublished = text(project.root / "build/2025/003.pdf")
    assert "省级重点新型智库新版" in unpublished
    assert "0571-88062317" in unpublished and NEW_PHONE.replace(" ", "") not in unpublished
    # the archive record holds what the outputs were made from
    record = json.loads((project.root / "archive/2025/001.json").read_text(encoding="utf-8"))
    edition = record["editions"][0]
    assert edition["house"]["series"]["tagline"] == "市级重点新型智库"
    assert edition["house"]["contact"]["phone"] == "0571-8806 2317"
    assert edition["outputs"]["pdf"]["sha256"] == sealed["archive/2025/001.pdf"]
    assert edition["source"] == {"issues/2025/001.md": sha(project.root / "issues/2025/001.md")}
    assert edition["inputs"]["templates/issue.html.j2"] == sha(ROOT / "templates" / "issue.html.j2")
    assert edition["environment"]["python"] and "tool" in edition["inputs"]
    assert edition["fonts"]["FandolFang-Regular.otf"] == sha(ROOT / "fonts" / "FandolFang-Regular.otf")
    # a build with nothing changed copies nothing and renders nothing
    code, out, err = run(project, capsys, "build")
    assert (code, out) == (0, "")
    assert "built 0, unchanged 4" in err
    # the catalog tells published from unpublished and draft
    catalog = {e["source"]: e for e in json.loads((project.root / "build/catalog.json").read_text(encoding="utf-8"))["issues"]}
    assert catalog["issues/2025/001.md"]["status"] == "published"
    assert catalog["issues/2025/001.md"]["published"] == TODAY
    assert catalog["issues/2025/003.md"]["status"] == "unpublished"
    assert catalog["issues/2026/001.md"]["status"] == "draft"


@pytest.mark.slow
def test_a_reissue_keeps_the_old_edition_and_records_its_reason(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    path = project.issue("2025/001.md", front(1, 1, "2025-06-02"), "港口吞吐量为一点二亿吨。\n")
    assert run(project, capsys, "publish", "issues/2025/001.md")[0] == 0
    first = outputs(project, "2025/001")
    path.write_text(path.read_text(encoding="utf-8").replace("一点二亿吨", "一点六亿吨"), encoding="utf-8")
    # an edited published issue is not rebuilt: the build warns and serves the published edition
    code, out, err = run(project, capsys, "build")
    assert code == 0
    assert "issues/2025/001.md: warning: changed since it was published" in err
    assert outputs(project, "2025/001") == first
    code, _, err = run(project, capsys, "publish", "issues/2025/001.md")
    assert code == 1 and "bulletin reissue" in err
    # verify rebuilds the published edition from the source its PDF embeds
    code, out, err = run(project, capsys, "verify")
    assert (code, out) == (0, ""), out
    assert "issues/2025/001.md: changed since it was published; rebuilt from the copy embedded in the archived PDF" in err
    code, _, err = run(project, capsys, "reissue", "issues/2025/001.md", "--reason", " ")
    assert code == 2 and "--reason is empty" in err

    code, out, err = run(project, capsys, "reissue", "issues/2025/001.md", "--reason", "更正：吞吐量数据有误")
    assert code == 0, err
    assert "archive/2025/001.r1.pdf" in out.split()
    # the first edition is kept byte for byte beside the corrected one
    assert sha(project.root / "archive/2025/001.r1.pdf") == first["archive/2025/001.pdf"]
    assert sha(project.root / "archive/2025/001.r1.docx") == first["archive/2025/001.docx"]
    assert "一点二亿吨" in text(project.root / "archive/2025/001.r1.pdf")
    assert "一点六亿吨" in text(project.root / "archive/2025/001.pdf")
    # what differs between the editions, as verify says it
    found = describe("pdf", (project.root / "archive/2025/001.r1.pdf").read_bytes(), (project.root / "archive/2025/001.pdf").read_bytes())
    assert "text differs on page 1" in found and "pages:" not in found, found
    found = describe("docx", (project.root / "archive/2025/001.r1.docx").read_bytes(), (project.root / "archive/2025/001.docx").read_bytes())
    assert "parts differ: word/document.xml" in found and "text differs in paragraph" in found, found
    assert sha(project.root / "build/2025/001.pdf") == sha(project.root / "archive/2025/001.pdf")
    record = json.loads((project.root / "archive/2025/001.json").read_text(encoding="utf-8"))
    assert [(e["edition"], e["date"], e["reason"]) for e in record["editions"]] == [
        (1, TODAY, None),
        (2, TODAY, "更正：吞吐量数据有误"),
    ]
    assert record["editions"][0]["outputs"]["pdf"]["sha256"] == first["archive/2025/001.pdf"]
    # the catalog shows the history in JSON, CSV and the page
    entry = json.loads((project.root / "build/catalog.json").read_text(encoding="utf-8"))["issues"][0]
    assert (entry["status"], entry["published"], entry["reissues"]) == (
        "reissued", TODAY, [{"date": TODAY, "reason": "更正：吞吐量数据有误"}]
    )
    row = next(csv.DictReader(io.StringIO((project.root / "build/catalog.csv").read_text(encoding="utf-8-sig"))))
    assert (row["status"], row["published"], row["reissues"]) == ("reissued", TODAY, f"{TODAY}: 更正：吞吐量数据有误")
    page = (project.root / "build/index.html").read_text(encoding="utf-8")
    assert f"更正 <time>{TODAY}</time>：更正：吞吐量数据有误" in page and f"发布于 <time>{TODAY}</time>" in page
    # a reissue that would change nothing is refused, and the archive is left as it is
    before = {p: sha(p) for p in (project.root / "archive").rglob("*") if p.is_file()}
    code, _, err = run(project, capsys, "reissue", "issues/2025/001.md", "--reason", "再次更正")
    assert code == 1 and "same bytes as the published edition" in err
    assert {p: sha(p) for p in (project.root / "archive").rglob("*") if p.is_file()} == before
    # a damaged archived file is never copied into the build
    archived = project.root / "archive/2025/001.pdf"
    data = bytearray(archived.read_bytes())
    data[1000] ^= 0x01
    archived.write_bytes(bytes(data))
    shutil.rmtree(project.root / "build")
    code, out, err = run(project, capsys, "build")
    assert code == 1
    assert err.startswith("archive/2025/001.pdf: differs from its archive record (sha256 "), err
    assert not (project.root / "build/2025/001.pdf").exists()


def test_only_issues_of_the_archive_are_published(project: Project, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    outside = tmp_path / "elsewhere" / "001.md"
    outside.parent.mkdir()
    outside.write_text("---\n" + front(1, 1, "2025-06-02") + "---\n\n正文。\n", encoding="utf-8")
    code, _, err = run(project, capsys, "publish", str(outside))
    assert code == 2
    assert err.strip().endswith("001.md is not under issues/: only issues of the archive are published")


def test_a_draft_is_not_published(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    project.issue("2026/001.md", front(1, 1, "2026-02-02", draft=True))
    code, out, err = run(project, capsys, "publish", "issues/2026/001.md")
    assert code == 1
    assert "issues/2026/001.md: is a draft ('status: draft'): remove the line to publish it" in err
    assert not (project.root / "archive").exists()


def test_an_issue_with_numbering_problems_is_not_published(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    project.issue("2025/001.md", front(1, 1, "2025-06-02"))
    project.issue("2025/002.md", front(2, 3, "2025-07-02"))
    code, _, err = run(project, capsys, "publish", "issues/2025/002.md")
    assert code == 1 and "总第2期 missing" in err
    assert not (project.root / "archive").exists()


def test_reissue_needs_a_published_issue(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    project.issue("2025/001.md", front(1, 1, "2025-06-02"))
    code, _, err = run(project, capsys, "reissue", "issues/2025/001.md", "--reason", "更正")
    assert code == 1
    assert "issues/2025/001.md: was never published: use 'bulletin publish' first" in err


def test_a_damaged_archive_record_is_one_line(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    project.issue("2025/001.md", front(1, 1, "2025-06-02"))
    (project.root / "archive" / "2025").mkdir(parents=True)
    (project.root / "archive" / "2025" / "001.json").write_text("{", encoding="utf-8")
    code, _, err = run(project, capsys, "build", "--format", "html")
    assert code == 2
    assert err.startswith("archive/2025/001.json: cannot read the archive record")


def dated(project: Project, entries: str) -> Path:
    """bulletin.toml with `entries` appended."""
    toml = project.root / "bulletin.toml"
    toml.write_text(toml.read_text(encoding="utf-8") + "\n" + entries, encoding="utf-8")
    return toml


def test_house_values_change_from_a_date_on(project: Project) -> None:
    dated(
        project,
        '[[contact.from]]\ndate = 2026-03-01\naddress = "新址"\n\n'
        f'[[contact.from]]\ndate = 2026-01-01\nphone = "{NEW_PHONE}"\n\n'
        '[[series.from]]\ndate = 2026-01-01\ntagline = "省级重点新型智库"\n',
    )
    config = load_config(project.root)
    before = config.contact_on(dt.date(2025, 12, 31))
    assert (before.phone, before.address) == ("0571-8806 2317", config.contact.address)
    assert config.contact_on(dt.date(2026, 1, 1)).phone == NEW_PHONE
    assert config.contact_on(dt.date(2026, 1, 1)).address == config.contact.address
    later = config.contact_on(dt.date(2026, 3, 1))
    assert (later.phone, later.address) == (NEW_PHONE, "新址")
    assert config.series_on(dt.date(2025, 12, 31)).tagline == "市级重点新型智库"
    assert config.series_on(dt.date(2026, 6, 1)).tagline == "省级重点新型智库"


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        ('[[contact.from]]\ndate = 2026-01-01\nphone = "1"\n\n[[contact.from]]\ndate = 2026-01-01\nfax = "2"\n',
         "[[contact.from]] date 2026-01-01 is given twice"),
        ("[[contact.from]]\ndate = 2026-01-01\n", "the change from 2026-01-01 sets no value"),
        ('[[contact.from]]\ndate = "2026-01-01"\nphone = "1"\n', "'contact.from.0.date': input should be a valid date"),
        ('[[contact.from]]\ndate = 2026-01-01\nphnoe = "1"\n', "unknown key 'contact.from.0.phnoe' (did you mean 'phone'?)"),
        ('[[series.from]]\nphone = "1"\n', "missing key 'series.from.0.date'"),
    ],
)
def test_a_bad_dated_value_is_one_located_line(project: Project, entries: str, message: str) -> None:
    toml = dated(project, entries)
    with pytest.raises(BulletinError) as caught:
        load_config(project.root)
    problems = getattr(caught.value, "problems", [caught.value])
    assert any(message in str(p) for p in problems), [str(p) for p in problems]
    line = toml.read_text(encoding="utf-8").splitlines().index(entries.splitlines()[0]) + 1
    assert all(p.path == toml and p.line is not None and p.line >= line for p in problems)
    if "twice" in message:  # the line of the second entry
        assert problems[0].line == line + 4


def test_a_publish_waits_for_another_and_sees_its_record(project: Project, tmp_path: Path) -> None:
    # Two publishes of one issue at once: the second waits for the first's lock and then
    # finds its record (already published), so the archive never holds two half-records.
    import subprocess
    import sys
    import threading

    from bulletin.archive.publish import archive_dir, publish, record_path

    archive(project)
    config = load_config(project.root)
    source = project.root / "issues" / "2025" / "001.md"
    held, release = tmp_path / "held", tmp_path / "release"
    holder = subprocess.Popen([sys.executable, "-c", (
        "import sys, time; from pathlib import Path; from bulletin.output import directory_lock\n"
        "with directory_lock(Path(sys.argv[1])):\n"
        "    Path(sys.argv[2]).touch()\n"
        "    while not Path(sys.argv[3]).exists(): time.sleep(0.02)\n"
    ), str(config.root), str(held), str(release)], cwd=ROOT)
    try:
        for _ in range(500):
            if held.exists():
                break
            threading.Event().wait(0.02)
        assert held.exists(), "the holder never took the lock"
        results: list[bool] = []
        worker = threading.Thread(target=lambda: results.append(publish(config, source, dt.date(2025, 6, 3))[1]))
        worker.start()
        worker.join(timeout=1.0)
        # held by the other process: nothing is written and the publish is still waiting
        assert worker.is_alive() and not record_path(config, source).exists()
        release.touch()
        worker.join(timeout=120)
        assert results == [True] and record_path(config, source).exists()
    finally:
        release.touch()
        holder.wait(timeout=30)
    # a second publish of the same issue finds the record
    assert publish(config, source, dt.date(2025, 6, 4))[1] is False
    # the project and its archive keep no lock file
    assert not (archive_dir(config) / ".bulletin.lock").exists() and not (project.root / ".bulletin.lock").exists()


def test_a_reissue_stopped_before_its_record_can_be_run_again(
    project: Project, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from bulletin.archive import publish as sealing

    path = project.issue("2025/001.md", front(1, 1, "2025-06-02"), "港口吞吐量为一点二亿吨。\n")
    assert run(project, capsys, "publish", "issues/2025/001.md")[0] == 0
    first = outputs(project, "2025/001")
    record = (project.root / "archive/2025/001.json").read_bytes()
    path.write_text(path.read_text(encoding="utf-8").replace("一点二亿吨", "一点六亿吨"), encoding="utf-8")
    config = load_config(project.root)

    def stopped(target: Path, data: dict[str, object]) -> None:
        raise KeyboardInterrupt  # the machine goes down after the new files, before the record

    monkeypatch.setattr(sealing, "_write", stopped)
    with pytest.raises(KeyboardInterrupt):
        sealing.reissue(config, path, "更正：吞吐量数据有误", dt.date.today())
    # the edition in force is aside, the new files over it, the record unchanged
    assert (project.root / "archive/2025/001.json").read_bytes() == record
    assert sha(project.root / "archive/2025/001.r1.pdf") == first["archive/2025/001.pdf"]
    assert sha(project.root / "archive/2025/001.pdf") != first["archive/2025/001.pdf"]
    monkeypatch.undo()
    # a build meanwhile says what happened and copies nothing of it
    shutil.rmtree(project.root / "build")
    code, _, err = run(project, capsys, "build")
    assert code == 1 and "a reissue was stopped before it finished: run 'bulletin reissue' again" in err, err
    # run again: the first edition is put back from its copy, then corrected as usual
    code, out, err = run(project, capsys, "reissue", "issues/2025/001.md", "--reason", "更正：吞吐量数据有误")
    assert code == 0, err
    assert sha(project.root / "archive/2025/001.r1.pdf") == first["archive/2025/001.pdf"]
    assert sha(project.root / "archive/2025/001.r1.docx") == first["archive/2025/001.docx"]
    assert "一点六亿吨" in text(project.root / "archive/2025/001.pdf")
    editions = json.loads((project.root / "archive/2025/001.json").read_text(encoding="utf-8"))["editions"]
    assert [e["edition"] for e in editions] == [1, 2]
    assert run(project, capsys, "verify")[0] == 0
