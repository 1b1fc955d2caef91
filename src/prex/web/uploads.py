"""Receiving uploaded documents in the web layer (API and pages alike)."""

from __future__ import annotations

from collections.abc import Iterator

from starlette.datastructures import UploadFile

from prex.bootstrap import Services
from prex.pki.certs import pem_or_base64
from prex.shared.upload_checks import StreamCheck, UploadLimits, check_bytes
from prex.tenders import service
from prex.tenders.model import DocumentKind, TenderDocument

CHUNK = 256 * 1024


def chunks(upload: UploadFile) -> Iterator[bytes]:
    """The upload's bytes in chunks (the spooled file is read synchronously in a worker thread)."""
    while chunk := upload.file.read(CHUNK):
        yield chunk


def store_document(services: Services, upload: UploadFile, kind: DocumentKind) -> TenderDocument:
    """Check the name, stream the bytes into the blob store within the size limit, and describe
    the stored document; nothing is attached to a tender yet."""
    return service.store_upload(
        services.blobs,
        service.Upload(upload.filename or "", upload.content_type or "", chunks(upload)),
        kind,
        services.settings.max_document_bytes,
        services.clock.now(),
        UploadLimits.from_settings(services.settings),
    )


#: The largest certificate file or text taken (a CA bundle, a leaf with its chain).
MAX_CERTIFICATE_BYTES = 1024 * 1024


async def read_certificate_file(services: Services, upload: UploadFile) -> bytes:
    """A certificate file (PEM, DER or PKCS#7) read through the upload checks: its name, its
    declared type against its bytes, at most :data:`MAX_CERTIFICATE_BYTES` (413 at the first
    byte over)."""
    check = StreamCheck(
        filename=upload.filename or "certificate",
        media_type=upload.content_type or "",
        limits=UploadLimits.from_settings(services.settings, MAX_CERTIFICATE_BYTES),
        expect="certificate",
    )
    data = bytearray()
    while chunk := await upload.read(CHUNK):
        check.feed(chunk)
        data += chunk
    check.finish()
    return bytes(data)


def certificate_text(services: Services, text: str, field: str) -> bytes:
    """Certificates given as text (PEM, or base64 of DER) decoded and passed through the same
    checks as a certificate file."""
    data = pem_or_base64(text, field)
    return check_bytes(
        data,
        filename=field,
        media_type="",
        limits=UploadLimits.from_settings(services.settings, MAX_CERTIFICATE_BYTES),
        expect="certificate",
    )
