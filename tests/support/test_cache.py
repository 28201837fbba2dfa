"""The font caches: code points per pinned font and pins per file state, never trusted blindly."""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont

from bulletin.support import cache
from bulletin.checks.coverage import font_points
from bulletin.errors import ConfigError
from bulletin.support.fonts import TOOL_FONTS, load_fonts

FANG = "FandolFang-Regular.otf"


@pytest.fixture
def cache_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("BULLETIN_CACHE", str(folder))
    load_fonts.cache_clear()
    return folder


def _pin(name: str) -> str:
    return next(font.sha256 for font in load_fonts(TOOL_FONTS) if font.path.name == name)


def test_cached_code_points_are_those_of_the_font(cache_folder: Path) -> None:
    sha = _pin(FANG)
    with TTFont(TOOL_FONTS / FANG, lazy=True) as loaded:
        expected = sorted(loaded.getBestCmap())
    assert font_points(TOOL_FONTS / FANG, sha) == expected
    assert (cache_folder / f"cmap-{sha}.json").is_file()
    assert font_points(TOOL_FONTS / FANG, sha) == expected


def test_a_damaged_cache_entry_is_ignored_and_recomputed(cache_folder: Path) -> None:
    sha = _pin(FANG)
    font_points(TOOL_FONTS / FANG, sha)
    entry = cache_folder / f"cmap-{sha}.json"
    stored = json.loads(entry.read_text())
    stored["payload"] = json.dumps([0x41])  # the checksum no longer matches
    entry.write_text(json.dumps(stored))
    assert cache.load(entry.name) is None
    points = font_points(TOOL_FONTS / FANG, sha)
    assert len(points) > 1000 and 0x4E2D in points


def test_a_font_changed_after_its_pin_was_cached_is_still_refused(tmp_path: Path, cache_folder: Path) -> None:
    folder = tmp_path / "fonts"
    shutil.copytree(TOOL_FONTS, folder)
    load_fonts(folder)  # caches the states of the intact files
    states = cache.load("font-states.json")
    assert isinstance(states, dict) and any(FANG in state for state in states)
    target = folder / FANG
    data = bytearray(target.read_bytes())
    data[len(data) // 2] ^= 0xFF
    info = target.stat()
    target.write_bytes(bytes(data))
    os.utime(target, ns=(info.st_atime_ns, info.st_mtime_ns))  # same size and mtime: ctime still moves
    load_fonts.cache_clear()
    with pytest.raises(ConfigError, match=f"{FANG} differs from its pinned SHA-256"):
        load_fonts(folder)


def test_an_unwritable_cache_costs_only_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("BULLETIN_CACHE", str(blocker / "cache"))
    load_fonts.cache_clear()
    assert len(font_points(TOOL_FONTS / FANG, _pin(FANG))) > 1000
    assert load_fonts(TOOL_FONTS)


def test_input_digests_are_known_by_file_state_and_a_rewrite_is_always_seen(cache_folder: Path, tmp_path: Path) -> None:
    import hashlib
    import time

    path = tmp_path / "001.md"
    path.write_bytes(b"first text")
    first = cache.FileDigests("states.json")
    assert first(path) == hashlib.sha256(b"first text").hexdigest() and path in first.read
    first.save()

    again = cache.FileDigests("states.json")
    assert again(path) == hashlib.sha256(b"first text").hexdigest()
    assert not again.read, "a file in a state seen before is not read"

    # same size, modification time put back: the change time still tells
    stat = path.stat()
    time.sleep(0.01)
    path.write_bytes(b"other text")
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    third = cache.FileDigests("states.json")
    assert third(path) == hashlib.sha256(b"other text").hexdigest()
    assert third(tmp_path / "missing.md") is None
    third.save()
    assert list(cache.load("states.json").values()) == [hashlib.sha256(b"other text").hexdigest()], "one state per file"
