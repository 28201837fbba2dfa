"""Each error class carries the exit code the README documents; several problems at once exit with the highest."""
from __future__ import annotations

import pickle

from bulletin.errors import BulletinError, ConfigError, ContentError, Problems, UsageError
from bulletin.pipeline import InternalError


def test_each_kind_of_problem_carries_its_documented_exit_code() -> None:
    codes = {cls.__name__: cls("x").exit_code for cls in (ContentError, ConfigError, UsageError, InternalError)}
    assert codes == {"ContentError": 1, "ConfigError": 2, "UsageError": 2, "InternalError": 3}


def test_several_problems_exit_with_the_highest_code_and_keep_it_across_processes() -> None:
    content: list[BulletinError] = [ContentError("a", "issues/2026/001.md", 3), ContentError("b")]
    assert Problems(content).exit_code == 1
    mixed = Problems([*content, ConfigError("c", "bulletin.toml", 2)])
    assert mixed.exit_code == 2
    assert Problems([*content, InternalError("d")]).exit_code == 3
    # parallel builds send errors between processes
    restored = pickle.loads(pickle.dumps(mixed))
    assert restored.exit_code == 2 and [str(p) for p in restored.problems] == [str(p) for p in mixed.problems]
