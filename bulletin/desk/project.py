"""A house's own project: `bulletin init` lays one out, `bulletin templates` copies the defaults out.

A project is a folder with `bulletin.toml` and `issues/`; it builds with the templates,
stylesheet and fonts shipped in the package until it keeps templates of its own.
"""
from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

from bulletin.config import CONFIG_NAME
from bulletin.errors import UsageError
from bulletin.output import atomic_write
from bulletin.support.folders import TOOL_TEMPLATES
from bulletin import PACKAGE_DIR

#: the files `init` writes, shipped in the package
SKELETON = PACKAGE_DIR / "skeleton"


def init_project(folder: Path, today: dt.date) -> list[Path]:
    """Lay out a new project in `folder`: bulletin.toml, issues/YEAR/001.md, .gitignore; return them."""
    if folder.exists() and not folder.is_dir():
        raise UsageError("is not a folder", folder)
    if (folder / CONFIG_NAME).exists():
        raise UsageError(f"already holds {CONFIG_NAME}; nothing written", folder)
    issue = (SKELETON / "issue.md").read_text(encoding="utf-8").replace("{date}", today.isoformat())
    plan = {
        folder / CONFIG_NAME: (SKELETON / CONFIG_NAME).read_bytes(),
        folder / "issues" / f"{today.year}" / "001.md": issue.encode("utf-8"),
        folder / ".gitignore": b"/build/\n",
    }
    taken = [path for path in plan if path.exists()]
    if taken:
        raise UsageError("exists already; nothing written", taken[0])
    for path, data in plan.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, data)
    return list(plan)


def copy_templates(root: Path) -> list[Path]:
    """Copy the packaged templates into `root/templates` for editing; return the files written."""
    target = root / "templates"
    names = sorted(p.name for p in TOOL_TEMPLATES.iterdir() if p.is_file())
    taken = [target / name for name in names if (target / name).exists()]
    if taken:
        raise UsageError("exists already; the project's templates are kept (nothing copied)", taken[0])
    target.mkdir(exist_ok=True)
    written = []
    for name in names:
        shutil.copyfile(TOOL_TEMPLATES / name, target / name)
        written.append(target / name)
    return written
