"""Benchmark of the archive at scale: prints figures, asserts nothing.

    .venv/bin/python -m bulletin.bench [--count 1000] [--pdf 20]

Generates an archive of COUNT issues in a temporary folder (with the generator in
tests/, so run it from a checkout), then times, each as a fresh `bulletin` process:
`check` over the whole archive, a first `build` (HTML for every issue, PDF and DOCX for
the first PDF issues), a no-op incremental `build`, and `verify` of the PDF and DOCX.
"""
from __future__ import annotations

import argparse
import importlib.util
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parent.parent
BULLETIN = Path(sys.executable).parent / "bulletin"


def _generator():  # type: ignore[no-untyped-def]
    path = CHECKOUT / "tests" / "generate_archive.py"
    if not path.is_file():
        sys.exit(f"bench: {path} not found; run the benchmark from a checkout of the project")
    spec = importlib.util.spec_from_file_location("generate_archive", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def timed(label: str, root: Path, *args: str, expect: int = 0) -> float:
    """Run `bulletin ARGS` in `root`; print and return its wall time in seconds."""
    started = time.perf_counter()
    result = subprocess.run([str(BULLETIN), *args], cwd=root, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    summary = (result.stderr.strip().splitlines() or [""])[-1]
    print(f"{label:<46} {seconds:8.2f} s   exit {result.returncode}   {summary}")
    if result.returncode != expect:
        print(result.stderr[-2000:], file=sys.stderr)
    return seconds


def main() -> None:
    """Generate, time, print."""
    parser = argparse.ArgumentParser(description="Time check and builds on a generated archive.")
    parser.add_argument("--count", type=int, default=1000, help="issues in the archive (default 1000)")
    parser.add_argument("--pdf", type=int, default=20, help="issues also built as PDF and DOCX (default 20)")
    args = parser.parse_args()
    generator = _generator()
    print(f"cores: {os.cpu_count()}   python: {sys.version.split()[0]}")
    with tempfile.TemporaryDirectory(prefix="bulletin-bench-") as folder:
        root = Path(folder)
        started = time.perf_counter()
        paths = generator.generate(root, args.count)
        print(f"{'generate ' + str(args.count) + ' issues':<46} {time.perf_counter() - started:8.2f} s")
        timed(f"check, {args.count} issues", root, "check")
        timed(f"build --format html, {args.count} issues (first)", root, "build", "--format", "html")
        timed(f"build --format html, {args.count} issues (no-op)", root, "build", "--format", "html")
        few = [str(p.relative_to(root)) for p in paths[: args.pdf]]
        if few:
            timed(f"build pdf+docx, {len(few)} issues (first)", root, "build", "--out", "build-print", *few)
            timed(f"build pdf+docx, {len(few)} issues (no-op)", root, "build", "--out", "build-print", *few)
            timed(f"verify pdf+docx, {len(few)} issues", root, "verify", "--out", "build-print")


if __name__ == "__main__":
    main()
