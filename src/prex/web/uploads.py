"""Receiving uploaded documents in the web layer (API and pages alike)."""

from __future__ import annotations

from collections.abc import Iterator

from starlette.datastructures import UploadFile

from prex.bootstrap import Services
from prex.shared.upload_checks import UploadLimits
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
