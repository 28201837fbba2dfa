"""The project boundary: what the tool reads and writes lies inside the project folder.

Issue files, templates, the font manifest and its fonts, images and the build folder
must resolve (links followed) inside the folder that holds bulletin.toml; outputs may
also go to a folder given explicitly with --out. A symbolic link that leads out of
the project is refused with one line naming the link; nothing behind it is read.
"""
from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Iterable

from bulletin.errors import BulletinError, ConfigError, ContentError, UsageError, raise_all


def lexical(path: Path) -> Path:
    """`path` made absolute without following a link at its last component."""
    absolute = Path(os.path.abspath(path))
    return absolute.parent.resolve() / absolute.name if absolute.name else absolute.resolve()


def inside(path: Path, root: Path) -> bool:
    """Whether `path`, every link followed, lies in `root` (itself resolved)."""
    try:
        return path.resolve().is_relative_to(root.resolve())
    except (OSError, RuntimeError):  # a loop of links
        return False


def _link_out(path: Path, root: Path) -> Path | None:
    """The component of `path` that is a link leading out of `root`, if one is."""
    for part in (path, *path.parents):
        if part == root or not part.is_relative_to(root):
            break
        if part.is_symlink() and not inside(part, root):
            return part
    return None


def refusal(path: Path, root: Path, what: str, kind: type[BulletinError] = ContentError) -> BulletinError | None:
    """The problem with `path` ('issue file', 'template', ...) when it lies outside `root`, else None."""
    root = root.resolve()
    path = lexical(path)
    if inside(path, root):
        return None
    link = _link_out(path, root)
    if link is not None:
        return kind(f"{what} is a symbolic link to {link.resolve()}, outside the project; not read", link)
    return kind(f"{what} lies outside the project ({root}); only files of the project are used", path)


def discover_problems(paths: Iterable[Path], root: Path) -> list[BulletinError]:
    """Paths named on the command line that lie outside the project (`build /`, `check ../x.md`)."""
    problems = []
    for path in paths:
        found = refusal(path, root, "this path", UsageError)
        if found is not None:
            problems.append(found)
    return problems


def issue_files(folder: Path, root: Path) -> tuple[list[Path], list[BulletinError]]:
    """Every issue file (*.md) under `folder`, never through a link that leaves the project.

    Folders that are links out are not entered; files that are links out, and special
    files (FIFOs, devices, sockets), are reported instead of returned.
    """
    files: list[Path] = []
    problems: list[BulletinError] = []
    root = root.resolve()
    for current, folders, names in os.walk(lexical(folder), followlinks=False):
        here = Path(current)
        for name in list(folders):
            if name.startswith("."):
                folders.remove(name)
            elif (here / name).is_symlink():
                folders.remove(name)
                if not inside(here / name, root) and (problem := refusal(here / name, root, "folder")) is not None:
                    problems.append(problem)
        for name in names:
            if not name.endswith(".md") or name.startswith("."):
                continue
            path = here / name
            problem = refusal(path, root, "issue file")
            if problem is not None:
                problems.append(problem)
                continue
            try:
                mode = path.stat().st_mode
            except OSError:
                continue  # a dangling link: reported as missing when named
            if stat.S_ISREG(mode):
                files.append(path)
    return sorted(files), problems


def _special(path: Path) -> bool:
    """Whether `path` (a link followed) is a FIFO, device or socket; a dangling link is not."""
    try:
        return not stat.S_ISREG(path.stat().st_mode) and not stat.S_ISDIR(path.stat().st_mode)
    except OSError:
        return False


def project_problems(root: Path, templates: Path, fonts: Path) -> list[BulletinError]:
    """Templates and font files of the project that are links leading out of it."""
    problems: list[BulletinError] = []
    root = root.resolve()
    for folder, what in ((templates, "template"), (fonts, "font file")):
        if not lexical(folder).is_relative_to(root):
            continue  # the tool's own templates or fonts
        problem = refusal(folder, root, f"{what} folder", ConfigError)
        if problem is not None:
            problems.append(problem)
            continue
        for current, _, names in os.walk(folder, followlinks=False):
            for name in sorted(names):
                path = Path(current) / name
                problem = refusal(path, root, what, ConfigError)
                if problem is None and _special(path):
                    # a FIFO would block the read forever, a device could be endless: never opened
                    problem = ConfigError(f"{what} is not a regular file (a FIFO, device or socket); not read", path)
                if problem is not None:
                    problems.append(problem)
    return problems


def check_project(root: Path, templates: Path, fonts: Path) -> None:
    """Raise every template or font of the project that leads out of it."""
    raise_all(project_problems(root, templates, fonts))


def output_folder(root: Path, out_dir: Path | None) -> Path:
    """The folder outputs go to: an explicit --out as given, else build/, which must stay in the project."""
    if out_dir is not None:
        return out_dir.resolve()
    build = root / "build"
    problem = refusal(build, root, "the build folder", UsageError)
    if problem is not None:
        problem.message += "; give --out to write elsewhere"
        raise problem
    return build.resolve()
