"""Published issues: sealed in archive/, served as published, re-issued only on request.

`bulletin publish ISSUE` renders the issue's PDF and DOCX and keeps them, with a record of
everything they were made from, in the project's archive/ folder (committed with the
project; build/ stays disposable):

    archive/2025/011.json   the record: one entry per edition, appended, never rewritten
    archive/2025/011.pdf    the current edition
    archive/2025/011.docx
    archive/2025/011.r1.pdf the first edition, kept when a correction re-issued it

`build` copies the current edition into the build folder instead of rendering the issue,
so no change of bulletin.toml, templates, fonts or the tool alters a published issue.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

from bulletin.config import Config
from bulletin.errors import BulletinError, ConfigError, ContentError, UsageError, display_path
from bulletin.archive.manifest import IssueRecord, Manifest, OutputRecord, record_output, relative_name, sha256_file, shared_inputs
from bulletin.output import atomic_write, directory_lock

ARCHIVE_NAME = "archive"
RECORD_FORMAT = 1
#: the formats sealed at publication (HTML is a preview, not a record)
SEALED_FORMATS = ("pdf", "docx")
#: Config fields that are not house values (where the project is, what the build was asked for)
NOT_HOUSE = ("root", "path", "gaps", "series_changes", "contact_changes")


def archive_dir(config: Config) -> Path:
    """archive/ beside bulletin.toml."""
    return config.root / ARCHIVE_NAME


def _relative(config: Config, source: Path) -> Path:
    try:
        return source.resolve().relative_to(config.issues_dir.resolve())
    except ValueError:
        raise UsageError(f"{display_path(source)} is not under issues/: only issues of the archive are published") from None


def record_path(config: Config, source: Path) -> Path:
    """archive/2025/011.json for issues/2025/011.md."""
    return archive_dir(config) / _relative(config, source).with_suffix(".json")


def edition_path(record_file: Path, fmt: str, edition: int, editions: int) -> Path:
    """Where edition `edition` (from 1) of `editions` keeps its `fmt`: NNN.fmt when current, else NNN.rK.fmt."""
    if edition == editions:
        return record_file.with_suffix(f".{fmt}")
    return record_file.with_suffix(f".r{edition}.{fmt}")


def _jsonable(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {field.name: _jsonable(getattr(value, field.name)) for field in dataclasses.fields(value)}
    if isinstance(value, (tuple, list)):
        return [_jsonable(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _jsonable(item) for key, item in value.items()}
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def house_values(config: Config, date: dt.date) -> dict[str, Any]:
    """The house values an issue dated `date` prints: bulletin.toml resolved for that date."""
    values = {
        field.name: _jsonable(getattr(config, field.name))
        for field in dataclasses.fields(config)
        if field.name not in NOT_HOUSE
    }
    values["series"] = _jsonable(config.series_on(date))
    values["contact"] = _jsonable(config.contact_on(date))
    return dict(sorted(values.items()))


def _flat(values: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    found: dict[str, Any] = {}
    for key, value in values.items():
        if isinstance(value, dict):
            found.update(_flat(value, f"{prefix}{key}."))
        else:
            found[f"{prefix}{key}"] = value
    return found


def is_environment(name: str) -> bool:
    """Whether a shared input names software outside the project (Python, a dependency, a C library)."""
    return name == "python" or name.startswith(("dist:", "lib:"))


def font_hashes(config: Config) -> dict[str, str]:
    """SHA-256 of every font file the build may use."""
    from bulletin.support.fonts import fonts_dir

    folder = fonts_dir(config.root)
    return {
        path.relative_to(folder).as_posix(): sha256_file(path)
        for path in sorted(folder.rglob("*"))
        if path.is_file() and path.suffix.lower() in (".otf", ".ttf", ".ttc", ".woff", ".woff2")
    }


def _house_files(config: Config) -> dict[str, str]:
    """bulletin.toml and the issue templates as text: what verify needs to rebuild with the recorded house."""
    from bulletin.archive.manifest import NOT_ISSUE_TEMPLATES
    from bulletin.support.folders import templates_dir

    files = {"bulletin.toml": config.path.read_bytes().decode("utf-8-sig")}
    folder = templates_dir(config.root)
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        if path.name.startswith(NOT_ISSUE_TEMPLATES):
            continue
        try:
            files[f"templates/{path.relative_to(folder).as_posix()}"] = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue  # kept by its SHA-256 in `inputs` only
    return files


# --- records ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sealed:
    """A published issue: its record file and the record."""

    source: Path
    path: Path
    data: dict[str, Any]

    @property
    def editions(self) -> list[dict[str, Any]]:
        """Every edition, the first first."""
        editions: list[dict[str, Any]] = self.data["editions"]
        return editions

    @property
    def current(self) -> dict[str, Any]:
        """The edition in force."""
        return self.editions[-1]

    def output(self, fmt: str, edition: int | None = None) -> Path:
        """The archived `fmt` file of `edition` (default: the current one)."""
        count = len(self.editions)
        return edition_path(self.path, fmt, edition or count, count)


def load_record(config: Config, source: Path) -> Sealed | None:
    """The archive record of the issue at `source`, or None when it was never published."""
    path = record_path(config, source)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ConfigError(f"cannot read the archive record ({exc}); restore it from version control", path) from None
    if not isinstance(data, dict) or data.get("format") != RECORD_FORMAT or not data.get("editions"):
        raise ConfigError("not an archive record of this tool; restore it from version control", path)
    return Sealed(source.resolve(), path, data)


def published(config: Config) -> list[Sealed]:
    """Every published issue of the project (by its record in archive/)."""
    folder = archive_dir(config)
    found = []
    for path in sorted(folder.rglob("*.json")) if folder.is_dir() else []:
        source = config.issues_dir / path.relative_to(folder).with_suffix(".md")
        record = load_record(config, source)
        if record is not None:
            found.append(record)
    return found


def _edition(
    config: Config, source: Path, issue: Any, rendered: dict[str, bytes], today: dt.date, reason: str | None, number: int
) -> dict[str, Any]:
    """The record of one edition: what it was made from, and its outputs."""
    from bulletin.model import issue_images
    from bulletin.archive.catalog import record as catalog_record

    inputs = shared_inputs(config)
    return {
        "edition": number,
        "date": today.isoformat(),
        "reason": reason,
        "source": {relative_name(config, p): sha256_file(p) for p in (source, *issue_images(issue))},
        "house": house_values(config, issue.meta.date),
        "inputs": {name: value for name, value in inputs.items() if not is_environment(name)},
        "environment": {name: value for name, value in inputs.items() if is_environment(name)},
        "fonts": font_hashes(config),
        "house_files": _house_files(config),
        "outputs": {
            fmt: {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)} for fmt, data in sorted(rendered.items())
        },
        "catalog": {
            key: value
            for key, value in catalog_record(issue, relative_name(config, source)).items()
            if key not in ("status", "published", "reissues")  # made from the editions: see `history`
        },
    }


def _render(config: Config, source: Path) -> tuple[Any, dict[str, bytes]]:
    from bulletin.pipeline import prepare, render_all

    job = prepare(source, config)
    if job.issue.meta.draft:
        raise ContentError("is a draft ('status: draft'): remove the line to publish it", source)
    return job.issue, render_all(job, SEALED_FORMATS)


def _numbering(config: Config, source: Path) -> None:
    from bulletin.archive.numbering import archive_problems, involving
    from bulletin.errors import raise_all

    raise_all(involving(archive_problems(config), {source.resolve()}))


def _write(path: Path, data: dict[str, Any]) -> None:
    atomic_write(path, (json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode("utf-8"))


def publish(config: Config, source: Path, today: dt.date) -> tuple[Sealed, bool]:
    """Seal the issue at `source`: render it, keep its outputs and record in archive/.

    Returns the record and whether it was published now (False: it was already).
    """
    source = source.resolve()
    if not source.is_file():
        raise ContentError("no such file", source)
    # one publish or reissue at a time in the project: a second sees the first's record, never half of it
    with directory_lock(config.root):
        return _publish(config, source, today)


def _publish(config: Config, source: Path, today: dt.date) -> tuple[Sealed, bool]:
    """`publish`, under the archive's lock."""
    sealed = load_record(config, source)
    if sealed is not None:
        if sha256_file(source) != sealed.current["source"].get(relative_name(config, source)):
            raise ContentError(
                f"was published on {sealed.current['date']} and has changed since: "
                f"to publish the change, use 'bulletin reissue {display_path(source)} --reason \"…\"'",
                source,
            )
        return sealed, False
    _numbering(config, source)
    issue, rendered = _render(config, source)
    path = record_path(config, source)
    data = {
        "format": RECORD_FORMAT,
        "source": relative_name(config, source),
        "editions": [_edition(config, source, issue, rendered, today, None, 1)],
    }
    for fmt, output in rendered.items():
        atomic_write(edition_path(path, fmt, 1, 1), output)
    _write(path, data)
    return Sealed(source, path, data), True


def reissue(config: Config, source: Path, reason: str, today: dt.date) -> Sealed:
    """Publish a corrected edition of a published issue; the previous edition's files are kept as NNN.rK.*."""
    source = source.resolve()
    reason = " ".join(reason.split())
    if not reason:
        raise UsageError("--reason is empty: say what the correction is (it is printed in the catalog)")
    with directory_lock(config.root):
        return _reissue(config, source, reason, today)


def _reissue(config: Config, source: Path, reason: str, today: dt.date) -> Sealed:
    """`reissue`, under the archive's lock: two corrections never make the same edition number."""
    sealed = load_record(config, source)
    if sealed is None:
        raise ContentError("was never published: use 'bulletin publish' first", source)
    _put_back(sealed)
    _check_archived(sealed)
    issue, rendered = _render(config, source)
    current = sealed.current["outputs"]
    if all(hashlib.sha256(rendered[fmt]).hexdigest() == current[fmt]["sha256"] for fmt in SEALED_FORMATS):
        raise ContentError("re-issuing would give the same bytes as the published edition: nothing to correct", source)
    count = len(sealed.editions)
    for fmt in SEALED_FORMATS:  # the edition in force moves aside, byte for byte
        atomic_write(edition_path(sealed.path, fmt, count, count + 1), sealed.output(fmt).read_bytes())
    data = dict(sealed.data, editions=[*sealed.editions, _edition(config, source, issue, rendered, today, reason, count + 1)])
    for fmt, output in rendered.items():
        atomic_write(edition_path(sealed.path, fmt, count + 1, count + 1), output)
    _write(sealed.path, data)
    return Sealed(source, sealed.path, data)


def _put_back(sealed: Sealed) -> None:
    """Undo a reissue stopped before its record was written, so that it can be run again.

    A reissue first copies the edition in force aside (NNN.rK.*, K its number), then
    writes the new files over NNN.*, then the record. Stopped in between, the record
    still names edition K as in force while its copies stand aside: each file of
    edition K whose copy has the recorded SHA-256 is put back from it, and the copy goes.
    """
    count = len(sealed.editions)
    for fmt, output in sealed.current["outputs"].items():
        aside = edition_path(sealed.path, fmt, count, count + 1)
        try:
            if sha256_file(aside) != output["sha256"]:
                continue  # not a copy of this edition: _check_archived says what is wrong
        except OSError:
            continue
        current = sealed.output(fmt)
        try:
            intact = sha256_file(current) == output["sha256"]
        except OSError:
            intact = False
        if not intact:
            atomic_write(current, aside.read_bytes())
        aside.unlink()


def _check_archived(sealed: Sealed) -> None:
    """Every archived file of the current edition is there with its recorded SHA-256."""
    for fmt, output in sealed.current["outputs"].items():
        path = sealed.output(fmt)
        try:
            actual = sha256_file(path)
        except OSError:
            raise ContentError(f"the published {fmt.upper()} is missing; restore it from version control", path) from None
        if actual != output["sha256"]:
            count = len(sealed.editions)
            aside = edition_path(sealed.path, fmt, count, count + 1)
            if aside.exists() and sha256_file(aside) == output["sha256"]:
                raise ContentError(
                    f"differs from its archive record (sha256 {actual[:12]}…, recorded {output['sha256'][:12]}…); "
                    "a reissue was stopped before it finished: run 'bulletin reissue' again",
                    path,
                )
            raise ContentError(
                f"differs from its archive record (sha256 {actual[:12]}…, recorded {output['sha256'][:12]}…); "
                "restore it from version control",
                path,
            )


# --- what build does with published issues ------------------------------------------------


def history(sealed: Sealed) -> dict[str, Any]:
    """The catalog's history fields of a published issue."""
    reissues = [{"date": e["date"], "reason": e["reason"]} for e in sealed.editions[1:]]
    return {
        "status": "reissued" if reissues else "published",
        "published": sealed.editions[0]["date"],
        "reissues": reissues,
    }


def house_changes(config: Config, sealed: Sealed, current_inputs: dict[str, str]) -> list[str]:
    """What of the current house differs from what the published edition was made with."""
    edition = sealed.current
    date = dt.date.fromisoformat(edition["catalog"]["date"])
    before, now = _flat(edition["house"]), _flat(house_values(config, date))
    changed = [name for name in sorted(set(before) | set(now)) if before.get(name) != now.get(name)]
    recorded = edition["inputs"]
    changed += [
        name
        for name in sorted(set(recorded) | set(current_inputs))
        if name != "bulletin.toml" and not is_environment(name) and recorded.get(name) != current_inputs.get(name)
    ]
    return changed


@dataclass(frozen=True)
class Served:
    """A published issue as the build left it: its outputs in the build folder, and what would change it."""

    source: Path
    outputs: tuple[Path, ...]
    records: dict[str, OutputRecord]
    unchanged: bool
    changes: tuple[str, ...]
    source_changed: bool
    error: BulletinError | None = None


def split(config: Config, files: Iterable[Path]) -> tuple[list[Path], list[Sealed]]:
    """(issues to build as drafts, published issues) among `files`."""
    drafts, sealed = [], []
    issues = config.issues_dir.resolve()
    for path in files:
        if not path.resolve().is_relative_to(issues):
            drafts.append(path)  # a file outside issues/ is never published: it builds as a draft
            continue
        record = load_record(config, path)
        if record is None:
            drafts.append(path)
        else:
            sealed.append(record)
    return drafts, sealed


def serve(
    config: Config,
    sealed: Sealed,
    formats: tuple[str, ...],
    out_dir: Path,
    manifest: Manifest,
    shared: dict[str, str],
    digest: str,
) -> Served:
    """Put the published edition of an issue into the build folder (copied, never rendered); record it in `manifest`."""
    from bulletin.archive.catalog import entry_from_json
    from bulletin.pipeline import output_path

    name = relative_name(config, sealed.source)
    record_sha = sha256_file(sealed.path)
    inputs = {relative_name(config, sealed.path): record_sha}
    wanted = tuple(fmt for fmt in formats if fmt in SEALED_FORMATS)
    changes = tuple(house_changes(config, sealed, shared))
    try:
        source_changed = sha256_file(sealed.source) != sealed.current["source"].get(name)
    except OSError:
        source_changed = True
    old = manifest.issues.get(name)
    if old is not None and old.inputs == inputs and all(
        fmt in old.outputs and old.outputs[fmt].on_disk(out_dir) for fmt in wanted
    ):
        return Served(sealed.source, (), {}, True, changes, source_changed)
    try:
        _check_archived(sealed)
    except BulletinError as exc:
        return Served(sealed.source, (), {}, False, changes, source_changed, exc)
    written, records = [], {}
    for fmt in wanted:
        data = sealed.output(fmt).read_bytes()
        target = output_path(config, sealed.source, out_dir, fmt)
        try:
            same = target.read_bytes() == data
        except OSError:
            same = False
        if not same:
            atomic_write(target, data)
        written.append(target)
        records[fmt] = record_output(out_dir, target, data)
    catalog = entry_from_json(dict(sealed.current["catalog"], **history(sealed)))
    kept = dict(old.outputs) if old is not None and old.inputs == inputs else {}  # formats not asked for this time
    manifest.issues[name] = IssueRecord(digest, inputs, {**kept, **records}, catalog)
    return Served(sealed.source, tuple(written), records, False, changes, source_changed)


# --- verify: rebuild every published edition with its recorded house ----------------------


def environment_facts(recorded: dict[str, str], current: dict[str, str]) -> list[str]:
    """Differences of software between a record and here, as 'name old → new' (facts, not failures)."""
    names = sorted(n for n in set(recorded) | set(current) if is_environment(n) or n == "tool")
    return [
        f"{name} {recorded.get(name, '-')[:12]} → {current.get(name, '-')[:12]}"
        for name in names
        if recorded.get(name) != current.get(name)
    ]


def _embedded(sealed: Sealed) -> dict[str, bytes]:
    """The files embedded in the archived PDF (the source and its images), by SHA-256; empty if unreadable."""
    from bulletin.render.pdfa import extract_all

    try:
        found = extract_all(sealed.output("pdf").read_bytes(), sealed.output("pdf"))
    except (BulletinError, OSError):
        return {}
    return {hashlib.sha256(data).hexdigest(): data for data in found.values()}


def _rebuild(config: Config, sealed: Sealed, folder: Path, facts: list[str]) -> dict[str, bytes]:
    """The current edition rebuilt in `folder` from its recorded house and its source, by format.

    A source file changed since publication is taken from the archived PDF, which embeds
    it byte for byte (checked against the recorded SHA-256).
    """
    from bulletin.config import load_config
    from bulletin.support.fonts import fonts_dir
    from bulletin.pipeline import prepare, render_all

    edition = sealed.current
    for name, text in edition["house_files"].items():
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    (folder / "fonts").symlink_to(fonts_dir(config.root).resolve(), target_is_directory=True)
    embedded: dict[str, bytes] | None = None
    for name, sha in edition["source"].items():
        original = config.root / name
        if original.is_file() and sha256_file(original) == sha:
            data = original.read_bytes()
        else:
            embedded = _embedded(sealed) if embedded is None else embedded
            if sha not in embedded:
                raise ContentError(
                    f"{name} changed since it was published, and the archived PDF does not hold it as published",
                    sealed.path,
                )
            data = embedded[sha]
            facts.append(f"{name}: changed since it was published; rebuilt from the copy embedded in the archived PDF")
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    recorded_config = dataclasses.replace(
        load_config(folder), allow_missing_glyphs=bool(edition["house"].get("allow_missing_glyphs", False))
    )
    job = prepare(folder / sealed.data["source"], recorded_config)
    return render_all(job, tuple(edition["outputs"]))


def verify_published(config: Config, records: list[Sealed], facts: list[str]) -> tuple[int, list[tuple[Path, str]]]:
    """Check every archived file against its record and rebuild every current edition; (outputs checked, problems)."""
    import tempfile

    from bulletin.archive.compare import describe

    problems: list[tuple[Path, str]] = []
    checked = 0
    current_inputs = shared_inputs(config)
    fonts_now: dict[str, str] | None = None
    for sealed in records:
        edition = sealed.current
        recorded = {**edition["inputs"], **edition["environment"]}
        for fact in environment_facts(recorded, current_inputs):
            facts.append(f"published with other software than here: {fact}")
        if fonts_now is None:
            fonts_now = font_hashes(config)
        if edition["fonts"] != fonts_now:
            facts.append(f"{display_path(sealed.path)}: the font files differ from those recorded at publication")
        for number, old in enumerate(sealed.editions[:-1], start=1):
            for fmt, output in old["outputs"].items():
                checked += 1
                path = sealed.output(fmt, number)
                actual = sha256_file(path) if path.is_file() else None
                if actual != output["sha256"]:
                    problems.append((path, "missing (the archive records it)" if actual is None else
                                     f"differs from its archive record: sha256 {actual[:12]}…, recorded {output['sha256'][:12]}…"))
        with tempfile.TemporaryDirectory(prefix="bulletin-verify-") as temporary:
            try:
                rebuilt = _rebuild(config, sealed, Path(temporary), facts)
            except BulletinError as exc:
                problems.append((sealed.path, f"does not rebuild: {exc}"))
                rebuilt = {}
        for fmt, output in sorted(edition["outputs"].items()):
            checked += 1
            path = sealed.output(fmt)
            kept = path.read_bytes() if path.is_file() else None
            new = rebuilt.get(fmt)
            new_sha = hashlib.sha256(new).hexdigest() if new is not None else None
            if kept is None:
                problems.append((path, "missing (the archive records it)"))
            elif hashlib.sha256(kept).hexdigest() != output["sha256"]:
                actual = hashlib.sha256(kept).hexdigest()
                detail = f" (against a rebuild: {describe(fmt, kept, new)})" if new is not None and new_sha == output["sha256"] else ""
                problems.append(
                    (path, f"differs from its archive record: sha256 {actual[:12]}…, recorded {output['sha256'][:12]}…{detail}")
                )
            if new is not None and new_sha is not None and new_sha != output["sha256"]:
                detail = f": {describe(fmt, kept, new)}" if kept is not None else ""
                problems.append(
                    (
                        path,
                        f"does not rebuild to the same bytes: rebuilt sha256 {new_sha[:12]}…, "
                        f"recorded {output['sha256'][:12]}…{detail}",
                    )
                )
    return checked, problems
