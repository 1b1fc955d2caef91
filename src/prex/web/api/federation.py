"""HTTP API of the province-wide view: search over this centre's compiled records and every
federated source's, each hit marked by its source centre; and the federation sources' state.
Public and read-only, like the OCDS data they describe."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from prex.exchange.federation.queries import SearchFilter, search
from prex.exchange.federation.sources import list_sources
from prex.identity.policy import Action
from prex.web.deps import ServicesDep, acts

router = APIRouter(prefix="/ocds", tags=["ocds"])


class HitPublic(BaseModel):
    source: str = Field(description="the source centre's code (this centre's own platform code "
                        "for local records)")  # fmt: skip
    source_name: str
    local: bool = Field(description="this centre's own record")
    ocid: str
    title: str
    buyer: str
    category: str = Field(description="tender.mainProcurementCategory")
    stage: str = Field(description="tender, award or contract: the furthest stage reached")
    amount: str | None
    currency: str | None
    date: datetime | None
    record: str = Field(description="the record package's URL")


class SearchPage(BaseModel):
    total: int
    hits: list[HitPublic]
    next: str | None = Field(default=None, description="the next page; absent on the last one")


class SourcePublic(BaseModel):
    code: str
    name: str
    kind: str
    status: str
    releases: int
    invalid: int
    rejected: int
    records: int
    last_pulled_at: datetime | None
    last_error: str | None


@router.get("/search", response_model=SearchPage, openapi_extra=acts(Action.PUBLIC_READ))
def search_records(
    request: Request,
    services: ServicesDep,
    q: Annotated[str | None, Query(max_length=100, description="in title, buyer or ocid")] = None,
    source: Annotated[str | None, Query(max_length=32)] = None,
    category: Annotated[str | None, Query(alias="type", max_length=32)] = None,
    date_from: Annotated[datetime | None, Query(alias="from")] = None,
    date_to: Annotated[datetime | None, Query(alias="to")] = None,
    cursor: Annotated[str | None, Query(max_length=240)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 20,
) -> SearchPage:
    """Compiled records of this centre and of every federated source, marked by source."""
    flt = SearchFilter(
        text=q.strip() if q and q.strip() else None,
        source=source or None,
        category=category or None,
        date_from=date_from,
        date_to=date_to,
    )
    settings = services.settings
    with services.read_connection() as conn:
        hits, following, total = search(
            conn, flt, own_name=settings.platform_name, cursor=cursor, limit=limit
        )
    base = str(request.base_url).rstrip("/") + "/api/v1/ocds/records/"
    return SearchPage(
        total=total,
        hits=[
            HitPublic(
                **{k: getattr(h, k) for k in HitPublic.model_fields if k != "record"},
                record=base + h.ocid + ("" if h.local else f"?source={h.source}"),
            )
            for h in hits
        ],
        next=str(request.url.include_query_params(cursor=following)) if following else None,
    )


@router.get("/sources", response_model=list[SourcePublic], openapi_extra=acts(Action.PUBLIC_READ))
def sources(services: ServicesDep) -> list[SourcePublic]:
    """The federation sources this centre pulls (or imported), their state and counts."""
    with services.read_session() as session:
        found = list_sources(session)
    return [SourcePublic(**{k: getattr(s, k) for k in SourcePublic.model_fields}) for s in found]
