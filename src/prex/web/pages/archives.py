"""The archives page: the electronic archives (电子档案) the reader may download, newest first,
optionally one tender's (the tender page links here for its authorised readers)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from prex.archive.service import list_archives
from prex.identity.policy import Action
from prex.web.deps import ActorDep, ServicesDep, acts
from prex.web.pages.common import gate
from prex.web.pages.render import render

router = APIRouter(include_in_schema=False)


@router.get("/archives", response_class=HTMLResponse, openapi_extra=acts(Action.ARCHIVE_READ))
def archives_page(
    request: Request, services: ServicesDep, actor: ActorDep, tender_id: str | None = None
) -> Response:
    refused = gate(request, actor, Action.ARCHIVE_READ)
    if refused is not None:
        return refused
    rows = list_archives(services, actor, tender_id=tender_id or None)
    return render(request, "archives.html", archives=rows, tender_id=tender_id or "")
