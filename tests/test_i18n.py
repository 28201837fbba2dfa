"""Messages in Chinese (--lang zh or a Chinese locale), English otherwise: the bad-input table walked in both."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from .conftest import FRONT, Project, run_cli
from .test_errors_cli import LOCATED, ROWS, Row

HAN = re.compile(r"[\u4e00-\u9fff]")


def _problems(err: str) -> list[str]:
    return [line for line in err.splitlines() if not line.startswith(("built ", "checked ", "已生成", "已检查"))]


def _location(line: str) -> str:
    match = re.match(r"^(.*?(?::\d+){0,2}): ", line)
    return match.group(1) if match else ""


@pytest.mark.parametrize("row", [r for r in ROWS if r.code != 0], ids=lambda r: r.id)
def test_bad_input_in_both_languages(row: Row, make_project, tmp_path_factory: pytest.TempPathFactory,  # type: ignore[no-untyped-def]
                                     capfd: pytest.CaptureFixture[str]) -> None:
    english, chinese = make_project(), make_project()
    outside = {}
    for project in (english, chinese):
        outside[project] = tmp_path_factory.mktemp("outside")
        row.make(project, outside[project])
    code_en, _, err_en = run_cli(english, ("--lang", "en", *row.args), capfd)
    code_zh, _, err_zh = run_cli(chinese, ("--lang", "zh", *row.args), capfd)
    assert code_en == code_zh == row.code
    en, zh = _problems(err_en), _problems(err_zh)
    assert en[0] == row.line.replace("{root}", str(english.root.resolve())).replace("{outside}", str(outside[english].resolve()))
    assert len(en) == len(zh)
    assert [_location(line) for line in en] == [_location(line) for line in zh]
    assert all(LOCATED.match(line) for line in zh)
    assert zh[0] != en[0] and HAN.search(zh[0][len(_location(zh[0])):]), zh[0]
    assert "Traceback" not in err_zh


def test_the_locale_chooses_chinese_and_lang_en_overrides_it(project: Project, capfd, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    project.issue(front=FRONT.replace("title: ", "title："))
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    code, out, err = run_cli(project, ("check",), capfd)
    assert code == 1
    assert out.splitlines()[0] == "issues/2026/003.md:5:6: “title”后面是全角冒号“：”：请改为半角“:”加一个空格（“title: …”）"
    assert err.strip() == "已检查 1 期：1 个错误，0 个警告"
    code, out, _ = run_cli(project, ("--lang", "en", "check"), capfd)
    assert out.splitlines()[0].startswith("issues/2026/003.md:5:6: full-width colon '：' after 'title'")
    monkeypatch.setenv("LANG", "C.UTF-8")
    code, out, _ = run_cli(project, ("check",), capfd)
    assert "full-width colon" in out


def test_every_catalog_message_has_a_translation() -> None:
    from babel.messages.pofile import read_po

    from bulletin.i18n import CATALOG

    with CATALOG.open("rb") as handle:
        catalog = read_po(handle)
    messages = [m for m in catalog if m.id]
    assert len(messages) > 40
    for message in messages:
        assert message.string and message.string != message.id, message.id
        assert re.findall(r"\{\d\}", str(message.id)) == sorted(re.findall(r"\{\d\}", str(message.string))) or \
            set(re.findall(r"\{\d\}", str(message.id))) == set(re.findall(r"\{\d\}", str(message.string))), message.id
