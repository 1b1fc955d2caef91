"""HTTP API of the public change feed (``GET /api/v1/feed``): anonymous, read-only, paged by an
opaque cursor (see ``docs/feed.md`` for how a consumer reads and resumes it)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field

from prex.exchange.feed import DEFAULT_LIMIT, MAX_LIMIT, read_feed
from prex.identity.policy import Action
from prex.web.deps import ServicesDep, acts

router = APIRouter(tags=["exchange"])


class FeedChange(BaseModel):
    seq: int = Field(description="position of the change in the platform's commit order")
    at: datetime = Field(description="when the change was committed (UTC)")
    event: str = Field(description="what happened, e.g. TenderPublished, AwardNoticeIssued")
    type: str = Field(description="the public form: tender, tender.result, listing.book …")
    id: str = Field(description="the tender's or listing's id")
    object: dict[str, Any] = Field(description="the object's current public form")
    detail: dict[str, Any] | None = Field(
        default=None, description="the one item this change added, e.g. the accepted bid"
    )


class FeedPage(BaseModel):
    changes: list[FeedChange]
    next_cursor: str = Field(description="where to resume: after the last outbox row scanned")
    has_more: bool = Field(description="true: the page stopped at the limit; ask again at once")


@router.get("/feed", response_model=FeedPage, openapi_extra=acts(Action.PUBLIC_READ))
def feed(
    services: ServicesDep,
    cursor: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
) -> Response:
    """Every change of public data in commit order, with each object's current public form.

    Start without a cursor; then pass ``next_cursor`` back, forever. A page may hold fewer
    changes than ``limit`` (or none) and still move on: private events are skipped."""
    page = read_feed(services, cursor, limit)
    body = FeedPage(
        changes=[FeedChange.model_validate(c.to_json()) for c in page.changes],
        next_cursor=page.next_cursor,
        has_more=page.has_more,
    )
    return Response(body.model_dump_json(), media_type="application/json")
