"""Messages in Chinese (--lang zh or a Chinese locale), English otherwise: the bad-input table walked in both."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import FRONT, ROOT, Project, run_cli
from tests.test_errors_cli import LOCATED, ROWS, Row

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

    from bulletin.support.i18n import CATALOG

    with CATALOG.open("rb") as handle:
        catalog = read_po(handle)
    messages = [m for m in catalog if m.id]
    assert len(messages) > 40
    for message in messages:
        assert message.string and message.string != message.id, message.id
        assert re.findall(r"\{\d\}", str(message.id)) == sorted(re.findall(r"\{\d\}", str(message.string))) or \
            set(re.findall(r"\{\d\}", str(message.id))) == set(re.findall(r"\{\d\}", str(message.string))), message.id


def _code_messages() -> dict[str, str]:
    """Every message the code can print, as a msgid, with the first place it is written."""
    from babel.messages.extract import extract_from_dir

    from bulletin.support.i18n import MESSAGE_CALLS

    package = ROOT / "bulletin"
    found: dict[str, str] = {}
    for filename, line, message, _, _ in extract_from_dir(
        str(package), method_map=[("**.py", "bulletin.support.i18n:extract_messages")],
        keywords={name: None for name in MESSAGE_CALLS},
    ):
        found.setdefault(message, f"bulletin/{filename}:{line}")
    return found


def test_every_message_the_code_prints_has_a_chinese_translation() -> None:
    from bulletin.support.i18n import untranslated

    messages = _code_messages()
    assert len(messages) > 100, len(messages)
    missing = untranslated(list(messages))
    assert not missing, "messages with no translation in bulletin/locale/zh_CN/LC_MESSAGES/bulletin.po:\n" + "\n".join(
        f"  {messages[m]}: msgid {m!r}" for m in missing)


def test_the_extractor_sees_f_strings_and_joined_messages() -> None:
    import io

    from bulletin.support.i18n import extract_messages, untranslated

    code = (b"raise ContentError(f\"image '{name}' not found\", path)\n"
            b"Finding(1, 2, 'a ' + f'{x} brand-new message', 0)\n"
            b"click.echo(display_path(path))\n")
    found = [message for _, _, message, _ in extract_messages(io.BytesIO(code), {}, [], {})]
    assert found == ["image '{0}' not found", "a {0} brand-new message"]
    assert untranslated(found) == ["a {0} brand-new message"]


def test_every_message_of_the_error_table_has_a_chinese_translation() -> None:
    from bulletin.support.i18n import translate_line

    table = (ROOT / "docs" / "errors.md").read_text(encoding="utf-8")
    shown = [match.group(1).replace("ISSUE", "issues/2026/003.md").replace("\\n", "\n")
             for match in re.finditer(r"^\| `[^`]+` \|[^|]*\| `([^`]+)`", table, re.M)]
    assert len(shown) > 60, len(shown)
    # a row that shortens its message with a final '…' names the message, it does not print it
    missing = [line for line in shown if translate_line(line) == line and not line.endswith("…")]
    assert not missing, "docs/errors.md messages with no translation:\n" + "\n".join(missing)


@pytest.mark.parametrize("args", [("build", "--bogus"), ("bogus",), ("build", "--format", "xx"), ("build", "--jobs")])
def test_the_command_line_parsers_messages_are_in_chinese_too(project: Project, capfd, args) -> None:  # type: ignore[no-untyped-def]
    code, out, err = run_cli(project, ("--lang", "zh", *args), capfd)
    assert code == 2
    lines = [line for line in (out + err).splitlines() if line.strip()]
    assert lines and all(HAN.search(line) for line in lines), lines
    assert not any(word in line for line in lines for word in ("Error", "Usage", "No such", "Invalid value"))
