"""The installed package: a wheel in a fresh environment makes a new project and builds it like the checkout."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

from bulletin import __version__

from tests.conftest import ROOT


def run(*args: str | Path, cwd: Path | None = None, env: dict[str, str] | None = None) -> str:
    """Run a command; its standard output, or the test fails with what it printed."""
    done = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"{args}: exit {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The `bulletin` script of a fresh virtual environment holding only the built wheel (and the pinned dependencies)."""
    work = tmp_path_factory.mktemp("wheel")
    # built from a copy: setuptools writes build/ and *.egg-info beside the sources it builds
    source = work / "source"
    shutil.copytree(
        ROOT, source, symlinks=True,
        ignore=shutil.ignore_patterns(".git", ".venv", "build", "*.egg-info", "__pycache__", ".pytest_cache", ".hypothesis"),
    )
    run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", work / "dist", source)
    wheels = list((work / "dist").glob("bulletin-*.whl"))
    assert len(wheels) == 1, wheels
    env_dir = work / "env"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    # The dependencies are the ones already installed for the tests (no network): the fresh
    # environment sees their folder through a .pth line, but not the checkout's own package.
    site = Path(sysconfig.get_paths()["purelib"])
    fresh_site = next((env_dir / "lib").glob("python3*/site-packages"))
    (fresh_site / "dependencies.pth").write_text(f"{site}\n", encoding="utf-8")
    run(env_dir / "bin" / "python", "-m", "pip", "install", "--no-deps", "--no-index", "-q", wheels[0])
    return env_dir / "bin"


def clean_env() -> dict[str, str]:
    """The environment without anything that points Python at the checkout."""
    return {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "PYTHONHOME"}}


@pytest.mark.slow
def test_the_wheel_makes_a_project_that_builds_as_the_checkout_builds_it(installed: Path, tmp_path: Path) -> None:
    outside = tmp_path / "house"
    env = clean_env()
    # the package, not the checkout: its module is inside the fresh environment
    where = run(installed / "python", "-c", "import bulletin; print(bulletin.__file__)", cwd=tmp_path, env=env)
    assert str(installed.parent) in where and str(ROOT) not in where
    assert run(installed / "python", "-m", "bulletin", "--version", cwd=tmp_path, env=env).strip().endswith(__version__)

    run(installed / "bulletin", "init", outside, cwd=tmp_path, env=env)
    run(installed / "bulletin", "build", cwd=outside, env=env)
    from_wheel = {p.relative_to(outside / "build"): p.read_bytes() for p in (outside / "build").rglob("*.pdf")}
    assert from_wheel, "the new project built no PDF"

    again = tmp_path / "again"
    subprocess.run(["cp", "-a", str(outside), str(again)], check=True)
    subprocess.run(["rm", "-rf", str(again / "build")], check=True)
    run(sys.executable, "-m", "bulletin", "build", cwd=again, env={**env, "PYTHONPATH": str(ROOT)})
    from_checkout = {p.relative_to(again / "build"): p.read_bytes() for p in (again / "build").rglob("*.pdf")}
    assert from_wheel == from_checkout
