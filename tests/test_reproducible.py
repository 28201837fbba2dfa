"""Byte-identical rebuilds: the same inputs give the same PDF and DOCX in another folder, time zone and process."""
from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from pypdf import PdfReader

from .conftest import ROOT, SAMPLES

pytestmark = pytest.mark.slow

BULLETIN = Path(sys.executable).parent / "bulletin"


def copy_project(target: Path) -> Path:
    """A copy of the sample project (configuration and issues) at `target`."""
    target.mkdir(parents=True)
    shutil.copy(ROOT / "bulletin.toml", target / "bulletin.toml")
    shutil.copytree(ROOT / "issues", target / "issues")
    return target


def build_elsewhere(root: Path, timezone: str, seed: str, days_ahead: int = 0) -> dict[str, str]:
    """Build every issue of the project at `root` in a fresh process, the clock moved on by `days_ahead`.

    Returns the SHA-256 of each output by relative path.
    """
    env = dict(os.environ, TZ=timezone, PYTHONHASHSEED=seed, LC_ALL="C.UTF-8")
    env.pop("SOURCE_DATE_EPOCH", None)
    command = [str(BULLETIN), "build", "--jobs", "2"]
    if days_ahead:
        if not shutil.which("faketime"):
            pytest.fail("faketime is missing: run ./dev test, which installs it")
        command = ["faketime", "-f", f"+{days_ahead}d", *command]
    subprocess.run(command, cwd=root, env=env, check=True, capture_output=True, timeout=600)
    return {
        p.relative_to(root / "build").as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted((root / "build").rglob("*"))
        if p.suffix in (".pdf", ".docx")
    }


@pytest.fixture(scope="module")
def two_builds(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str], Path, dict[str, str]]:
    """The samples built twice: in two folders, two time zones, two processes with different hash seeds, on two days."""
    first = copy_project(tmp_path_factory.mktemp("here") / "bulletin-a")
    second = copy_project(tmp_path_factory.mktemp("there") / "nested" / "bulletin-b")
    return (
        first,
        build_elsewhere(first, "Asia/Shanghai", "1"),
        second,
        build_elsewhere(second, "America/Los_Angeles", "4242", days_ahead=1500),
    )


def test_every_sample_rebuilds_to_identical_bytes(two_builds) -> None:  # type: ignore[no-untyped-def]
    _, first, _, second = two_builds
    expected = {
        f"{p.relative_to(ROOT / 'issues').with_suffix('').as_posix()}.{fmt}" for p in SAMPLES for fmt in ("pdf", "docx")
    }
    assert set(first) == expected
    assert first == second


def test_the_manifests_agree_on_every_output(two_builds) -> None:  # type: ignore[no-untyped-def]
    import json

    first_root, _, second_root, _ = two_builds
    one = json.loads((first_root / "build" / "manifest.json").read_text(encoding="utf-8"))
    two = json.loads((second_root / "build" / "manifest.json").read_text(encoding="utf-8"))
    for name, record in one["issues"].items():
        assert record["inputs"] == two["issues"][name]["inputs"]
        assert {f: o["sha256"] for f, o in record["outputs"].items()} == {
            f: o["sha256"] for f, o in two["issues"][name]["outputs"].items()
        }


def test_pdf_dates_and_identifier_come_from_the_issue_not_the_clock(two_builds) -> None:  # type: ignore[no-untyped-def]
    root, _, _, _ = two_builds
    for sample in SAMPLES:
        pdf = root / "build" / sample.relative_to(ROOT / "issues").with_suffix(".pdf")
        date = re.search(r"^date: (\S+)$", sample.read_text(encoding="utf-8"), re.M).group(1).replace("-", "")
        reader = PdfReader(pdf)
        assert reader.metadata["/CreationDate"].startswith(f"D:{date}")
        assert reader.metadata["/ModDate"].startswith(f"D:{date}")
        first_id, _ = reader.trailer["/ID"]
        assert len(first_id) == 32


def test_docx_zip_entries_are_ordered_and_dated_by_the_issue(two_builds) -> None:  # type: ignore[no-untyped-def]
    root, _, _, _ = two_builds
    for sample in SAMPLES:
        docx = root / "build" / sample.relative_to(ROOT / "issues").with_suffix(".docx")
        date = dt.date.fromisoformat(re.search(r"^date: (\S+)$", sample.read_text(encoding="utf-8"), re.M).group(1))
        with zipfile.ZipFile(docx) as archive:
            infos = archive.infolist()
            assert {info.date_time[:3] for info in infos} == {(date.year, date.month, date.day)}
            assert infos[0].filename == "[Content_Types].xml"
            core = archive.read("docProps/core.xml").decode("utf-8")
        assert f"{date.isoformat()}T" in core
