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
from bulletin import PACKAGE_DIR
from pathlib import Path
from collections.abc import Iterator
from typing import IO, TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    import ast

CATALOG = PACKAGE_DIR / "locale" / "zh_CN" / "LC_MESSAGES" / "bulletin.po"
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
            # a filled-in part may be a message of its own (click's "Error: {0}" holds one)
            body = text.format(*(translate_message(part) for part in match.groups()))
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

    def write(self, text: str) -> int:
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
        sys.stdout, sys.stderr = Translating(sys.stdout), Translating(sys.stderr)
    return original


# ---------------------------------------------------------------- finding the messages in the code

#: the calls whose argument is a message the command line prints: the errors, the
#: warnings (`Finding`'s third argument) and `click.echo`
MESSAGE_CALLS = {
    "BulletinError": 0, "ContentError": 0, "ConfigError": 0, "UsageError": 0, "InternalError": 0,
    "BadParameter": 0, "ClickException": 0, "echo": 0, "Finding": 2,
}


def extract_messages(
    fileobj: IO[bytes], keywords: object, comment_tags: object, options: object
) -> Iterator[tuple[int, str, str, list[str]]]:
    """A Babel extraction method for bulletin's sources: `(line, call, msgid, [])` for each message.

    The code writes plain English, often as f-strings; each message's msgid is its text
    with {0}, {1}… for the parts filled in (the form the catalog uses). Use it with
    `babel.messages.extract` (method `bulletin.support.i18n:extract_messages`).
    """
    import ast

    tree = ast.parse(fileobj.read())
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        if name not in MESSAGE_CALLS:
            continue
        index = MESSAGE_CALLS[name]
        argument = node.args[index] if len(node.args) > index else next(
            (k.value for k in node.keywords if k.arg in ("message", "msg")), None)
        for template in _templates(argument) if argument is not None else []:
            if re.search(r"[A-Za-z]{2}", re.sub(r"\{\d+\}", "", template)):
                yield node.lineno, name, template, []


def _templates(node: ast.expr) -> list[str]:
    """The message templates an expression can give ({0}, {1}… for what is filled in), or none."""
    import ast

    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.JoinedStr):
        parts: list[str] = []
        for value in node.values:
            if isinstance(value, ast.Constant):
                parts.append(str(value.value))
            else:
                parts.append("\0")
        text = "".join(parts)
        count = iter(range(text.count("\0")))
        return [re.sub("\0", lambda _: "{%d}" % next(count), text)]
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _templates(node.left), _templates(node.right)
        return [_renumber(a + b) for a in left for b in right]
    if isinstance(node, ast.IfExp):
        return _templates(node.body) + _templates(node.orelse)
    return []


def _renumber(template: str) -> str:
    """{0}, {1}… in the order they appear (after two templates were joined)."""
    count = iter(range(template.count("{")))
    return re.sub(r"\{\d+\}", lambda _: "{%d}" % next(count), template)


def untranslated(messages: list[str]) -> list[str]:
    """The messages (msgids, each filled in with sample values) the Chinese catalog does not translate."""
    missing = []
    for message in messages:
        sample = re.sub(r"\{\d+\}", "7", message)
        if translate_line(sample) == sample:
            missing.append(message)
    return missing
