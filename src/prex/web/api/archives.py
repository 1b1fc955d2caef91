"""HTTP API of the electronic archive (电子档案): list the archives one may read, read one, and
download its file; the centre may build a tender's archive again.

Readers (``ARCHIVE_READ``): centre operators and supervisors of the tender's centre, the tenderer
and its agency; never bidders, experts or the public. The file is checked offline with
``prex archive verify`` (docs/archive.md).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from fastapi.responses import StreamingResponse

from prex.archive import service as archive
from prex.identity.policy import Action
from prex.web.deps import ActorDep, ServicesDep, UowDep, acts, require

router = APIRouter(tags=["archives"])


@router.get(
    "/archives",
    openapi_extra=acts(Action.ARCHIVE_READ),
    dependencies=[Depends(require(Action.ARCHIVE_READ))],
)
def list_archives(
    services: ServicesDep, actor: ActorDep, tender_id: str | None = None
) -> list[dict[str, Any]]:
    """The archives the reader may see, newest first (optionally one tender's)."""
    return archive.list_archives(services, actor, tender_id=tender_id)


@router.get(
    "/archives/{archive_id}",
    openapi_extra=acts(Action.ARCHIVE_READ),
    dependencies=[Depends(require(Action.ARCHIVE_READ))],
)
def get_archive(archive_id: str, services: ServicesDep, actor: ActorDep) -> dict[str, Any]:
    return archive.get_archive(services, actor, archive_id)


@router.get(
    "/archives/{archive_id}/file",
    openapi_extra=acts(Action.ARCHIVE_READ),
    dependencies=[Depends(require(Action.ARCHIVE_READ))],
    response_class=StreamingResponse,
    responses={200: {"content": {"application/zip": {}}}},
)
def download_archive(archive_id: str, services: ServicesDep, actor: ActorDep) -> StreamingResponse:
    """The archive file (ZIP); ``X-Content-SHA256`` carries its digest."""
    view = archive.archive_file(services, actor, archive_id)
    return StreamingResponse(
        services.blobs.iter_bytes(view["sha256"]),
        media_type="application/zip",
        headers={
            "Content-Length": str(view["size"]),
            "X-Content-SHA256": view["sha256"],
            "Content-Disposition": f'attachment; filename="{view["filename"]}"',
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.post(
    "/tenders/{tender_id}/archives",
    status_code=201,
    openapi_extra=acts(Action.ARCHIVE_BUILD),
    dependencies=[Depends(require(Action.ARCHIVE_BUILD))],
)
def build_archive(
    tender_id: str, uow: UowDep, services: ServicesDep, actor: ActorDep
) -> dict[str, Any]:
    """Build the ended tender's archive again (the worker built the first one)."""
    built = archive.build_archive(uow, services, tender_id)
    return archive.get_archive(services, actor, built.archive_id)
