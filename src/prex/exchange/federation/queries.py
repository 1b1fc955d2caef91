"""Reading federated data: a source's releases in arrival order, its records, and the search
over the province-wide index (this centre's records beside every source's)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, func, or_, select, true

from prex.exchange.federation.orm import (
    federated_records,
    federated_releases,
    federation_sources,
    ocds_index,
)
from prex.exchange.releases.errors import InvalidCursor, RecordNotFound
from prex.exchange.releases.store import Page, parse_cursor


def release_page(conn: Connection, source: str, cursor: str | None, limit: int) -> Page:
    """A source's releases after ``cursor`` (a position within the source)."""
    after = parse_cursor(cursor)
    rows = conn.execute(
        select(federated_releases.c.position, federated_releases.c.release)
        .where(federated_releases.c.source == source, federated_releases.c.position > after)
        .order_by(federated_releases.c.position)
        .limit(limit + 1)
    ).all()
    more = len(rows) > limit
    rows = rows[:limit]
    return Page([dict(r.release) for r in rows], str(rows[-1].position) if more and rows else None)


def record(conn: Connection, source: str, ocid: str) -> dict[str, Any]:
    compiled = conn.execute(
        select(federated_records.c.compiled).where(
            federated_records.c.source == source, federated_records.c.ocid == ocid
        )
    ).scalar_one_or_none()
    if compiled is None:
        raise RecordNotFound(ocid)
    releases = conn.execute(
        select(federated_releases.c.release)
        .where(federated_releases.c.source == source, federated_releases.c.ocid == ocid)
        .order_by(federated_releases.c.position)
    ).scalars()
    return {"ocid": ocid, "releases": [dict(r) for r in releases], "compiledRelease": compiled}


@dataclass(frozen=True)
class SearchFilter:
    text: str | None = None
    source: str | None = None
    category: str | None = None
    date_from: datetime | None = None
    date_to: datetime | None = None


@dataclass(frozen=True)
class Hit:
    source: str
    source_name: str
    local: bool
    ocid: str
    title: str
    buyer: str
    category: str
    stage: str
    amount: str | None
    currency: str | None
    date: datetime | None


def _cursor(value: str | None) -> tuple[str, str] | None:
    """A search cursor is ``source~ocid`` of the previous page's last hit."""
    if not value:
        return None
    source, sep, ocid = value.partition("~")
    if not sep or not source or not ocid or len(value) > 240:
        raise InvalidCursor(value)
    return source, ocid


def search(
    conn: Connection, flt: SearchFilter, *, own_name: str, cursor: str | None, limit: int,
) -> tuple[list[Hit], str | None, int]:  # fmt: skip
    """Hits in (source, ocid) order after ``cursor``, the next cursor, and the total count."""
    conditions = []
    if flt.text:
        like = f"%{flt.text}%"
        conditions.append(
            or_(ocds_index.c.title.ilike(like), ocds_index.c.buyer.ilike(like),
                ocds_index.c.ocid.ilike(like))
        )  # fmt: skip
    if flt.source:
        conditions.append(ocds_index.c.source == flt.source)
    if flt.category:
        conditions.append(ocds_index.c.category == flt.category)
    if flt.date_from:
        conditions.append(ocds_index.c.date >= flt.date_from)
    if flt.date_to:
        conditions.append(ocds_index.c.date <= flt.date_to)
    where = and_(true(), *conditions)
    total = conn.execute(select(func.count()).select_from(ocds_index).where(where)).scalar_one()
    after = _cursor(cursor)
    query = (
        select(ocds_index, federation_sources.c.name.label("source_name"))
        .outerjoin(federation_sources, federation_sources.c.code == ocds_index.c.source)
        .where(where)
    )
    if after is not None:
        query = query.where(
            or_(
                ocds_index.c.source > after[0],
                and_(ocds_index.c.source == after[0], ocds_index.c.ocid > after[1]),
            )
        )
    rows = conn.execute(
        query.order_by(ocds_index.c.source, ocds_index.c.ocid).limit(limit + 1)
    ).all()
    more = len(rows) > limit
    hits = [
        Hit(
            source=r.source,
            source_name=own_name if r.local else (r.source_name or r.source),
            local=bool(r.local),
            ocid=r.ocid,
            title=r.title,
            buyer=r.buyer,
            category=r.category,
            stage=r.stage,
            amount=r.amount,
            currency=r.currency,
            date=r.date,
        )
        for r in rows[:limit]
    ]
    following = f"{hits[-1].source}~{hits[-1].ocid}" if more and hits else None
    return hits, following, int(total)
