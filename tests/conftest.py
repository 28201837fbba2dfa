"""Shared fixtures: temporary projects, issue files and the sample build."""
from __future__ import annotations

import os
import shutil
import textwrap
from pathlib import Path
from typing import Callable, Sequence

import pytest
from hypothesis import settings

from bulletin.cli import main
from bulletin.config import Config, load_config
from bulletin.pipeline import build

# Hypothesis profiles: "ci" (the default, a few hundred examples for a property) keeps the
# suite fast; "thorough" (`./dev thorough`, or pytest --hypothesis-profile=thorough)
# runs the full counts.
settings.register_profile("ci", max_examples=200, derandomize=True)  # the same examples on every run: no flaky shares
settings.register_profile("thorough", max_examples=3000)
settings.load_profile("ci")


def budget(share: float) -> int:
    """Examples for a slow property: a share of the active profile's examples, at least 5."""
    return max(5, round(settings.default.max_examples * share))


ROOT = Path(__file__).resolve().parent.parent
SAMPLES = sorted((ROOT / "issues").rglob("*.md"))

FRONT = """\
issue: 3
total: 51
date: 2026-05-18
title: 关于测试的几点建议
recipients: [陈明远书记, 周立衡市长]
editor: 林书瑶
print_run: 30
"""

BODY = """\
这是第一段正文，用来检查排版。

## 基本情况

第二段正文。
"""


class Project:
    """A throwaway project: bulletin.toml (the sample house's) and an issues/ folder."""

    def __init__(self, root: Path) -> None:
        self.root = root
        shutil.copy(ROOT / "bulletin.toml", root / "bulletin.toml")
        (root / "issues").mkdir()

    @property
    def config(self) -> Config:
        """The project's configuration, freshly loaded."""
        return load_config(self.root)

    def issue(self, relative: str = "2026/003.md", front: str = FRONT, body: str = BODY) -> Path:
        """Write an issue file from front matter and body text; return its path."""
        path = self.root / "issues" / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"---\n{textwrap.dedent(front)}---\n\n{textwrap.dedent(body)}", encoding="utf-8")
        return path

    def raw(self, relative: str, data: bytes) -> Path:
        """Write an issue file byte for byte; return its path."""
        path = self.root / "issues" / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return path

    def files(self) -> set[Path]:
        """Every file in the project, to prove that a command wrote nothing."""
        return {p for p in self.root.rglob("*") if p.is_file()}


def run_cli(project: Project, args: Sequence[str], capture: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """Run the command line in the project folder; exit code, stdout, stderr."""
    old = Path.cwd()
    os.chdir(project.root)
    try:
        code = main(list(args))
    finally:
        os.chdir(old)
    out, err = capture.readouterr()
    return code, out, err


@pytest.fixture
def project(tmp_path: Path) -> Project:
    """A fresh temporary project."""
    return Project(tmp_path)


@pytest.fixture
def make_project(tmp_path_factory: pytest.TempPathFactory) -> Callable[[], Project]:
    """A factory of fresh temporary projects."""
    return lambda: Project(tmp_path_factory.mktemp("project"))


@pytest.fixture(scope="session")
def sample_config() -> Config:
    """The repository's own configuration."""
    return load_config(ROOT)


@pytest.fixture(scope="session")
def sample_build(tmp_path_factory: pytest.TempPathFactory, sample_config: Config) -> Path:
    """Every sample issue built once as PDF and DOCX; the output folder."""
    out = tmp_path_factory.mktemp("build")
    results = build(sample_config, [], ("pdf", "docx"), out)
    failed = [str(r.error) for r in results if r.error]
    assert not failed, failed
    return out
