"""A render job: everything the renderers need for one issue, read from disk once.

The build reads the issue file and its images once, into a job; the PDF, the PDF/A
attachments, the manifest's input hashes and the catalog entry all come from the same
bytes, so a file saved in the middle of a build cannot make them disagree. Renderers
take a job and read nothing of the issue themselves.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from bulletin.config import Config
from bulletin.model import Issue


@dataclass(frozen=True)
class RenderJob:
    """One issue to render: parsed, with its exact source bytes, its images' bytes and the house configuration."""

    issue: Issue
    source: bytes
    #: every image the issue uses, in order of first use: (absolute path, bytes)
    images: tuple[tuple[Path, bytes], ...]
    config: Config
    #: what the PDF's layout could not set as the house wants, added by the renderer (`fill.LayoutNote`)
    notes: list[object] = field(default_factory=list, compare=False)

    @property
    def path(self) -> Path:
        """The issue file."""
        return self.issue.source

    def image(self, path: Path) -> bytes | None:
        """The bytes of the image at `path`, if the issue uses it."""
        return dict(self.images).get(path.resolve())

    def digests(self) -> dict[Path, str]:
        """The SHA-256 of the source and of each image, by path."""
        found = {self.path: hashlib.sha256(self.source).hexdigest()}
        found.update((path, hashlib.sha256(data).hexdigest()) for path, data in self.images)
        return found
