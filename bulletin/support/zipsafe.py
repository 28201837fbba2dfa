"""A DOCX (a ZIP archive) checked before anything in it is unpacked: a zip bomb is refused unread."""
from __future__ import annotations

import zipfile

#: the most parts a DOCX may have, and what they may unpack to, one by one and together
MAX_PARTS = 2_000
MAX_PART_BYTES = 64 * 1024 * 1024
MAX_TOTAL_BYTES = 256 * 1024 * 1024
#: a part over 1 MB packed more than this many times tighter is a bomb, not a document
MAX_RATIO = 200


def zip_bomb(archive: zipfile.ZipFile) -> str | None:
    """Why `archive` is refused before it is unpacked, or None.

    The sizes are the ones the archive declares; nothing is decompressed to learn them.
    """
    members = archive.infolist()
    if len(members) > MAX_PARTS:
        return f"not a DOCX file: {len(members)} parts (at most {MAX_PARTS})"
    total = 0
    for member in members:
        total += member.file_size
        packed_tight = member.file_size > 1024 * 1024 and member.file_size > MAX_RATIO * max(member.compress_size, 1)
        if member.file_size > MAX_PART_BYTES or total > MAX_TOTAL_BYTES or packed_tight:
            return (
                f"not a DOCX file: part '{member.filename[:80]}' would unpack to "
                f"{member.file_size / 1024 / 1024:.0f} MB (a zip bomb?); not read"
            )
    return None
