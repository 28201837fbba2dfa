"""Reading an issue file: UTF-8, front matter fences, line numbers kept."""
from __future__ import annotations

from pathlib import Path

import pytest

from bulletin.errors import ContentError
from bulletin.source import read_source


def write(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / "001.md"
    path.write_bytes(data)
    return path


def test_splits_front_matter_and_body_keeping_lines(tmp_path: Path) -> None:
    source = read_source(write(tmp_path, "---\na: 1\nb: 2\n---\n\n正文\n".encode()))
    assert source.front == "a: 1\nb: 2"
    assert source.front_line == 2
    assert source.body.split("\n")[source.body_line - 5 :][0] == ""
    assert source.body_line == 5
    assert "正文" in source.body


def test_bom_and_crlf_are_accepted(tmp_path: Path) -> None:
    source = read_source(write(tmp_path, "\ufeff---\r\na: 1\r\n---\r\n正文\r\n".encode()))
    assert source.front == "a: 1"
    assert source.body == "正文\n"


@pytest.mark.parametrize(
    ("data", "message", "line"),
    [
        (b"", "empty file", 1),
        (b"title: x\n", "no front matter", 1),
        (b"---\ntitle: x\n", "never closed", 1),
        (b"---\ntitle: \xd6\xd0\xce\xc4\n---\n", "not UTF-8", 2),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "binary file", None),
    ],
)
def test_bad_files_are_content_errors(tmp_path: Path, data: bytes, message: str, line: int | None) -> None:
    with pytest.raises(ContentError, match=message) as caught:
        read_source(write(tmp_path, data))
    assert caught.value.line == line
