"""Portal pages: the public announcement list and tender detail.

Signing in and notifications live in ``pages/account.py``, the workbench and the new-tender
form in ``pages/workbench.py``, a tender's manage page and every form acting on a tender in
``pages/manage.py``, the bidder's page that seals a bid in the browser in ``pages/bid.py``,
the online bid opening hall in ``pages/opening.py``, the evaluation room in
``pages/evaluation.py``; their routers are included at the end of this module.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from prex.identity.policy import Action
from prex.shared.errors import InvalidInput
from prex.tenders import service
from prex.tenders.model import TenderStatus, TransactionType
from prex.tenders.queries import TenderFilter, list_public_tenders
from prex.web.deps import ActorDep, ServicesDep, UowDep, acts
from prex.web.pages import (
    account,
    analytics,
    archives,
    auction,
    bid,
    certificates,
    complaints,
    credit,
    evaluation,
    federation,
    integrations,
    manage,
    opening,
    quality,
    supervision,
    trust,
    workbench,
)
from prex.web.pages.common import centre_rows
from prex.web.pages.render import CHINA, render
from prex.web.pages.tender_view import show_tender

router = APIRouter(include_in_schema=False)


def _day(value: str | None, end: bool) -> datetime | None:
    if not value:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError as exc:
        raise InvalidInput(f"'{value}' is not a date (YYYY-MM-DD)", field="date") from exc
    return datetime.combine(day, time.max if end else time.min, tzinfo=CHINA)


def _enum(kind: Any, value: str | None, field: str) -> Any:
    if not value:
        return None
    try:
        return kind(value)
    except ValueError as exc:
        raise InvalidInput(f"'{value}' is not a valid {field}", field=field) from exc


@router.get("/", response_class=HTMLResponse, openapi_extra=acts(Action.PUBLIC_READ))
def portal(request: Request, services: ServicesDep, actor: ActorDep) -> HTMLResponse:
    """The public list of announcements, with search and filters (a plain GET form)."""
    params = request.query_params
    filters = {
        k: params.get(k) or None
        for k in ("q", "transaction_type", "region", "status", "published_from", "published_to")
    }
    items: list[dict[str, Any]] = []
    next_url = None
    error = None
    try:
        flt = TenderFilter(
            transaction_type=_enum(
                TransactionType, filters["transaction_type"], "transaction type"
            ),
            region=filters["region"],
            status=_enum(TenderStatus, filters["status"], "status"),
            published_from=_day(filters["published_from"], end=False),
            published_to=_day(filters["published_to"], end=True),
            text=(filters["q"] or "").strip()[:100] or None,
            sandbox=params.get("sandbox") == "1",
        )
        with services.read_connection() as conn:
            page = list_public_tenders(conn, flt, limit=20, cursor=params.get("cursor"))
        items = page.items
        if page.next_cursor:
            query = {k: v for k, v in filters.items() if v}
            query["cursor"] = page.next_cursor
            next_url = "/?" + urlencode(query)
    except InvalidInput as exc:
        error = exc.message
    return render(
        request,
        "portal_list.html",
        status_code=422 if error else 200,
        items=items,
        filters=filters,
        centres=centre_rows(services),
        next_url=next_url,
        error=error,
    )


@router.get(
    "/tenders/{tender_id}", response_class=HTMLResponse, openapi_extra=acts(Action.PUBLIC_READ)
)
def tender_page(
    request: Request, tender_id: str, uow: UowDep, services: ServicesDep, actor: ActorDep
) -> HTMLResponse:
    """A tender's public page: facts, sections, announcements, documents with SHA-256, Q&A;
    and, for a bidder, the forms to obtain the documents and to ask."""
    return show_tender(request, services, actor, service.get_tender_for(uow, tender_id))


router.include_router(account.router)
router.include_router(workbench.router)
router.include_router(manage.router)
router.include_router(trust.router)
router.include_router(certificates.router)
router.include_router(bid.router)
router.include_router(opening.router)
router.include_router(evaluation.router)
router.include_router(auction.router)
router.include_router(federation.router)
router.include_router(quality.router)
router.include_router(analytics.router)
router.include_router(supervision.router)
router.include_router(complaints.router)
router.include_router(credit.router)
router.include_router(archives.router)
router.include_router(integrations.router)
