"""Quick look: render an issue's PDF pages to PNG files."""
from __future__ import annotations

import io
from pathlib import Path

from bulletin import pipeline
from bulletin.config import Config
from bulletin.errors import UsageError
from bulletin.output import atomic_write


def page_images(pdf: bytes, scale: float, pages: list[int] | None = None) -> list[bytes]:
    """PNG bytes of the given 0-based pages of `pdf` (all when None)."""
    import pypdfium2

    document = pypdfium2.PdfDocument(pdf)
    try:
        numbers = pages if pages is not None else list(range(len(document)))
        images: list[bytes] = []
        for number in numbers:
            buffer = io.BytesIO()
            document[number].render(scale=scale).to_pil().save(buffer, format="PNG")
            images.append(buffer.getvalue())
        return images
    finally:
        document.close()


def preview_pages(config: Config, path: Path, page: int | None, scale: float, out_dir: Path) -> list[Path]:
    """Render `path` (an issue) to PDF in memory and write PNGs of its pages; return their paths."""
    pdf = pipeline.renderer("pdf")(pipeline.prepare(path.resolve(), config))
    import pypdfium2

    count = len(pypdfium2.PdfDocument(pdf))
    if page is not None and page > count:
        raise UsageError(f"--page {page}: the issue has {count} page(s)")
    numbers = [page - 1] if page else list(range(count))
    stem = pipeline.output_path(config, path.resolve(), out_dir, "pdf").with_suffix("")
    written = []
    for number, png in zip(numbers, page_images(pdf, scale, numbers)):
        target = stem.parent / f"{stem.name}-p{number + 1}.png"
        atomic_write(target, png, inside=out_dir)
        written.append(target)
    return written
