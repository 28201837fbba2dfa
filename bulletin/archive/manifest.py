"""The build manifest (build/manifest.json): what every output was made from, and its SHA-256.

An issue is up to date when every input recorded for it hashes the same as now and its
outputs are on disk as recorded. Inputs shared by all issues (configuration, templates,
fonts, the tool and its dependencies) are hashed once per run and recorded once as a set.
"""
from __future__ import annotations

import ctypes
import hashlib
import json
import platform
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bulletin.config import Config
from bulletin.errors import ConfigError
from bulletin.support.fonts import fonts_dir
from bulletin.output import atomic_write
from bulletin.support.folders import templates_dir
from bulletin import PACKAGE_DIR

if TYPE_CHECKING:
    from .catalog import CatalogEntry

MANIFEST_NAME = "manifest.json"
FORMAT = 1
#: the tool's own code: any change to it may change the outputs
TOOL_DIR = PACKAGE_DIR
#: templates that make archive pages, not issues: changing them rebuilds no issue
NOT_ISSUE_TEMPLATES = ("catalog", "volume")


def sha256_file(path: Path) -> str:
    """The SHA-256 of a file's bytes, hex."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _library(soname: str) -> ctypes.CDLL | None:
    """A shared library by its soname (no ctypes.util.find_library: it runs ldconfig or a compiler)."""
    try:
        return ctypes.CDLL(soname)
    except OSError:
        return None


def _library_version(soname: str, function: str) -> str:
    """The version string a shared C library reports about itself, or 'unknown'."""
    library = _library(soname)
    if library is None or not hasattr(library, function):
        return "unknown"
    call = getattr(library, function)
    call.restype = ctypes.c_char_p
    version: bytes = call()
    return version.decode("ascii")


@lru_cache(maxsize=1)
def dependency_versions() -> dict[str, str]:
    """Versions of Python, every distribution the tool depends on (transitively) and the text libraries."""
    versions = {"python": platform.python_version()}
    pending = ["bulletin"]
    seen: set[str] = set()
    while pending:
        name = pending.pop()
        key = re.sub(r"[-_.]+", "-", name).lower()
        if key in seen:
            continue
        seen.add(key)
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        if key != "bulletin":
            versions[f"dist:{key}"] = dist.version
        for requirement in dist.requires or []:
            if "extra ==" in requirement:
                continue
            pending.append(re.split(r"[ ;<>=!~\[(]", requirement, maxsplit=1)[0])
    versions["lib:pango"] = _library_version("libpango-1.0.so.0", "pango_version_string")
    versions["lib:harfbuzz"] = _library_version("libharfbuzz.so.0", "hb_version_string")
    versions["lib:fontconfig"] = str(_fontconfig_version())
    return dict(sorted(versions.items()))


def _fontconfig_version() -> int | str:
    library = _library("libfontconfig.so.1")
    return int(library.FcGetVersion()) if library is not None else "unknown"


def tool_digest() -> str:
    """One SHA-256 over the tool's Python sources, by relative path."""
    digest = hashlib.sha256()
    for path in sorted(TOOL_DIR.rglob("*.py")):
        digest.update(path.relative_to(TOOL_DIR).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def shared_inputs(config: Config) -> dict[str, str]:
    """Every input all issues share, by name: SHA-256 of files, versions of software.

    Fonts are keyed on their manifest, whose SHA-256 pins every build verifies.
    """
    inputs: dict[str, str] = {"bulletin.toml": sha256_file(config.path)}
    templates = templates_dir(config.root)
    for path in sorted(p for p in templates.rglob("*") if p.is_file()):
        if path.name.startswith(NOT_ISSUE_TEMPLATES) or "__pycache__" in path.parts:
            continue
        inputs[f"templates/{path.relative_to(templates).as_posix()}"] = sha256_file(path)
    fonts = fonts_dir(config.root)
    for name in ("fonts.toml", "fonts.conf"):
        if (fonts / name).is_file():
            inputs[f"fonts/{name}"] = sha256_file(fonts / name)
    inputs["tool"] = tool_digest()
    # a PDF made with this option may hold empty boxes; one made without it may not
    inputs["option:allow_missing_glyphs"] = str(config.allow_missing_glyphs).lower()
    inputs.update(dependency_versions())
    return inputs


def digest_of(inputs: dict[str, str]) -> str:
    """One SHA-256 for a set of named inputs."""
    return hashlib.sha256(json.dumps(inputs, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()


def relative_name(config: Config, path: Path) -> str:
    """How the manifest names a project file: relative to the project, with '/'."""
    try:
        return path.resolve().relative_to(config.root.resolve()).as_posix()
    except ValueError:
        return path.resolve().as_posix()


@dataclass(frozen=True)
class OutputRecord:
    """One output file as built: where (relative to the build folder), its SHA-256 and size."""

    path: str
    sha256: str
    size: int
    mtime_ns: int

    def on_disk(self, out_dir: Path) -> bool:
        """Whether the file is still there as written (size and time; `verify` hashes)."""
        try:
            stat = (out_dir / self.path).stat()
        except OSError:
            return False
        return stat.st_size == self.size and stat.st_mtime_ns == self.mtime_ns


def record_output(out_dir: Path, path: Path, data: bytes) -> OutputRecord:
    """The record of an output just written to `path`."""
    stat = path.stat()
    return OutputRecord(
        path=path.resolve().relative_to(out_dir.resolve()).as_posix(),
        sha256=hashlib.sha256(data).hexdigest(),
        size=stat.st_size,
        mtime_ns=stat.st_mtime_ns,
    )


@dataclass
class IssueRecord:
    """What one issue's outputs were made from, and the outputs."""

    shared: str
    inputs: dict[str, str]
    outputs: dict[str, OutputRecord]
    #: the issue's catalog entry (None in a manifest written before the catalog existed)
    catalog: CatalogEntry | None

    def to_json(self) -> dict[str, Any]:
        """The record as JSON data."""
        return {
            "shared": self.shared,
            "inputs": dict(sorted(self.inputs.items())),
            "outputs": {fmt: vars(record) for fmt, record in sorted(self.outputs.items())},
            "catalog": self.catalog or {},
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "IssueRecord":
        """A record read back from JSON data."""
        from .catalog import entry_from_json

        return cls(
            shared=data["shared"],
            inputs=dict(data["inputs"]),
            outputs={fmt: OutputRecord(**record) for fmt, record in data["outputs"].items()},
            catalog=entry_from_json(data.get("catalog", {})),
        )


@dataclass
class Manifest:
    """The manifest of one build folder."""

    shared: dict[str, dict[str, str]]
    issues: dict[str, IssueRecord]

    @classmethod
    def empty(cls) -> "Manifest":
        """A manifest with nothing built."""
        return cls({}, {})

    def to_bytes(self) -> bytes:
        """The manifest as JSON, keys sorted, only the shared sets still in use."""
        used = {record.shared for record in self.issues.values()}
        data = {
            "format": FORMAT,
            "shared": {key: value for key, value in sorted(self.shared.items()) if key in used},
            "issues": {name: record.to_json() for name, record in sorted(self.issues.items())},
        }
        return (json.dumps(data, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


#: the largest manifest read: a record is about 2 kB, an archive a few thousand issues
MAX_MANIFEST_BYTES = 64 * 1024 * 1024


def load_manifest(out_dir: Path) -> Manifest:
    """The manifest of `out_dir`, or an empty one; an unreadable or malformed manifest is one line."""
    path = out_dir / MANIFEST_NAME
    try:
        if path.stat().st_size > MAX_MANIFEST_BYTES:
            raise ConfigError(
                f"the build manifest is larger than {MAX_MANIFEST_BYTES // (1024 * 1024)} MB; delete it to rebuild everything",
                path,
            )
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Manifest.empty()
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ConfigError(f"cannot read the build manifest ({exc}); delete it to rebuild everything", path) from None
    except RecursionError:
        raise ConfigError("the build manifest is nested too deeply; delete it to rebuild everything", path) from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        return Manifest.empty()
    return validate_manifest(data, path)


def validate_manifest(data: dict[str, Any], path: Path) -> Manifest:
    """The manifest held by JSON `data`, checked for shape: a wrong one is one line naming the first fault.

    Names of issues and outputs must be plain relative paths, so a tampered manifest
    cannot point the tool at files outside the project or the build folder.
    """
    from pydantic import ValidationError

    try:
        checked = _ManifestSchema.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(part) for part in error["loc"]) or "the top level"
        raise ConfigError(
            f"the build manifest is malformed at {where}: {error['msg'].lower()}; delete it to rebuild everything", path
        ) from None
    except RecursionError:
        raise ConfigError("the build manifest is nested too deeply; delete it to rebuild everything", path) from None
    from .catalog import entry_from_json

    return Manifest(
        shared={key: dict(value) for key, value in checked.shared.items()},
        issues={
            name: IssueRecord(
                shared=record.shared,
                inputs=dict(record.inputs),
                outputs={fmt: OutputRecord(**output.model_dump()) for fmt, output in record.outputs.items()},
                catalog=entry_from_json(record.catalog),
            )
            for name, record in checked.issues.items()
        },
    )


def _relative(name: str) -> str:
    """`name` if it is a plain relative path ('2026/003.pdf'), else a ValueError."""
    parts = name.split("/")
    if not name or name.startswith("/") or "\\" in name or ":" in parts[0] or any(p in ("", ".", "..") for p in parts):
        raise ValueError(f"'{name[:80]}' is not a plain relative path")
    return name


def _schemas() -> type:
    """The pydantic models of the manifest's shape (built once, on first use)."""
    from typing import Annotated

    from pydantic import AfterValidator, BaseModel, ConfigDict, Field

    Relative = Annotated[str, AfterValidator(_relative)]

    class Output(BaseModel):
        model_config = ConfigDict(extra="forbid", strict=True)
        path: Relative
        sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
        size: int = Field(ge=0)
        mtime_ns: int

    class Record(BaseModel):
        model_config = ConfigDict(extra="forbid", strict=True)
        shared: str
        inputs: dict[Relative, str]
        outputs: dict[str, Output]
        catalog: dict[str, Any] = {}

    class Schema(BaseModel):
        model_config = ConfigDict(extra="ignore", strict=True)
        format: int
        shared: dict[str, dict[str, str]]
        issues: dict[Relative, Record]

    return Schema


class _Lazy:
    """The manifest schema, made when first asked for (pydantic models cost time to build)."""

    schema: Any = None

    def model_validate(self, data: Any) -> Any:
        if self.schema is None:
            self.schema = _schemas()
        return self.schema.model_validate(data)


_ManifestSchema = _Lazy()


def save_manifest(out_dir: Path, manifest: Manifest) -> None:
    """Write the manifest of `out_dir` (atomically; untouched when unchanged)."""
    path = out_dir / MANIFEST_NAME
    data = manifest.to_bytes()
    try:
        if path.read_bytes() == data:
            return
    except OSError:
        pass
    atomic_write(path, data)


class InputHasher:
    """Hashes project files once per run."""

    def __init__(self) -> None:
        self._cache: dict[Path, str | None] = {}

    def __call__(self, path: Path) -> str | None:
        """The SHA-256 of `path`, or None when it cannot be read."""
        if path not in self._cache:
            try:
                self._cache[path] = sha256_file(path)
            except OSError:
                self._cache[path] = None
        return self._cache[path]


def stale_formats(
    record: IssueRecord | None,
    config: Config,
    shared: str,
    formats: tuple[str, ...],
    out_dir: Path,
    hasher: Callable[[Path], str | None],
) -> tuple[tuple[str, ...], bool]:
    """(formats to build, whether the inputs changed) for one issue against its record."""
    if record is None or record.shared != shared:
        return formats, True
    for name, sha in record.inputs.items():
        if hasher(config.root / name) != sha:
            return formats, True
    missing = tuple(fmt for fmt in formats if fmt not in record.outputs or not record.outputs[fmt].on_disk(out_dir))
    return missing, False
