"""`bulletin print --send` through a real CUPS scheduler and the cups-pdf virtual printer.

The test starts its own cupsd (as root, on 127.0.0.1 only, on a free port, with its
configuration, spool and logs in a private folder), adds a cups-pdf queue whose output
folder is in that private folder, sends a numbered run, waits for the PDF the printer
writes, and checks its pages: their count, the copy number on each copy's first page
and the blank back pages. Then it stops cupsd and removes everything it made.

cups-pdf reads its settings from /etc/cups/cups-pdf-QUEUE.conf (the folder is built
into it), so the queue's file is written there for the test and removed afterwards.
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageStat
from pypdf import PdfReader

from tests.conftest import FRONT, Project, run_cli

pytestmark = pytest.mark.slow

SYSTEM_PATH = "/usr/sbin:/usr/bin:/sbin:/bin"
CUPS_PDF_BACKEND = Path("/usr/lib/cups/backend/cups-pdf")
CUPS_PDF_PPD = Path("/usr/share/ppd/cups-pdf/CUPS-PDF_opt.ppd")
#: long enough for three pages of the house style
BODY = "\n\n".join(
    f"第{i}段正文，用来检查送印的份号与背面空白页，内容本身并不重要，只要足够长即可占满版面。" * 2 for i in range(1, 11)
) + "\n"
COPIES = 3
#: resolution of the page images that are compared
DPI = 150


@dataclass(frozen=True)
class Cups:
    """A running private CUPS scheduler with one cups-pdf queue."""

    server: str
    queue: str
    out: Path
    folder: Path


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _tool(name: str) -> str:
    found = shutil.which(name, path=f"{os.environ.get('PATH', '')}:{SYSTEM_PATH}")
    assert found, f"{name} is missing: apt-get install cups cups-client printer-driver-cups-pdf (./dev test does)"
    return found


@pytest.fixture(scope="module")
def cups() -> Iterator[Cups]:
    """cupsd on 127.0.0.1 with a private folder, and a cups-pdf queue writing into it."""
    cupsd = shutil.which("cupsd", path=f"{os.environ.get('PATH', '')}:{SYSTEM_PATH}")
    if cupsd is None:
        pytest.skip("cupsd is not installed (apt-get install cups printer-driver-cups-pdf; ./dev test installs them)")
    if os.geteuid() != 0:
        pytest.skip("cupsd and the cups-pdf backend run as root here: run this test as root (CI does)")
    assert CUPS_PDF_BACKEND.is_file() and CUPS_PDF_PPD.is_file(), "apt-get install printer-driver-cups-pdf"
    lpadmin, lpstat = _tool("lpadmin"), _tool("lpstat")
    folder = Path(tempfile.mkdtemp(prefix="bulletin-cups-"))
    folder.chmod(0o755)  # the filters run as user lp and read the spooled job here
    for name in ("etc", "spool", "spool/tmp", "cache", "state", "log", "out", "pdf-spool"):
        (folder / name).mkdir(exist_ok=True)
    port = _free_port()
    (folder / "etc/cupsd.conf").write_text(
        f"Listen 127.0.0.1:{port}\nBrowsing No\nBrowseLocalProtocols none\nWebInterface No\nLogLevel info\n"
        "DefaultAuthType None\n<Location />\n  Order allow,deny\n  Allow from 127.0.0.1\n</Location>\n"
        "<Policy default>\n  <Limit All>\n    Order deny,allow\n  </Limit>\n</Policy>\n",
        encoding="utf-8",
    )
    (folder / "etc/cups-files.conf").write_text(
        f"ServerRoot {folder}/etc\nRequestRoot {folder}/spool\nTempDir {folder}/spool/tmp\n"
        f"CacheDir {folder}/cache\nStateDir {folder}/state\nPrintcap {folder}/state/printcap\n"
        f"AccessLog {folder}/log/access_log\nErrorLog {folder}/log/error_log\nPageLog {folder}/log/page_log\n"
        "ServerBin /usr/lib/cups\nDataDir /usr/share/cups\nFileDevice No\n",
        encoding="utf-8",
    )
    queue = f"bulletin-test-{os.getpid()}"
    queue_conf = Path(f"/etc/cups/cups-pdf-{queue}.conf")
    env = {**os.environ, "CUPS_SERVER": f"127.0.0.1:{port}", "PATH": f"{os.environ.get('PATH', '')}:{SYSTEM_PATH}"}
    log = (folder / "cupsd.out").open("wb")
    scheduler = subprocess.Popen(
        [cupsd, "-f", "-c", str(folder / "etc/cupsd.conf"), "-s", str(folder / "etc/cups-files.conf")],
        stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while subprocess.run([lpstat, "-r"], env=env, capture_output=True, text=True).stdout.strip() != "scheduler is running":
            assert scheduler.poll() is None, (folder / "cupsd.out").read_text(errors="replace") + _tail(folder / "log/error_log")
            assert time.monotonic() < deadline, "cupsd did not start within 30 s" + _tail(folder / "log/error_log")
            time.sleep(0.2)
        queue_conf.write_text(
            f"Out {folder}/out\nAnonDirName {folder}/out\nSpool {folder}/pdf-spool\nLog {folder}/log\n"
            "Grp root\nUserUMask 0022\nAnonUMask 0022\nLogType 3\n",
            encoding="utf-8",
        )
        added = subprocess.run(
            [lpadmin, "-p", queue, "-E", "-v", f"cups-pdf:/{queue}", "-P", str(CUPS_PDF_PPD)],
            env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL,
        )
        assert added.returncode == 0, added.stderr
        yield Cups(f"127.0.0.1:{port}", queue, folder / "out", folder)
    finally:
        scheduler.terminate()
        try:
            scheduler.wait(timeout=15)
        except subprocess.TimeoutExpired:
            scheduler.kill()
            scheduler.wait(timeout=15)
        log.close()
        queue_conf.unlink(missing_ok=True)
        shutil.rmtree(folder, ignore_errors=True)


def _tail(path: Path) -> str:
    return "\n" + "\n".join(path.read_text(errors="replace").splitlines()[-15:]) if path.is_file() else ""


def _wait_for_job(cups: Cups, job: str, timeout: float = 240) -> Path:
    """The PDF the printer wrote for `job`, once CUPS reports the job completed (bounded wait)."""
    lpstat = _tool("lpstat")
    env = {**os.environ, "CUPS_SERVER": cups.server}
    deadline = time.monotonic() + timeout
    while True:
        done = subprocess.run([lpstat, "-W", "completed", "-o", cups.queue], env=env, capture_output=True, text=True)
        if any(line.split()[:1] == [job] for line in done.stdout.splitlines()):
            break
        assert time.monotonic() < deadline, f"job {job} not completed within {timeout:.0f} s" + _tail(cups.folder / "log/error_log")
        time.sleep(0.5)
    number = job.rsplit("-", 1)[1]
    found = [p for p in cups.out.glob("*.pdf") if p.stem.endswith(f"job_{number}")]
    assert len(found) == 1, (sorted(p.name for p in cups.out.iterdir()), _tail(cups.folder / "log/error_log"))
    return found[0]


def _pages(pdf: Path, folder: Path) -> list[Image.Image]:
    """Every page of `pdf` as a grey image at DPI."""
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run(["pdftoppm", "-q", "-r", str(DPI), "-gray", str(pdf), str(folder / "p")], check=True)
    return [Image.open(path).convert("L") for path in sorted(folder.glob("p-*.pgm"))]


def _last_digit_box(run: Path, page: int, number: str) -> tuple[int, int, int, int]:
    """Where the last digit of copy `number` lies on `page` of the run, in pixels at DPI."""
    import pdfplumber

    with pdfplumber.open(run) as pdf:
        words = [w for w in pdf.pages[page].extract_words() if w["text"] == number]
        assert len(words) == 1, f"page {page + 1}: {number} not found once"
        digit = [c for c in pdf.pages[page].chars if c["top"] >= words[0]["top"] - 1 and c["x1"] <= words[0]["x1"] + 1][-1]
    scale = DPI / 72
    return (
        round(digit["x0"] * scale) - 1, round(digit["top"] * scale) - 1,
        round(digit["x1"] * scale) + 1, round(digit["bottom"] * scale) + 1,
    )


def _ink(image: Image.Image, box: tuple[int, int, int, int]) -> Image.Image:
    """The inked pixels of `box` in `image`, black and white."""
    return image.crop(box).point(lambda value: 255 if value < 160 else 0)


def _distance(printed: Image.Image, ours: Image.Image, box: tuple[int, int, int, int]) -> float:
    """The share of the box's pixels inked in one image only, with the best shift of up to 2 pixels."""
    reference = _ink(ours, box)
    best = 1.0
    for dx in range(-2, 3):
        for dy in range(-2, 3):
            shifted = _ink(printed, (box[0] + dx, box[1] + dy, box[2] + dx, box[3] + dy))
            best = min(best, ImageStat.Stat(ImageChops.difference(shifted, reference)).mean[0] / 255)
    return best


def test_a_run_sent_to_cups_arrives_numbered_with_blank_backs(
    cups: Cups, project: Project, capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("CUPS_SERVER", cups.server)
    project.issue(front=FRONT.replace("print_run: 30", f"print_run: {COPIES}"), body=BODY)
    code, out, err = run_cli(project, ["print", "issues/2026/003.md", "--send", "--printer", cups.queue], capfd)
    assert code == 0, err
    sent = [line for line in out.splitlines() if line.startswith("sent ")]
    assert len(sent) == 1 and sent[0].startswith(f"sent build/print/2026/003.pdf: job {cups.queue}-"), out
    job = sent[0].rsplit(" ", 1)[1]
    arrived = _wait_for_job(cups, job)
    with capfd.disabled():
        print(f"\nCUPS job {job} -> {arrived.name}, {len(PdfReader(arrived).pages)} pages")

    run = project.root / "build/print/2026/003.pdf"
    pages = len(PdfReader(project.root / "build/2026/003.pdf").pages)
    assert pages == 3
    assert len(PdfReader(arrived).pages) == len(PdfReader(run).pages) == COPIES * 4

    printed, ours = _pages(arrived, tmp_path / "arrived"), _pages(run, tmp_path / "ours")
    assert len(printed) == len(ours) == COPIES * 4
    for copy in range(COPIES):
        back = printed[copy * 4 + 3]
        assert back.getextrema()[0] >= 250, f"page {copy * 4 + 4} is not blank"
        for page in (1, 2):  # the copy's other pages carry ink
            assert printed[copy * 4 + page].getextrema()[0] < 100
    # each copy's first page carries its own number: where our run has the number's last digit, the printed
    # page has that copy's digit and not another copy's
    measured: list[list[float]] = []
    for copy in range(COPIES):
        box = _last_digit_box(run, copy * 4, f"{copy + 1:06d}")
        assert _ink(printed[copy * 4], box).getextrema()[1] == 255, f"copy {copy + 1}: no copy number in the slot"
        distances = [_distance(printed[copy * 4], ours[other * 4], box) for other in range(COPIES)]
        others = [d for other, d in enumerate(distances) if other != copy]
        assert distances[copy] * 2 < min(others), (copy + 1, distances)
        measured.append(distances)

    with capfd.disabled():
        print("last digit of each copy against the run's copies (share of pixels apart):", measured)
    register = (project.root / "build/register/2026/003.csv").read_bytes().decode("utf-8-sig").split("\r\n")
    assert [row.split(",")[0] for row in register[1:] if row] == [f"{n:06d}" for n in range(1, COPIES + 1)]


def test_an_unknown_printer_or_no_scheduler_is_one_line(
    cups: Cups, project: Project, capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    project.issue(front=FRONT.replace("print_run: 30", "print_run: 1"), body="一段正文。\n")
    monkeypatch.setenv("CUPS_SERVER", cups.server)
    code, _, err = run_cli(project, ["print", "issues/2026/003.md", "--send", "--printer", "no-such-queue"], capfd)
    assert code == 2
    assert err.strip().splitlines() == [
        "cannot print build/print/2026/003.pdf on printer 'no-such-queue': The printer or class does not exist"
    ]
    closed = f"127.0.0.1:{_free_port()}"
    monkeypatch.setenv("CUPS_SERVER", closed)
    code, _, err = run_cli(project, ["print", "issues/2026/003.md", "--send", "--printer", cups.queue], capfd)
    assert code == 2
    assert err.strip().splitlines() == [f"no CUPS scheduler answers on {closed}: start CUPS, or set CUPS_SERVER"]
    code, _, err = run_cli(project, ["--lang", "zh", "print", "issues/2026/003.md", "--send", "--printer", cups.queue], capfd)
    assert code == 2
    assert err.strip().splitlines() == [f"{closed} 上没有响应的 CUPS 调度程序：请启动 CUPS，或设置 CUPS_SERVER"]
    assert not (project.root / "build/register").exists()  # nothing was printed, so nothing is recorded
