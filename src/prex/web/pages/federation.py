"""The federation page: the sources this centre pulls, their state and counts, and a search
over every compiled record here — this centre's own beside each source's, marked by centre."""

from __future__ import annotations

from datetime import date, datetime, time
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from prex.exchange.federation.queries import Hit, SearchFilter, search
from prex.exchange.federation.sources import list_sources
from prex.identity.policy import Action
from prex.shared.errors import InvalidInput
from prex.web.deps import ServicesDep, acts
from prex.web.i18n import N_
from prex.web.pages.render import CHINA, render

router = APIRouter(include_in_schema=False)
CATEGORIES = ("goods", "works", "services")
# Values shown through _() in the template: source kinds, statuses, categories and stages.
LABELS = (
    N_("prex"), N_("ocds"), N_("files"), N_("import"),
    N_("active"), N_("failing"), N_("manual"),
    N_("goods"), N_("works"), N_("services"),
    N_("planning"), N_("tender"), N_("award"), N_("contract"),
)  # fmt: skip


def _day(value: str | None, end: bool) -> datetime | None:
    """A day of the form as the start or the end of that day in Beijing."""
    if not value:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError as exc:
        raise InvalidInput(f"'{value}' is not a date (YYYY-MM-DD)", field="date") from exc
    return datetime.combine(day, time.max if end else time.min, tzinfo=CHINA)


@router.get("/federation", response_class=HTMLResponse, openapi_extra=acts(Action.PUBLIC_READ))
def federation_page(request: Request, services: ServicesDep) -> HTMLResponse:
    """Sources and the province-wide search (a plain GET form)."""
    params = request.query_params
    filters = {k: (params.get(k) or "").strip()[:100] or None
               for k in ("q", "source", "type", "from", "to")}  # fmt: skip
    error = None
    hits: list[Hit] = []
    next_url: str | None = None
    total = 0
    settings = services.settings
    try:
        flt = SearchFilter(
            text=filters["q"],
            source=filters["source"],
            category=filters["type"] if filters["type"] in CATEGORIES else None,
            date_from=_day(filters["from"], end=False),
            date_to=_day(filters["to"], end=True),
        )
        with services.read_connection() as conn:
            hits, following, total = search(conn, flt, own_name=settings.platform_name,
                                            cursor=params.get("cursor"), limit=20)  # fmt: skip
        if following:
            query = {k: v for k, v in filters.items() if v}
            next_url = "/federation?" + urlencode({**query, "cursor": following})
    except InvalidInput as exc:
        error = exc.message
    with services.read_session() as session:
        sources = list_sources(session)
    return render(
        request,
        "federation.html",
        status_code=422 if error else 200,
        sources=sources,
        own_code=settings.platform_code,
        own_name=settings.platform_name,
        hits=hits,
        total=total,
        filters=filters,
        categories=CATEGORIES,
        next_url=next_url,
        error=error,
    )
