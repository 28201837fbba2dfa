"""The print run: numbered copies of an archived issue in one print-ready PDF, and CUPS.

The copies are the archived PDF's pages, not a new typesetting: each copy's first page
gets its six-digit copy number (份号, 000001 …) at the top left of the type area, set by
WeasyPrint in the house body face at 三号 and laid over the page with pypdf. When the
issue has an odd number of pages a blank back page follows each copy, so that every
copy starts on a front page in duplex printing. See docs/printing.md.
"""
from __future__ import annotations

import hashlib
import html
import io
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from bulletin.config import Config
from bulletin.errors import UsageError, display_path
from bulletin.house import GEOMETRY
from bulletin.output import atomic_write

@dataclass(frozen=True)
class Slot:
    """Where the copy number goes on a copy's first page, and in what type."""

    left_mm: float  # from the page's left edge to the line's start
    top_mm: float  # from the page's top edge to the top of the line
    size_pt: float
    line_pt: float  # the line's height
    face: str  # a face of the house fonts (fonts/fonts.toml)


def copy_number_slot(config: Config) -> Slot:
    """The house's 份号 slot: the first line of the type area on page 1, flush left, in its role's type.

    The archived edition leaves that line empty (the marks group reserves it), so the
    stamp overprints nothing; it is set as a line of the slot's role is, so its glyphs
    land where the house puts them (`house.copy_number_position`).
    """
    house = config.house
    g, role = house.geometry, house.roles["copy_number"]
    return Slot(
        left_mm=g.margin_left_mm,
        top_mm=g.margin_top_mm,
        size_pt=role.pt(g),
        line_pt=role.line(g),
        face=house.face("copy_number").chain[0],
    )


def copy_number(number: int) -> str:
    """The six-digit copy number GB/T 9704 asks for: 7 -> 000007."""
    return f"{number:06d}"


def parse_only(text: str, print_run: int) -> tuple[int, ...]:
    """`--only 7,12` as sorted copy numbers, each within the print run."""
    numbers: set[int] = set()
    for part in text.split(","):
        part = part.strip()
        if not part.isdigit() or int(part) < 1:
            raise UsageError(f"--only {text}: '{part}' is not a copy number (1 or more)")
        if int(part) > print_run:
            raise UsageError(f"--only {text}: copy {int(part)} is beyond the print run of {print_run}")
        numbers.add(int(part))
    return tuple(sorted(numbers))


def stamps_pdf(config: Config, numbers: tuple[int, ...]) -> bytes:
    """One A4 page per copy number, holding only that number at the 份号 slot, in the house body face."""
    from bulletin.support.fonts import fonts_dir, isolate_fontconfig, load_fonts
    from bulletin.render.pdf import make_fetcher

    folder = fonts_dir(config.root)
    isolate_fontconfig(folder)
    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration

    fonts = load_fonts(folder)
    slot = copy_number_slot(config)
    faces = "".join(
        f'@font-face {{ font-family: "{font.face}"; font-weight: {font.weight}; src: url("{font.path.as_uri()}"); }}'
        for font in fonts
        if font.face == slot.face
    )
    pages = "".join(f'<div class="n">{html.escape(copy_number(n))}</div>' for n in numbers)
    css = (
        f"{faces} @page {{ size: {GEOMETRY.page_width_mm}mm {GEOMETRY.page_height_mm}mm; margin: 0; }}"
        f" body {{ margin: 0; }}"
        f' .n {{ font-family: "{slot.face}"; font-size: {slot.size_pt}pt; line-height: {slot.line_pt}pt;'
        f" padding: {slot.top_mm:.3f}mm 0 0 {slot.left_mm:.3f}mm; page-break-after: always; }}"
        f" .n:last-child {{ page-break-after: auto; }}"
    )
    document = f'<!doctype html><html lang="zh-CN"><head><style>{css}</style></head><body>{pages}</body></html>'
    roots = (folder.resolve(),)
    pdf: bytes | None = HTML(string=document, base_url=folder.resolve().as_uri() + "/", url_fetcher=make_fetcher(roots)).write_pdf(
        font_config=FontConfiguration()
    )
    assert pdf is not None
    return pdf


def run_pdf(config: Config, archived: Path, numbers: tuple[int, ...]) -> bytes:
    """The print run: copies `numbers` of the archived PDF, each numbered, each starting on a front page."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import ArrayObject, ByteStringObject

    data = archived.read_bytes()
    reader = PdfReader(io.BytesIO(data))
    stamps = PdfReader(io.BytesIO(stamps_pdf(config, numbers)))
    count = len(reader.pages)
    width, height = float(reader.pages[0].mediabox.width), float(reader.pages[0].mediabox.height)
    writer = PdfWriter()
    for index, _number in enumerate(numbers):
        first = len(writer.pages)
        # a fresh reader per copy keeps each copy's page objects its own, so one stamp stays on one copy
        copy = PdfReader(io.BytesIO(data)) if index else reader
        for page in copy.pages:
            writer.add_page(page)
        writer.pages[first].merge_page(stamps.pages[index], over=True)
        if count % 2:
            writer.add_blank_page(width=width, height=height)
    writer.add_metadata(
        {
            "/Title": f"{reader.metadata.title if reader.metadata and reader.metadata.title else archived.stem}",
            "/Creator": "bulletin",
            "/Producer": "bulletin",
        }
    )
    digest = hashlib.md5(data, usedforsecurity=False)
    digest.update(",".join(map(str, numbers)).encode())
    writer._ID = ArrayObject([ByteStringObject(digest.digest()), ByteStringObject(digest.digest())])
    writer.compress_identical_objects(remove_duplicates=True, remove_unreferenced=True)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def run_path(config: Config, archived: Path, numbers: tuple[int, ...], whole: bool) -> Path:
    """Where the run goes: build/print/YYYY/NNN.pdf, or NNN-000007-000012.pdf for a reprint."""
    relative = archived.relative_to(config.build_dir.resolve()) if archived.is_relative_to(config.build_dir.resolve()) else Path(archived.name)
    stem = relative.stem if whole else relative.stem + "-" + "-".join(copy_number(n) for n in numbers)
    return config.build_dir.resolve() / "print" / relative.parent / f"{stem}.pdf"


def set_print_run(path: Path, copies: int) -> None:
    """Rewrite the `print_run:` line of the issue's front matter to `copies`, keeping everything else."""
    text = path.read_text(encoding="utf-8")
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        raise UsageError("no front matter to update", path)
    for number, line in enumerate(lines[1:], start=1):
        if line.strip() == "---":
            break
        match = re.match(r"^(print_run\s*:\s*)([^#\s]*)(.*)$", line)
        if match:
            lines[number] = f"{match.group(1)}{copies}{match.group(3)}"
            atomic_write(path, "\n".join(lines).encode("utf-8"))
            return
    raise UsageError("no print_run line in the front matter to update", path)


def scheduler_running() -> bool:
    """Whether a CUPS scheduler answers (`lpstat -r`), on the server CUPS would use."""
    lpstat = shutil.which("lpstat")
    if lpstat is None:
        return True  # cannot tell: let lp's own message stand
    try:
        done = subprocess.run([lpstat, "-r"], capture_output=True, text=True, timeout=30, check=False, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return False
    return done.stdout.strip() == "scheduler is running"


@dataclass(frozen=True)
class Job:
    """A print job CUPS accepted."""

    id: str


def send(pdf: Path, printer: str | None) -> Job:
    """Submit `pdf` to CUPS (A4, two-sided long edge, collated); the job CUPS reports.

    The server is CUPS's own choice (CUPS_SERVER, ~/.cups/client.conf, the local scheduler).
    """
    lp = shutil.which("lp")
    if lp is None:
        raise UsageError("CUPS is not installed: no 'lp' command (apt-get install cups-client)")
    command = [lp, "-o", "media=A4", "-o", "sides=two-sided-long-edge", "-o", "collate=true", "-t", pdf.name]
    if printer:
        command += ["-d", printer]
    command += ["--", str(pdf)]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        raise UsageError("CUPS did not answer within 60 s") from None
    match = re.search(r"request id is (\S+)", done.stdout)
    if (done.returncode != 0 or not match) and not scheduler_running():
        server = os.environ.get("CUPS_SERVER")
        if server:
            raise UsageError(f"no CUPS scheduler answers on {server}: start CUPS, or set CUPS_SERVER")
        raise UsageError("no CUPS scheduler answers: start CUPS, or set CUPS_SERVER")
    if done.returncode != 0 or not match:
        reason = (done.stderr or done.stdout).strip().splitlines()
        detail = reason[-1] if reason else f"lp exit {done.returncode}"
        detail = re.sub(r"^(?:\S*/)?lp:\s*(?:Error\s*-\s*)?", "", detail).rstrip(".")
        if printer:
            raise UsageError(f"cannot print {display_path(pdf)} on printer '{printer}': {detail}")
        raise UsageError(f"cannot print {display_path(pdf)} on the default printer: {detail}")
    return Job(match.group(1))
