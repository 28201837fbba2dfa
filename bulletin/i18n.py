"""Messages in the reader's language: English as written in the code, Chinese from a gettext catalog.

The catalog (`locale/zh_CN/LC_MESSAGES/bulletin.po`, shipped in the package) is compiled in
memory with Babel. Messages are translated when they are shown: each msgid is an English
message with {0}, {1}… for its variable parts, matched against the line printed, so
the code that raises a problem keeps writing plain English.
"""
from __future__ import annotations

import functools
import gettext
import io
import os
import re
import sys
from pathlib import Path
from typing import TextIO

CATALOG = Path(__file__).with_name("locale") / "zh_CN" / "LC_MESSAGES" / "bulletin.po"
#: `path:line[:col]: ` or `path: ` before a message (a path holds no ': ')
_LOCATION = re.compile(r"^((?:[^\s:][^:]*?)(?::\d+){0,2}: )(.*)$", re.S)


def wanted(option: str | None) -> str:
    """'zh' or 'en': `--lang` first, then LC_ALL, LC_MESSAGES, LANG and LANGUAGE."""
    if option:
        return "zh" if option.lower().startswith("zh") else "en"
    for name in ("LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"):
        value = os.environ.get(name, "")
        if value:
            return "zh" if value.lower().startswith("zh") else "en"
    return "en"


@functools.lru_cache(maxsize=1)
def _patterns() -> list[tuple[re.Pattern[str], str]]:
    """Every (msgid as a pattern, msgstr) of the Chinese catalog, the longest msgid first."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with CATALOG.open("rb") as handle:
        catalog = read_po(handle)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    translations = gettext.GNUTranslations(buffer)
    found = []
    for message in catalog:
        if not message.id or not isinstance(message.id, str):
            continue
        parts = re.split(r"\{(\d+)\}", message.id)
        pattern = "".join(re.escape(part) if i % 2 == 0 else "(.+?)" for i, part in enumerate(parts))
        found.append((re.compile(f"^{pattern}$", re.S), translations.gettext(message.id)))
    return sorted(found, key=lambda item: -len(item[0].pattern))


def translate_message(message: str) -> str:
    """`message` in Chinese when the catalog has it, else as it is."""
    warning = message.startswith("warning: ")
    body = message[len("warning: ") :] if warning else message
    for pattern, text in _patterns():
        match = pattern.match(body)
        if match:
            body = text.format(*match.groups())
            break
    else:
        if not warning:
            return message
    return ("警告：" + body) if warning else body


def translate_line(line: str) -> str:
    """One printed line in Chinese: its location kept, its message translated."""
    whole = translate_message(line)
    if whole != line:
        return whole
    match = _LOCATION.match(line)
    if not match:
        return line
    return match.group(1) + translate_message(match.group(2))


class Translating(io.TextIOBase):
    """A text stream that translates each whole line written to it before passing it on."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.pending = ""

    def write(self, text: str) -> int:  # type: ignore[override]
        self.pending += text
        *lines, self.pending = self.pending.split("\n")
        for line in lines:
            self.stream.write(translate_line(line) + "\n")
        return len(text)

    def flush(self) -> None:
        if self.pending:
            self.stream.write(translate_line(self.pending))
            self.pending = ""
        self.stream.flush()

    @property
    def buffer(self) -> object:
        """The binary stream below (for commands that write bytes)."""
        return self.stream.buffer

    def isatty(self) -> bool:
        return self.stream.isatty()

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return getattr(self.stream, "encoding", "utf-8") or "utf-8"


def streams_in(language: str) -> tuple[TextIO, TextIO]:
    """Swap stdout and stderr for translating ones when `language` is 'zh'; return the originals."""
    original = sys.stdout, sys.stderr
    if language == "zh":
        sys.stdout, sys.stderr = Translating(sys.stdout), Translating(sys.stderr)  # type: ignore[assignment]
    return original
