"""Check stage (run while parsing): check an image an issue uses before either renderer opens it.

Both renderers embed images as they are, so only PNG and JPEG files that decode whole,
within the limits below, get into the model.
"""
from __future__ import annotations

import warnings
from pathlib import Path

#: formats both WeasyPrint and Word show alike; SVG is refused (it can reference other files)
FORMATS = ("PNG", "JPEG")

#: the largest image file accepted
MAX_IMAGE_BYTES = 20 * 1024 * 1024

#: the most pixels accepted: an A4 page at 600 dpi holds 35 million
MAX_PIXELS = 40_000_000


def image_problem(path: Path) -> str | None:
    """What is wrong with the image file at `path` (a short phrase), or None."""
    from PIL import Image, ImageFile, UnidentifiedImageError

    try:
        size = path.stat().st_size
        if size > MAX_IMAGE_BYTES:
            return f"is {size / 1024 / 1024:.1f} MB; an image may be at most {MAX_IMAGE_BYTES // 1024 // 1024} MB"
        with path.open("rb") as handle:
            raw = handle.read(512)
        head = raw.lstrip()
        if raw.startswith(b"\x89PNG\r\n\x1a\n") and len(raw) > 24 and raw[12:16] == b"IHDR" and raw[24] == 16:
            return "is a 16-bit PNG, which the PDF cannot embed; save it with 8 bits per channel"
        if path.suffix.lower() == ".svg" or head.startswith((b"<svg", b"<?xml")):
            return "is SVG, which is not supported; export it as PNG"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                if image.format not in FORMATS:
                    return f"is a {image.format} image; use PNG or JPEG"
                width, height = image.size
                if width * height > MAX_PIXELS:
                    return f"has {width}×{height} pixels; an image may have at most {MAX_PIXELS // 1_000_000} million"
                # WeasyPrint switches this on for the whole process when it is imported.
                lenient, ImageFile.LOAD_TRUNCATED_IMAGES = ImageFile.LOAD_TRUNCATED_IMAGES, False
                try:
                    image.load()
                finally:
                    ImageFile.LOAD_TRUNCATED_IMAGES = lenient
    except UnidentifiedImageError:
        return "is not an image (PNG or JPEG expected)"
    except Image.DecompressionBombError:
        return f"has more than {MAX_PIXELS // 1_000_000} million pixels"
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        return f"is damaged ({exc})"
    return None
