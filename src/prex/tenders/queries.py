"""Read side of the portal: the public list of tenders with filters and keyset pagination.

These queries use SQLAlchemy Core on the reader engine and return plain rows, so that a list
of 100,000 tenders costs one indexed query per page and no ORM objects.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Column,
    MetaData,
    Select,
    String,
    Table,
    Text,
    and_,
    func,
    literal_column,
    or_,
    select,
)
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from prex.identity.divisions import level_of, validate_division
from prex.identity.policy import Resource
from prex.shared.clock import ensure_utc
from prex.shared.errors import InvalidInput, NotFound
from prex.tenders.model import PUBLIC_STATUSES, TenderStatus, TransactionType
from prex.tenders.orm import interests, tenders

MAX_PAGE = 100
# SQLite only: the FTS5 trigram index of ``tenders.search_text`` that migration 0002 creates and
# its triggers keep (outside the models, like every virtual table).
tenders_fts = Table(
    "tenders_fts", MetaData(), Column("id", String(26)), Column("search_text", Text)
)
_matches = literal_column("tenders_fts").op("MATCH")
# A term with at most this many matches is searched from the FTS table (then sorted); a more
# common one by walking the list newest first, which finds a page of matches within a few
# thousand rows.
FTS_DRIVE_MAX = 1000
LIST_COLUMNS = (
    tenders.c.id,
    tenders.c.deal_code,
    tenders.c.title,
    tenders.c.transaction_type,
    tenders.c.method,
    tenders.c.region_code,
    tenders.c.status,
    tenders.c.published_at,
    tenders.c.bid_deadline,
    tenders.c.total_budget,
    tenders.c.sandbox,
)


@dataclass(frozen=True)
class TenderFilter:
    """What the portal's list can be narrowed by; every field optional."""

    transaction_type: TransactionType | None = None
    region: str | None = None
    status: TenderStatus | None = None
    published_from: datetime | None = None
    published_to: datetime | None = None
    text: str | None = None
    sandbox: bool = False

    def __post_init__(self) -> None:
        if self.region is not None:
            validate_division(self.region, field="region")
        if self.status is TenderStatus.DRAFT:
            raise InvalidInput("drafts are not public", field="status")
        if self.text is not None and len(self.text) > 100:
            raise InvalidInput("search text is at most 100 characters", field="q")


@dataclass(frozen=True)
class Page:
    items: list[dict[str, Any]]
    next_cursor: str | None


def encode_cursor(published_at: datetime, tender_id: str) -> str:
    raw = f"{ensure_utc(published_at).isoformat()}|{tender_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        at, tender_id = base64.urlsafe_b64decode(padded.encode()).decode().split("|", 1)
        return ensure_utc(datetime.fromisoformat(at)), tender_id
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise InvalidInput("the cursor is not one this API gave out", field="cursor") from exc


def _region_range(region: str) -> tuple[str, str]:
    level = level_of(region)
    if level == "province":
        return region[:2] + "0000", region[:2] + "9999"
    if level == "city":
        return region[:4] + "00", region[:4] + "99"
    return region, region


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def fts_phrase(session: Session | Connection, text: str | None) -> str | None:
    """On SQLite, the FTS5 phrase for ``text`` when at most FTS_DRIVE_MAX tenders match it.

    Without it a selective term costs a walk of the whole table (LIKE '%…%'); PostgreSQL needs
    none of this, its pg_trgm index serves the LIKE itself. Terms under three characters have
    no trigram and keep the walk."""
    dialect = session.dialect if isinstance(session, Connection) else session.get_bind().dialect
    if text is None or len(text) < 3 or dialect.name != "sqlite":
        return None
    phrase = '"' + text.replace('"', '""') + '"'
    first: Select[Any] = (
        select(literal_column("1"))
        .select_from(tenders_fts)
        .where(_matches(phrase))
        .limit(FTS_DRIVE_MAX + 1)
    )
    matches = session.execute(select(func.count()).select_from(first.subquery())).scalar_one()
    return phrase if matches <= FTS_DRIVE_MAX else None


def list_query(
    flt: TenderFilter, limit: int, cursor: str | None, fts: str | None = None
) -> Select[Any]:
    """The SQL of one page (also run bare by the portal benchmark as its baseline); ``fts`` is
    the phrase from :func:`fts_phrase`, if any."""
    conditions = [
        tenders.c.sandbox == flt.sandbox,
        tenders.c.published_at.is_not(None),
        tenders.c.status.in_([s.value for s in PUBLIC_STATUSES]),
    ]
    if flt.transaction_type is not None:
        conditions.append(tenders.c.transaction_type == flt.transaction_type.value)
    if flt.region is not None:
        low, high = _region_range(flt.region)
        conditions.append(tenders.c.region_code.between(low, high))
    if flt.status is not None:
        conditions.append(tenders.c.status == flt.status.value)
    if flt.published_from is not None:
        conditions.append(tenders.c.published_at >= flt.published_from)
    if flt.published_to is not None:
        conditions.append(tenders.c.published_at <= flt.published_to)
    if fts is not None:
        conditions.append(_matches(fts))
    elif flt.text:
        conditions.append(tenders.c.search_text.like(f"%{_escape_like(flt.text)}%", escape="\\"))
    if cursor:
        at, tender_id = decode_cursor(cursor)
        conditions.append(
            or_(
                tenders.c.published_at < at,
                and_(tenders.c.published_at == at, tenders.c.id < tender_id),
            )
        )
    query = select(*LIST_COLUMNS)
    if fts is not None:
        query = query.select_from(tenders_fts.join(tenders, tenders.c.id == tenders_fts.c.id))
    return (
        query.where(*conditions)
        .order_by(tenders.c.published_at.desc(), tenders.c.id.desc())
        .limit(limit + 1)
    )


def list_public_tenders(
    session: Session | Connection,
    flt: TenderFilter,
    *,
    limit: int = 20,
    cursor: str | None = None,
) -> Page:
    if not 1 <= limit <= MAX_PAGE:
        raise InvalidInput(f"limit is 1…{MAX_PAGE}", field="limit")
    query = list_query(flt, limit, cursor, fts_phrase(session, flt.text))
    rows = session.execute(query).mappings().all()
    items = [dict(r) for r in rows[:limit]]
    next_cursor = None
    if len(rows) > limit:
        last = items[-1]
        next_cursor = encode_cursor(last["published_at"], last["id"])
    return Page(items, next_cursor)


def tenders_of_parties(session: Session, org_id: str, limit: int = 100) -> list[dict[str, Any]]:
    """A tenderer's or agency's own tenders, drafts included (their workbench)."""
    rows = session.execute(
        select(*LIST_COLUMNS)
        .where(or_(tenders.c.tenderer_org_id == org_id, tenders.c.agency_org_id == org_id))
        .order_by(tenders.c.created_at.desc())
        .limit(limit)
    ).mappings()
    return [dict(r) for r in rows]


def tenders_of_interest(session: Session, org_id: str, limit: int = 100) -> list[dict[str, Any]]:
    """Tenders whose documents an organisation obtained (a bidder's workbench)."""
    rows = session.execute(
        select(*LIST_COLUMNS)
        .join(interests, interests.c.tender_id == tenders.c.id)
        .where(interests.c.org_id == org_id)
        .order_by(interests.c.obtained_at.desc())
        .limit(limit)
    ).mappings()
    return [dict(r) for r in rows]


def tender_resource_of(session: Session, tender_id: str) -> Resource:
    """What the policy needs to know of a tender, without loading the aggregate."""
    row = session.execute(
        select(tenders.c.centre_id, tenders.c.tenderer_org_id, tenders.c.agency_org_id).where(
            tenders.c.id == tender_id
        )
    ).first()
    if row is None:
        raise NotFound(f"no tender '{tender_id}'", tender_id=tender_id)
    parties = frozenset(o for o in (row.tenderer_org_id, row.agency_org_id) if o)
    return Resource("tender", tender_id, row.centre_id, parties)


def tender_audience(session: Session, tender_id: str) -> dict[str, Any] | None:
    """Who cares about a tender: its title, parties, invitees and the organisations that
    obtained its documents (for notifications)."""
    row = session.execute(
        select(
            tenders.c.title,
            tenders.c.tenderer_org_id,
            tenders.c.agency_org_id,
            tenders.c.invitee_org_ids,
        ).where(tenders.c.id == tender_id)
    ).first()
    if row is None:
        return None
    interested = {
        r.org_id
        for r in session.execute(
            select(interests.c.org_id).where(interests.c.tender_id == tender_id)
        )
    }
    return {
        "title": row.title,
        "parties": {o for o in (row.tenderer_org_id, row.agency_org_id) if o},
        "invitees": set(row.invitee_org_ids or []),
        "interested": interested,
    }
