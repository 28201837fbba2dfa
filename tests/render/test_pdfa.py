"""The archival PDF: PDF/A-3b claims, XMP with the issue's numbers, embedded source, bookmarks, tags."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from pypdf import PdfReader

from bulletin.pipeline import load
from bulletin.render.pdfa import XMP_NS

from ..conftest import ROOT, SAMPLES

pytestmark = pytest.mark.slow

RDF = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}"
NS = {
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "dc": "http://purl.org/dc/elements/1.1/",
    "pdfaid": "http://www.aiim.org/pdfa/ns/id/",
    "b": XMP_NS,
}


def pdf_of(build: Path, sample: Path) -> Path:
    """The built PDF of a sample issue."""
    return build / sample.relative_to(ROOT / "issues").with_suffix(".pdf")


def xmp(reader: PdfReader) -> ET.Element:
    """The XMP packet of a PDF, parsed (it must be well-formed XML)."""
    data = reader.trailer["/Root"]["/Metadata"].get_object().get_data()
    return ET.fromstring(data[data.index(b"<x:xmpmeta") : data.index(b"</x:xmpmeta>") + len(b"</x:xmpmeta>")])


def values(root: ET.Element, prefix: str, name: str) -> list[str]:
    """Every value of one XMP property, as element text or attribute."""
    tag = f"{{{NS[prefix]}}}{name}"
    found = [e.text or "" for e in root.iter(tag)]
    found += [d.attrib[tag] for d in root.iter(f"{RDF}Description") if tag in d.attrib]
    return found


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.stem)
def test_xmp_claims_pdfa_3b_and_carries_the_numbers(sample_build: Path, sample_config, sample: Path) -> None:  # type: ignore[no-untyped-def]
    reader = PdfReader(pdf_of(sample_build, sample))
    issue = load(sample, sample_config)
    root = xmp(reader)
    assert values(root, "pdfaid", "part") == ["3"]
    assert values(root, "pdfaid", "conformance") == ["B"]
    assert pdf_of(sample_build, sample).read_bytes().startswith(b"%PDF-1.7")
    assert values(root, "b", "series") == [sample_config.series.name]
    assert values(root, "b", "issue") == [str(issue.meta.issue)]
    assert values(root, "b", "total") == [str(issue.meta.total)]
    assert values(root, "b", "date") == [issue.meta.date.isoformat()]
    assert values(root, "b", "publisher") == [sample_config.series.publisher]
    title = [li.text for t in root.iter(f"{{{NS['dc']}}}title") for li in t.iter(f"{RDF}li")]
    assert title == [issue.meta.title] == [reader.metadata["/Title"]]
    intents = reader.trailer["/Root"]["/OutputIntents"]
    assert intents[0].get_object()["/S"] == "/GTS_PDFA1"


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.stem)
def test_the_source_is_embedded_as_an_associated_file(sample_build: Path, sample: Path) -> None:
    reader = PdfReader(pdf_of(sample_build, sample))
    attached = reader.attachments
    assert attached[sample.name] == [sample.read_bytes()]
    images = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", sample.read_text(encoding="utf-8"))
    for image in images:
        assert attached[image] == [(sample.parent / image).read_bytes()]
    assert set(attached) == {sample.name, *images}
    relationships = {str(spec.get_object()["/AFRelationship"]) for spec in reader.trailer["/Root"]["/AF"]}
    assert relationships == {"/Source"}


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.stem)
def test_bookmarks_follow_the_headings_and_the_pdf_is_tagged(sample_build: Path, sample: Path) -> None:
    reader = PdfReader(pdf_of(sample_build, sample))
    flat: list[str] = []

    def walk(items) -> None:  # type: ignore[no-untyped-def]
        for item in items:
            walk(item) if isinstance(item, list) else flat.append(item.title)

    walk(reader.outline)
    headings = [line[3:].strip() for line in sample.read_text(encoding="utf-8").splitlines() if line.startswith("## ")]
    assert flat[0] == reader.metadata["/Title"]
    assert all(any(heading in title for title in flat) for heading in headings)
    catalog = reader.trailer["/Root"]
    assert catalog["/MarkInfo"]["/Marked"] == True  # noqa: E712 (a pypdf BooleanObject)
    assert "/StructTreeRoot" in catalog


def test_the_first_id_names_the_issue_not_its_content(sample_build: Path) -> None:
    ids = [PdfReader(pdf_of(sample_build, sample)).trailer["/ID"] for sample in SAMPLES]
    firsts = [str(i[0]) for i in ids]
    assert len(set(firsts)) == len(SAMPLES)
    assert all(str(i[0]) != str(i[1]) for i in ids)
