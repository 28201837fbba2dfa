"""Benchmark: bulletin against pandoc and Typst on the same content, and an archive at scale.

    .venv/bin/pip install -e '.[bench]'        # pandoc (pypandoc-binary) and Typst, pinned
    .venv/bin/python tools/bench.py [--runs 5] [--archive 200] [--issue issues/2026/002.md]

Prints one table, measured in one run. Every figure is a whole process (start-up
included) except the warm re-render, which is what a process already running (the live
preview) pays. Runs of the single-issue tools alternate, and each figure is the median
of `--runs` runs, so that load from other processes falls on all of them alike; on a
shared machine read the ratios, not the seconds. Peak RSS is the largest resident set
of any one process of the run (os.wait4), workers included.

The comparison documents are made from the same Markdown file: pandoc reads it as it is
(to HTML and then PDF through WeasyPrint, with a stylesheet of the same page, faces and
sizes, and to DOCX); Typst compiles pandoc's Typst conversion of it under a preamble of
the same page, faces and sizes. All three see only the house fonts.

This is a benchmark, not a test: it asserts nothing and never runs in the test suite.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
#: the command that runs bulletin (see --checkout)
BULLETIN = [str(BIN / "bulletin")]
#: the environment of every bulletin process
BULLETIN_ENV = dict(os.environ)
FONTS = CHECKOUT / "fonts"

#: the targets, as (row, limit, what the limit is measured against)
INSTALL_HINT = (
    "the benchmark needs pandoc and Typst from the optional 'bench' extra:\n"
    f"    {BIN / 'pip'} install -e '{CHECKOUT}[bench]'"
)


@dataclass
class Run:
    """One child process: wall time, peak RSS and exit code."""

    seconds: float
    rss_mb: float
    code: int
    stderr: str


def run(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> Run:
    """Run `command` to its end; its wall time and the peak RSS of its process tree (largest process)."""
    with tempfile.TemporaryFile() as errors:
        started = time.perf_counter()
        child = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=errors)
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        errors.seek(0)
        text = errors.read().decode("utf-8", "replace")
    if child.returncode != 0:
        print(f"bench: {' '.join(command[:3])}… exited {child.returncode}:\n{text[-1500:]}", file=sys.stderr)
    return Run(seconds, usage.ru_maxrss / 1024, child.returncode, text)


def median(runs: list[Run]) -> Run:
    """The run of median time (its RSS is the largest of all runs)."""
    ordered = sorted(runs, key=lambda r: r.seconds)
    middle = ordered[len(ordered) // 2]
    return Run(statistics.median(r.seconds for r in runs), max(r.rss_mb for r in runs), middle.code, middle.stderr)


def _tools() -> tuple[str, object]:
    """pandoc's path and the typst module, or exit with how to install them."""
    try:
        import pypandoc
        import typst
    except ImportError:
        sys.exit(INSTALL_HINT)
    return pypandoc.get_pandoc_path(), typst


def _generator():  # type: ignore[no-untyped-def]
    path = CHECKOUT / "tests" / "generate_archive.py"
    spec = importlib.util.spec_from_file_location("generate_archive", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def pandoc_css() -> str:
    """A stylesheet of the house's page, faces and sizes, for pandoc's HTML.

    The faces are named as fontconfig knows them (FONTCONFIG_FILE shows only the house
    fonts): pandoc makes the HTML self-contained, and @font-face rules would have it
    inline 80 MB of fonts as base64.
    """
    return """@page { size: A4; margin: 37mm 26mm 35mm 28mm;
  @bottom-right { content: "— " counter(page) " —"; font: 14pt "FandolSong", "Noto Serif CJK SC"; } }
body { font-family: "FandolFang", "Noto Serif CJK SC"; font-size: 16pt; line-height: 28.95pt;
  letter-spacing: -0.21pt; text-align: justify; margin: 0; max-width: none; padding: 0; }
p { margin: 0; text-indent: 2em; }
header h1.title, h1 { font-family: "Noto Serif CJK SC"; font-weight: 700; font-size: 22pt;
  line-height: 1.5; text-align: center; margin: 14pt 0; }
h2 { font-family: "FandolHei", "Noto Serif CJK SC"; font-size: 16pt; font-weight: 400; margin: 0; text-indent: 2em; }
h3 { font-family: "FandolKai", "Noto Serif CJK SC"; font-size: 16pt; font-weight: 400; margin: 0; text-indent: 2em; }
h4, h5 { font-size: 16pt; font-weight: 700; margin: 0; text-indent: 2em; }
em { font-family: "FandolKai", "Noto Serif CJK SC"; font-style: normal; }
strong { font-family: "FandolHei", "Noto Serif CJK SC"; font-weight: 400; }
table { border-collapse: collapse; font-size: 14pt; line-height: 1.4; margin: 0 auto; }
td, th { border: 0.5pt solid #000; padding: 2pt 4pt; }
img { max-width: 100%; max-height: 150mm; }
figure { margin: 0; text-align: center; }
.footnotes { font-size: 10.5pt; line-height: 1.5; }
"""


TYPST_PREAMBLE = """#set page(paper: "a4", margin: (top: 37mm, bottom: 35mm, left: 28mm, right: 26mm),
  numbering: "— 1 —", number-align: right)
#set text(font: ("FandolFang", "Noto Serif CJK SC"), size: 16pt, lang: "zh", region: "cn", tracking: -0.21pt)
#set par(justify: true, first-line-indent: (amount: 2em, all: true), leading: 12.95pt, spacing: 12.95pt)
#show heading: set text(size: 16pt, weight: "regular")
#show heading.where(level: 1): set text(font: ("FandolHei", "Noto Serif CJK SC"))
#show heading.where(level: 2): set text(font: ("FandolKai", "Noto Serif CJK SC"))
#show emph: set text(font: ("FandolKai", "Noto Serif CJK SC"), style: "normal")
#show strong: set text(font: ("FandolHei", "Noto Serif CJK SC"), weight: "regular")
#show table: set text(size: 14pt)
#show footnote.entry: set text(size: 10.5pt)
#align(center, text(font: "Noto Serif CJK SC", weight: "bold", size: 22pt)[TITLE])
"""


def prepare(folder: Path, issue: Path, pandoc: str) -> dict[str, Path]:
    """A project holding the one sample issue, and the comparison documents made from it."""
    project = folder / "one"
    (project / "issues").mkdir(parents=True)
    shutil.copy(CHECKOUT / "bulletin.toml", project / "bulletin.toml")
    shutil.copytree(issue.parent, project / "issues" / issue.parent.name)
    source = project / "issues" / issue.parent.name / issue.name
    css = folder / "pandoc.css"
    css.write_text(pandoc_css(), encoding="utf-8")
    typ = folder / "issue.typ"
    body = subprocess.run(
        [pandoc, str(source), "-f", "markdown", "-t", "typst"], capture_output=True, text=True, check=True, cwd=source.parent
    ).stdout
    import yaml

    title = yaml.safe_load(source.read_text(encoding="utf-8").split("---")[1])["title"].replace("|", "")
    typ.write_text(TYPST_PREAMBLE.replace("TITLE", title) + body, encoding="utf-8")
    # pandoc's Typst names images relative to the issue; the Typst root is the issue's folder
    for image in (source.parent / "images").glob("*"):
        (folder / "images").mkdir(exist_ok=True)
        shutil.copy(image, folder / "images" / image.name)
    return {"project": project, "source": source, "css": css, "typ": typ}


WARM = r"""
import json, sys, time, resource
from pathlib import Path
from bulletin import pipeline
from bulletin.config import load_config

root, source, out, runs = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]), int(sys.argv[4])
config = load_config(root)
text = source.read_text(encoding="utf-8")


def render():
    # what the live preview does on a save: check the issue, render the PDF and the DOCX in memory
    if hasattr(pipeline, "prepare"):
        job = pipeline.prepare(source, config)
        return [pipeline.renderer(fmt)(job) for fmt in ("pdf", "docx")]
    issue = pipeline.load(source, config)
    return [pipeline.renderer(fmt)(issue, config) for fmt in ("pdf", "docx")]


def build():
    [built] = pipeline.build(config, [source], ("pdf", "docx"), out, jobs=1)
    assert built.error is None and not built.unchanged, built


render()  # the process warms up
pipeline.build(config, [source], ("pdf", "docx"), out, jobs=1, force=True)
found = {}
for name, step in (("render", render), ("build", build)):
    times = []
    for n in range(runs):
        source.write_text(text.replace("。", f"（{name}{n}）。", 1), encoding="utf-8")
        started = time.perf_counter()
        step()
        times.append(time.perf_counter() - started)
    found[name] = sorted(times)[len(times) // 2]
source.write_text(text, encoding="utf-8")
found["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(found))
"""


def single(paths: dict[str, Path], pandoc: str, runs: int) -> dict[str, Run]:
    """The single-issue figures, runs of the tools alternating."""
    project, source = paths["project"], paths["source"]
    folder = paths["css"].parent
    env = dict(os.environ, FONTCONFIG_FILE=str(FONTS / "fonts.conf"), PATH=f"{BIN}{os.pathsep}{os.environ['PATH']}")
    typst_code = (
        "import sys, typst; typst.compile(sys.argv[1], output=sys.argv[2], root=sys.argv[3], "
        "font_paths=[sys.argv[4]], ignore_system_fonts=True)"
    )
    commands = {
        "bulletin build, PDF + DOCX": ([*BULLETIN, "build", str(source)], project),
        "bulletin build, PDF only": ([*BULLETIN, "build", "--format", "pdf", str(source)], project),
        "pandoc -> WeasyPrint, PDF": (
            [pandoc, str(source), "-s", "-o", str(folder / "pandoc.pdf"), "--pdf-engine=weasyprint",
             f"--css={paths['css']}", f"--resource-path={source.parent}"],
            source.parent,
        ),
        "pandoc, DOCX": ([pandoc, str(source), "-o", str(folder / "pandoc.docx")], source.parent),
        "Typst, PDF": (
            [sys.executable, "-c", typst_code, str(paths["typ"]), str(folder / "typst.pdf"), str(folder), str(FONTS)],
            folder,
        ),
    }
    measured: dict[str, list[Run]] = {label: [] for label in commands}
    for _ in range(runs):
        for label, (command, cwd) in commands.items():
            shutil.rmtree(project / "build", ignore_errors=True)
            measured[label].append(run(command, cwd, BULLETIN_ENV if label.startswith("bulletin") else env))
    results = {label: median(found) for label, found in measured.items()}
    warm = subprocess.run(
        [sys.executable, "-c", WARM, str(project), str(source), str(project / "build-warm"), str(runs)],
        capture_output=True, text=True, cwd=project, env=BULLETIN_ENV,
    )
    if warm.returncode == 0:
        data = json.loads(warm.stdout.strip().splitlines()[-1])
        results["warm re-render, PDF + DOCX (live preview)"] = Run(data["render"], data["rss_mb"], 0, "")
        results["warm build of the changed issue, PDF + DOCX"] = Run(data["build"], data["rss_mb"], 0, "")
    else:
        print(f"bench: the warm re-render failed:\n{warm.stderr[-1500:]}", file=sys.stderr)
    return results


def archive(folder: Path, count: int, runs: int = 3) -> dict[str, Run]:
    """Full, no-op and one-changed builds of a generated archive of `count` issues, PDF and DOCX.

    The full build runs once; the no-op build and the build after changing one issue
    (another issue each time) are the median of `runs`.
    """
    root = folder / "archive"
    paths = _generator().generate(root, count)
    results = {f"archive of {count}: full build": run([*BULLETIN, "build"], root, BULLETIN_ENV)}
    results[f"archive of {count}: no-op build"] = median([run([*BULLETIN, "build"], root, BULLETIN_ENV) for _ in range(runs)])
    changed = []
    for n in range(runs):
        path = paths[(n + 1) * len(paths) // (runs + 1)]
        path.write_text(path.read_text(encoding="utf-8").replace("。", "，另见附表。", 1), encoding="utf-8")
        changed.append(run([*BULLETIN, "build"], root, BULLETIN_ENV))
    results[f"archive of {count}: one issue changed"] = median(changed)
    return results


def table(results: dict[str, Run], count: int) -> list[str]:
    """The figures, their ratios and the targets, as Markdown table rows."""
    pandoc_pdf = results["pandoc -> WeasyPrint, PDF"].seconds
    typst = results["Typst, PDF"].seconds
    lines = ["| measure | time (s) | peak RSS (MB) | ratio | target |", "|---|---:|---:|---:|---|"]

    def verdict(ok: bool) -> str:
        return "met" if ok else "NOT met"

    for label, result in results.items():
        ratio, target = "", ""
        if label.startswith("bulletin build") or label.startswith("pandoc"):
            ratio = f"{result.seconds / pandoc_pdf:.2f} × pandoc PDF"
        if label == "bulletin build, PDF + DOCX":
            target = f"≤ 1.0 × pandoc PDF: {verdict(result.seconds <= pandoc_pdf)}"
        if label == "Typst, PDF":
            ratio = f"{result.seconds / pandoc_pdf:.2f} × pandoc PDF"
        if label.startswith("warm re-render"):
            target = f"≤ 0.5 s: {verdict(result.seconds <= 0.5)}"
        if label.endswith("full build"):
            per_issue = result.seconds / count
            ratio = f"{per_issue:.3f} s/issue = {per_issue / typst:.2f} × Typst"
            target = f"≤ 3 × Typst per issue: {verdict(per_issue <= 3 * typst)}"
        if label.endswith("no-op build"):
            target = f"< 1 s: {verdict(result.seconds < 1)}"
        if result.code != 0:
            target = f"exit {result.code}! " + target
        lines.append(f"| {label} | {result.seconds:.2f} | {result.rss_mb:.0f} | {ratio} | {target} |")
    worst = max(r.rss_mb for label, r in results.items() if not label.startswith(("pandoc", "Typst")))
    lines.append(f"| peak RSS of any bulletin process | | {worst:.0f} | | < 500 MB: {verdict(worst < 500)} |")
    return lines


def main() -> None:
    """Measure, then print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs of each single-issue measure (median; default 5)")
    parser.add_argument("--archive", type=int, default=200, help="issues in the generated archive (default 200; 0 skips)")
    parser.add_argument("--issue", type=Path, default=CHECKOUT / "issues" / "2026" / "002.md", help="the sample issue")
    parser.add_argument(
        "--checkout", type=Path, help="measure the bulletin package in this folder (an export of another commit)"
    )
    args = parser.parse_args()
    pandoc, _ = _tools()
    if args.checkout:
        BULLETIN[:] = [sys.executable, "-m", "bulletin.cli"]
        BULLETIN_ENV["PYTHONPATH"] = str(args.checkout.resolve())
    elif not Path(BULLETIN[0]).is_file():
        sys.exit(f"bench: {BULLETIN[0]} not found: run ./dev setup first")
    with tempfile.TemporaryDirectory(prefix="bulletin-bench-") as temporary:
        folder = Path(temporary)
        paths = prepare(folder, args.issue.resolve(), pandoc)
        results = single(paths, pandoc, args.runs)
        if args.archive:
            results.update(archive(folder, args.archive))
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"cores: {os.cpu_count()}   load average at the end: {load:.1f}   python: {sys.version.split()[0]}   "
          f"runs: {args.runs} (median), alternating   issue: {args.issue.name}"
          + (f"   bulletin from {args.checkout}" if args.checkout else ""))
    print("\n".join(table(results, args.archive)))


if __name__ == "__main__":
    main()
