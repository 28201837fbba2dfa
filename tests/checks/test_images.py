"""Checking images before rendering: only whole PNG and JPEG files within the limits pass."""
from __future__ import annotations

from pathlib import Path

import PIL.Image
import pytest

from bulletin.checks.images import image_problem


def test_a_whole_png_and_jpeg_pass(tmp_path: Path) -> None:
    for name, kind in (("a.png", "PNG"), ("a.jpg", "JPEG")):
        PIL.Image.new("RGB", (30, 20), "white").save(tmp_path / name, format=kind)
        assert image_problem(tmp_path / name) is None


@pytest.mark.parametrize("cut", [0.3, 0.6, 0.9])
def test_a_truncated_image_is_damaged_even_after_weasyprint_is_imported(tmp_path: Path, cut: float) -> None:
    import weasyprint.images  # noqa: F401  (it makes Pillow accept truncated files, process-wide)

    for name, kind in (("cut.png", "PNG"), ("cut.jpg", "JPEG")):
        path = tmp_path / name
        PIL.Image.effect_noise((120, 90), 64).convert("RGB").save(path, format=kind)
        data = path.read_bytes()
        path.write_bytes(data[: int(len(data) * cut)])
        assert (image_problem(path) or "").startswith(("is damaged", "is not an image")), name
