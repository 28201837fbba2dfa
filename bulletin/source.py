"""Stage: read an issue file and split its YAML front matter from its Markdown body.

Line numbers are kept so that every later problem can name the line of the file.
"""
from __future__ import annotations

import re
import stat
from dataclasses import dataclass
from pathlib import Path

from bulletin.errors import BulletinError, ContentError

#: the largest issue file accepted; a real issue is a few tens of kilobytes
MAX_BYTES = 2 * 1024 * 1024

FENCE = "---"

#: characters XML (and so DOCX and PDF text) cannot hold: C0 controls but tab and line ends, U+FFFE, U+FFFF
NOT_PRINTABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass(frozen=True)
class Source:
    """An issue file's text, split: `front` starts at `front_line`, `body` at `body_line`."""

    path: Path
    text: str
    front: str
    front_line: int
    body: str
    body_line: int


def decode(path: Path, data: bytes) -> str:
    """The file's text: UTF-8 (a BOM allowed), line ends normalised to LF."""
    if b"\x00" in data[:8192]:
        raise ContentError("binary file, not a Markdown issue", path)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = len(data[data.rfind(b"\n", 0, exc.start) + 1 : exc.start].decode("utf-8", "replace")) + 1
        raise ContentError(
            f"not UTF-8 text (byte 0x{data[exc.start]:02x}); save the file as UTF-8",
            path,
            line,
            column,
        ) from None
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    bad = NOT_PRINTABLE.search(text)
    if bad:
        line = text.count("\n", 0, bad.start()) + 1
        column = bad.start() - (text.rfind("\n", 0, bad.start()) + 1) + 1
        raise ContentError(
            f"control character U+{ord(bad.group()):04X} cannot be printed; delete it", path, line, column
        )
    return text


def split(path: Path, text: str) -> Source:
    """Split `text` into front matter and body at the '---' fences."""
    if not text.strip():
        raise ContentError("empty file", path, 1)
    lines = text.split("\n")
    if lines[0].rstrip() != FENCE:
        raise ContentError("no front matter: an issue starts with a line '---'", path, 1)
    for index in range(1, len(lines)):
        if lines[index].rstrip() in (FENCE, "..."):
            front = "\n".join(lines[1:index])
            body = "\n".join(lines[index + 1 :])
            return Source(path, text, front, 2, body, index + 2)
    raise ContentError("front matter opened here is never closed with a line '---'", path, 1)


def read_source(path: Path) -> Source:
    """Read and split the issue file at `path`."""
    return split(path, decode(path, read_file(path)))


def read_file(path: Path) -> bytes:
    """The bytes of the issue file at `path` (a regular file of at most MAX_BYTES), read once."""
    return read_bounded(
        path,
        MAX_BYTES,
        ContentError,
        too_big="file is {size:.1f} MB; an issue may be at most {limit:g} MB",
        special="is not a regular file (a FIFO, device or socket); not read",
        folder="is a folder, not an issue file",
    )


def read_bounded(
    path: Path,
    limit: int,
    error: type[BulletinError],
    too_big: str = "file is {size:.1f} MB; at most {limit:g} MB are read",
    special: str = "is not a regular file; not read",
    folder: str | None = None,
) -> bytes:
    """The bytes of a regular file of at most `limit` bytes; anything else is one `error` naming the file.

    A FIFO or device is never opened (a read could block or never end).
    """
    try:
        info = path.stat()
        if stat.S_ISDIR(info.st_mode):
            raise error(folder or special, path)
        if not stat.S_ISREG(info.st_mode):
            raise error(special, path)
        if info.st_size > limit:
            raise error(too_big.format(size=info.st_size / 1024 / 1024, limit=limit / 1024 / 1024), path)
        return path.read_bytes()
    except FileNotFoundError:
        raise error("no such file", path) from None
    except IsADirectoryError:
        raise error(folder or special, path) from None
    except OSError as exc:
        raise error(f"cannot read: {exc.strerror}", path) from None
