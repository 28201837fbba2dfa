"""Part of the PDF stage: the archival side of the PDF: PDF/A-3b, reproducible identity, XMP, embedded source.

Everything here depends only on the issue (its file, numbers and date), never on the
clock, the folder or the process, so that the same inputs give the same bytes.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import uuid
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from bulletin.config import Config
from bulletin.job import RenderJob
from bulletin.model import Issue

#: the variant every issue PDF is written in; attachments need PDF/A-3
PDF_VARIANT = "pdf/a-3b"
#: the AFRelationship of the embedded Markdown and images: they are what the PDF was made from
RELATIONSHIP = "Source"
#: the namespace of the bulletin's own XMP properties
XMP_NS = "https://bulletin.invalid/ns/issue/1.0/"
XMP_PREFIX = "bulletin"

_PROPERTIES = (
    ("series", "Text", "the series (masthead name)"),
    ("kind", "Text", "the kind of issue, e.g. 专报"),
    ("issue", "Integer", "the number within the year"),
    ("total", "Integer", "the number since the first issue"),
    ("date", "Date", "the date of issue"),
    ("publisher", "Text", "the publisher"),
)


def identifier(issue: Issue) -> bytes:
    """The permanent first half of the PDF /ID: the issue's identity, not its content."""
    key = f"{issue.series.name}|{issue.meta.total}".encode("utf-8")
    return hashlib.md5(key, usedforsecurity=False).hexdigest().encode("ascii")


def source_name(issue: Issue) -> str:
    """The name the Markdown source carries inside the PDF."""
    return issue.source.name


def _attachment_time(issue: Issue) -> dt.datetime:
    return dt.datetime.combine(issue.meta.date, dt.time())


def attachments(job: RenderJob) -> list[Any]:
    """The issue's Markdown file, byte for byte as the job read it, and the images it uses, as PDF attachments."""
    from weasyprint import Attachment

    issue = job.issue
    when = _attachment_time(issue)
    found = [
        Attachment(
            file_obj=io.BytesIO(job.source),
            name=source_name(issue),
            description="Markdown source of this issue",
            created=when,
            modified=when,
            relationship=RELATIONSHIP,
        )
    ]
    folder = issue.source.parent.resolve()
    for image, data in job.images:
        try:
            name = image.relative_to(folder).as_posix()
        except ValueError:
            name = image.name
        found.append(
            Attachment(
                file_obj=io.BytesIO(data),
                name=name,
                description="image used by this issue",
                created=when,
                modified=when,
                relationship=RELATIONSHIP,
            )
        )
    return found


def xmp_properties(issue: Issue) -> bytes:
    """XMP for the bulletin's own properties, with the PDF/A extension schema that declares them."""
    meta = issue.meta
    values = {
        "series": issue.series.name,
        "kind": issue.series.kind,
        "issue": str(meta.issue),
        "total": str(meta.total),
        "date": meta.date.isoformat(),
        "publisher": issue.series.publisher,
    }
    document_id = uuid.uuid5(uuid.NAMESPACE_URL, XMP_NS + identifier(issue).decode())
    declared = "".join(
        "<rdf:li rdf:parseType=\"Resource\">"
        f"<pdfaProperty:name>{name}</pdfaProperty:name>"
        f"<pdfaProperty:valueType>{kind}</pdfaProperty:valueType>"
        "<pdfaProperty:category>external</pdfaProperty:category>"
        f"<pdfaProperty:description>{escape(description)}</pdfaProperty:description>"
        "</rdf:li>"
        for name, kind, description in _PROPERTIES
    )
    own = "".join(f"<{XMP_PREFIX}:{name}>{escape(values[name])}</{XMP_PREFIX}:{name}>" for name, _, _ in _PROPERTIES)
    return (
        '<rdf:Description rdf:about="" '
        'xmlns:pdfaExtension="http://www.aiim.org/pdfa/ns/extension/" '
        'xmlns:pdfaSchema="http://www.aiim.org/pdfa/ns/schema#" '
        'xmlns:pdfaProperty="http://www.aiim.org/pdfa/ns/property#">'
        "<pdfaExtension:schemas><rdf:Bag><rdf:li rdf:parseType=\"Resource\">"
        "<pdfaSchema:schema>bulletin issue</pdfaSchema:schema>"
        f"<pdfaSchema:namespaceURI>{XMP_NS}</pdfaSchema:namespaceURI>"
        f"<pdfaSchema:prefix>{XMP_PREFIX}</pdfaSchema:prefix>"
        f"<pdfaSchema:property><rdf:Seq>{declared}</rdf:Seq></pdfaSchema:property>"
        "</rdf:li></rdf:Bag></pdfaExtension:schemas>"
        "</rdf:Description>"
        f'<rdf:Description rdf:about="" xmlns:{XMP_PREFIX}="{XMP_NS}">{own}</rdf:Description>'
        '<rdf:Description rdf:about="" xmlns:xmpMM="http://ns.adobe.com/xap/1.0/mm/" '
        'xmlns:xmp="http://ns.adobe.com/xap/1.0/">'
        f"<xmpMM:DocumentID>uuid:{document_id}</xmpMM:DocumentID>"
        f"<xmp:MetadataDate>{meta.date.isoformat()}T00:00:00+08:00</xmp:MetadataDate>"
        "</rdf:Description>"
    ).encode("utf-8")


def finisher(issue: Issue):  # type: ignore[no-untyped-def]
    """A WeasyPrint finisher that adds the bulletin's properties inside the XMP packet's RDF."""
    extra = xmp_properties(issue)

    def finish(document: Any, pdf: Any) -> None:
        reference = pdf.catalog["Metadata"]
        stream = pdf.objects[int(reference.split()[0])]
        packet = b"".join(stream.stream)
        # WeasyPrint serialises the RDF root with its own namespace prefix table.
        closing = packet.rindex(b"</rdf:RDF>")
        stream.stream = [packet[:closing] + extra + packet[closing:]]

    return finish


def write_options(job: RenderJob) -> dict[str, Any]:
    """The `write_pdf` options of an archival, reproducible issue PDF."""
    return {
        "pdf_variant": PDF_VARIANT,
        "pdf_identifier": identifier(job.issue),
        "pdf_tags": True,
        "attachments": attachments(job),
        "finisher": finisher(job.issue),
    }


def extract_all(pdf: bytes, path: Path) -> dict[str, bytes]:
    """Every file embedded in a PDF, by name."""
    import logging

    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    from bulletin.errors import UsageError

    logger = logging.getLogger("pypdf")
    level = logger.level
    logger.setLevel(logging.CRITICAL)  # a broken PDF is reported once, below, not as pypdf's warnings
    try:
        reader = PdfReader(io.BytesIO(pdf))
        return {name: contents[0] for name, contents in reader.attachments.items()}
    except (PdfReadError, ValueError, KeyError, TypeError, IndexError) as exc:
        raise UsageError(f"not a readable PDF ({exc})", path) from None
    finally:
        logger.setLevel(level)


def extract_source(pdf: bytes, path: Path) -> tuple[str, bytes]:
    """(name, bytes) of the Markdown source embedded in a bulletin PDF."""
    from bulletin.errors import UsageError

    found = extract_all(pdf, path)
    markdown = sorted(name for name in found if name.endswith(".md"))
    if not markdown:
        raise UsageError("no embedded Markdown source: not an issue PDF made by bulletin", path)
    return markdown[0], found[markdown[0]]


class ImageCache(dict):  # type: ignore[type-arg]
    """WeasyPrint's image cache, naming each image by its path in the project instead of its absolute URL.

    WeasyPrint names an image's PDF object after the MD5 of its URL, which holds the
    project's folder: the same issue built in another folder would differ in those bytes.
    """

    def __init__(self, root: Path) -> None:
        super().__init__()
        self.prefix = root.resolve().as_uri() + "/"

    def __setitem__(self, key: Any, value: Any) -> None:
        from weasyprint.images import RasterImage

        if isinstance(value, RasterImage) and isinstance(key, str):
            stable = key[len(self.prefix) :] if key.startswith(self.prefix) else key.rsplit("/", 1)[-1]
            value.id = hashlib.md5(stable.encode("utf-8"), usedforsecurity=False).hexdigest()
        super().__setitem__(key, value)


def image_cache(config: Config) -> ImageCache:
    """A fresh image cache for one issue whose image names do not depend on the project's folder."""
    return ImageCache(config.root)
