"""Domain errors: each carries the file, line and column it is about, and its class the exit code.

Raised deep in the stages, turned into one line and that exit code by `cli.py` alone.
"""
from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

#: the exit codes of the command line (README, `bulletin --help`) for each kind of problem
EXIT_CONTENT, EXIT_USAGE, EXIT_INTERNAL = 1, 2, 3


def display_path(path: Path) -> str:
    """`path` relative to the current folder where it lies below it, else as given."""
    try:
        # the folder resolved, not the name: a link is shown as itself, not as what it points to
        absolute = Path(os.path.abspath(path))
        shown = absolute.parent.resolve() / absolute.name if absolute.name else absolute.resolve()
        return str(shown.relative_to(Path.cwd().resolve()))
    except (ValueError, OSError, RuntimeError):
        return str(path)


class BulletinError(Exception):
    """A problem the user can fix, located in a file."""

    #: the exit code of a command that stops on this problem; each subclass sets its own
    exit_code: int = EXIT_CONTENT

    def __init__(
        self,
        message: str,
        path: Path | str | None = None,
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.path = Path(path) if path is not None else None
        self.line = line
        self.column = column

    def __reduce__(self) -> tuple[object, ...]:
        # Errors cross process boundaries in parallel builds; keep every attribute.
        return (_restore, (type(self), self.__dict__))

    def location(self) -> str:
        """`path:line:col` as far as known."""
        parts = [display_path(self.path)] if self.path is not None else []
        if self.path is not None and self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)

    def __str__(self) -> str:
        where = self.location()
        return f"{where}: {self.message}" if where else self.message


def _restore(cls: type[BulletinError], state: dict[str, object]) -> BulletinError:
    """A pickled domain error, rebuilt with every attribute."""
    error = cls.__new__(cls)
    error.__dict__.update(state)
    error.args = (state.get("message", ""),)
    return error


class ContentError(BulletinError):
    """Something wrong in an issue file or what it references (exit 1)."""

    exit_code = EXIT_CONTENT


class ConfigError(BulletinError):
    """Something wrong in bulletin.toml, the templates or the fonts (exit 2)."""

    exit_code = EXIT_USAGE


class UsageError(BulletinError):
    """A command line that cannot be carried out (exit 2)."""

    exit_code = EXIT_USAGE


class Problems(BulletinError):
    """Several problems found at once; reported one per line, with the highest exit code of them."""

    def __init__(self, problems: Sequence[BulletinError]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))
        self.exit_code = max((p.exit_code for p in self.problems), default=EXIT_CONTENT)

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)


def raise_all(problems: Sequence[BulletinError]) -> None:
    """Raise nothing, the one problem, or all of them together."""
    if len(problems) == 1:
        raise problems[0]
    if problems:
        raise Problems(problems)
