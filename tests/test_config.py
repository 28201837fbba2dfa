"""bulletin.toml: typed, validated, every problem at once with its line."""
from __future__ import annotations

from pathlib import Path

import pytest

from bulletin.config import find_root, load_config
from bulletin.errors import BulletinError, ConfigError

GOOD = """\
[series]
name = "临江参阅"
kind = "专报"
publisher = "临江发展研究院主办"

[contact]
phone = "0571-8806 2317"
address = "临江市观澜路88号"
"""


def write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "bulletin.toml").write_text(text, encoding="utf-8")
    return tmp_path


def problems(exc: BulletinError) -> list[BulletinError]:
    return list(getattr(exc, "problems", [exc]))


def test_loads_the_series_and_contact(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, GOOD))
    assert config.series.name == "临江参阅"
    assert config.series.tagline == ""
    assert config.contact.fax == ""
    assert config.docx_fonts.body == "仿宋_GB2312"
    assert config.issues_dir == tmp_path / "issues"


def test_the_repository_configuration_is_valid() -> None:
    config = load_config(Path(__file__).resolve().parent.parent)
    assert config.series.kind


def test_every_problem_is_reported_at_once_with_its_line(tmp_path: Path) -> None:
    text = GOOD.replace('kind = "专报"', "kind = 7").replace('address = "临江市观澜路88号"\n', "adress = 'x'\n")
    with pytest.raises(BulletinError) as caught:
        load_config(write(tmp_path, text))
    found = {(p.line, p.message) for p in problems(caught.value)}
    assert (3, "'series.kind': input should be a valid string") in found
    assert any(line == 8 and "unknown key 'contact.adress'" in msg and "did you mean 'address'" in msg for line, msg in found)
    assert any("missing key 'contact.address'" in msg for _, msg in found)
    assert all(isinstance(p, ConfigError) and p.exit_code == 2 for p in problems(caught.value))


def test_unknown_table_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"unknown key 'seires'.*did you mean 'series'"):
        load_config(write(tmp_path, GOOD + '\n[seires]\nname = "x"\n'))


def test_toml_syntax_error_has_line_and_column(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, GOOD.replace('kind = "专报"', 'kind = "专报')))
    assert caught.value.line == 3
    assert "TOML syntax" in caught.value.message


def test_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no bulletin.toml"):
        load_config(tmp_path)


def test_root_is_found_from_a_subfolder(tmp_path: Path) -> None:
    write(tmp_path, GOOD)
    deep = tmp_path / "issues" / "2026"
    deep.mkdir(parents=True)
    assert find_root(deep) == tmp_path.resolve()


def test_unknown_key_in_a_list_of_tables_is_named(tmp_path: Path) -> None:
    text = GOOD + "\n[[archive.gaps]]\nfirst_total = 3\nlast_totl = 4\n"
    with pytest.raises(BulletinError) as caught:
        load_config(write(tmp_path, text))
    messages = [p.message for p in problems(caught.value)]
    assert any("unknown key 'archive.gaps.0.last_totl' (did you mean 'last_total'?)" in m for m in messages), messages
