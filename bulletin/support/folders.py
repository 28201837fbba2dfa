"""Where a project's templates are: its own templates/ folder, or the ones shipped with the tool."""
from __future__ import annotations
from bulletin import PACKAGE_DIR

from pathlib import Path

#: the templates shipped with the tool, used when a project has no templates/ of its own
TOOL_TEMPLATES = (PACKAGE_DIR / "templates").resolve()


def templates_dir(root: Path) -> Path:
    """The project's templates/ folder, or the tool's own."""
    own = root / "templates"
    return own if (own / "issue.html.j2").is_file() else TOOL_TEMPLATES
