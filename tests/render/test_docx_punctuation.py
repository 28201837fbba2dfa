"""Consecutive punctuation in the DOCX: the first of two adjacent marks is half an em narrower, as in the PDF."""
from __future__ import annotations

import io

from docx import Document
from docx.oxml.ns import qn

from bulletin.config import Config
from bulletin.pipeline import load
from bulletin.render.docx import render_docx, style_tracking_and_size
from tests.conftest import ROOT
from tests.pdfmeasure import compressible

STRESS = ROOT / "tests" / "fixtures" / "stress.md"


def test_the_first_of_two_adjacent_marks_gives_up_half_an_em(sample_config: Config) -> None:
    document = Document(io.BytesIO(render_docx(load(STRESS, sample_config), sample_config)))
    pairs = 0
    for paragraph in document.paragraphs:
        runs = [(run, run.text) for run in paragraph.runs if run.text]
        chars = [(run, char) for run, text in runs for char in text]
        tracking, size = style_tracking_and_size(paragraph)
        for (run, char), (_, after) in zip(chars, chars[1:]):
            rpr = run._r.rPr
            spacing = rpr.find(qn("w:spacing")) if rpr is not None else None
            if compressible(char, after):
                pairs += 1
                # a run of its own, so its spacing reaches only the mark
                assert run.text == char, paragraph.text
                assert spacing is not None, paragraph.text
                assert int(spacing.get(qn("w:val"))) == round((tracking - size / 2) * 20), paragraph.text
            else:
                assert spacing is None, (char, after, paragraph.text)
    assert pairs >= 30
