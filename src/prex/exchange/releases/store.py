"""Reading and writing the OCDS store: releases in publication order, records compiled from them.

Writers call :func:`append` inside their own transaction (the publisher's, which also moves its
outbox cursor), then :func:`recompile` for the ocids they touched: each touched record is
compiled again from its releases, the others are left alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, insert, select, update
from sqlalchemy.orm import Session

from prex.exchange.federation import index
from prex.exchange.releases.compiling import compile_record
from prex.exchange.releases.errors import InvalidCursor, RecordNotFound, ReleaseNotFound
from prex.exchange.releases.orm import ocds_records, ocds_releases

Reader = Session | Connection


def append(
    session: Session,
    releases: list[dict[str, Any]],
    *,
    source: str,
    published_at: datetime,
    outbox_seqs: Sequence[int | None],
) -> int:
    """Store new releases after the last position; a release id already stored is skipped.
    Returns how many were stored."""
    if not releases:
        return 0
    ids = [r["id"] for r in releases]
    known = set(
        session.execute(select(ocds_releases.c.id).where(ocds_releases.c.id.in_(ids))).scalars()
    )
    last = session.execute(select(func.max(ocds_releases.c.position))).scalar_one_or_none() or 0
    rows = []
    for release, seq in zip(releases, outbox_seqs, strict=True):
        if release["id"] in known:
            continue
        known.add(release["id"])
        last += 1
        rows.append(
            {
                "id": release["id"],
                "ocid": release["ocid"],
                "position": last,
                "date": datetime.fromisoformat(release["date"]),
                "tags": release["tag"],
                "source": source,
                "outbox_seq": seq,
                "published_at": published_at,
                "release": release,
            }
        )
    if rows:
        session.execute(insert(ocds_releases), rows)
    return len(rows)


def releases_of(reader: Reader, ocid: str) -> list[dict[str, Any]]:
    """Every release of an ocid, in publication order."""
    rows = reader.execute(
        select(ocds_releases.c.release)
        .where(ocds_releases.c.ocid == ocid)
        .order_by(ocds_releases.c.position)
    ).scalars()
    return [dict(r) for r in rows]


def recompile(session: Session, ocids: Iterable[str], *, source: str, now: datetime) -> int:
    """Compile the records of ``ocids`` again from all their releases, and index them for the
    province-wide search; returns how many."""
    done = 0
    for ocid in sorted(set(ocids)):
        releases = releases_of(session, ocid)
        if not releases:
            continue
        last = session.execute(
            select(func.max(ocds_releases.c.position)).where(ocds_releases.c.ocid == ocid)
        ).scalar_one()
        compiled = compile_record(releases)
        values = {
            "source": source,
            "compiled": compiled,
            "release_count": len(releases),
            "last_position": last,
            "updated_at": now,
        }
        exists = session.execute(
            select(ocds_records.c.ocid).where(ocds_records.c.ocid == ocid)
        ).first()
        if exists:
            session.execute(update(ocds_records).where(ocds_records.c.ocid == ocid).values(values))
        else:
            session.execute(insert(ocds_records).values(ocid=ocid, **values))
        index.put(session, source=source, ocid=ocid, compiled=compiled, local=True, now=now)
        done += 1
    return done


@dataclass(frozen=True)
class Page:
    releases: list[dict[str, Any]]
    next_cursor: str | None


def parse_cursor(cursor: str | None) -> int:
    """A cursor is the position of the last release of the previous page, as given by us."""
    if cursor is None or cursor == "":
        return 0
    if not cursor.isdigit() or len(cursor) > 18:
        raise InvalidCursor(cursor)
    return int(cursor)


def page(reader: Reader, cursor: str | None, limit: int) -> Page:
    """Releases after ``cursor`` in publication order; ``next_cursor`` when more may follow."""
    after = parse_cursor(cursor)
    rows = reader.execute(
        select(ocds_releases.c.position, ocds_releases.c.release)
        .where(ocds_releases.c.position > after)
        .order_by(ocds_releases.c.position)
        .limit(limit + 1)
    ).all()
    more = len(rows) > limit
    rows = rows[:limit]
    return Page([dict(r.release) for r in rows], str(rows[-1].position) if more and rows else None)


def release(reader: Reader, release_id: str) -> dict[str, Any]:
    found = reader.execute(
        select(ocds_releases.c.release).where(ocds_releases.c.id == release_id)
    ).scalar_one_or_none()
    if found is None:
        raise ReleaseNotFound(release_id)
    return dict(found)


def record(reader: Reader, ocid: str) -> dict[str, Any]:
    """The record of an ocid: every release and the compiled release."""
    compiled = reader.execute(
        select(ocds_records.c.compiled).where(ocds_records.c.ocid == ocid)
    ).scalar_one_or_none()
    if compiled is None:
        raise RecordNotFound(ocid)
    return {"ocid": ocid, "releases": releases_of(reader, ocid), "compiledRelease": compiled}


def iter_releases(reader: Reader, *, batch: int = 500) -> Iterator[dict[str, Any]]:
    """Every release in publication order, read ``batch`` at a time (for bulk export)."""
    cursor: str | None = None
    while True:
        got = page(reader, cursor, batch)
        yield from got.releases
        if got.next_cursor is None:
            return
        cursor = got.next_cursor


def iter_records(reader: Reader, *, batch: int = 200) -> Iterator[dict[str, Any]]:
    """Every record, ocid by ocid."""
    last = ""
    while True:
        ocids = (
            reader.execute(
                select(ocds_records.c.ocid)
                .where(ocds_records.c.ocid > last)
                .order_by(ocds_records.c.ocid)
                .limit(batch)
            )
            .scalars()
            .all()
        )
        if not ocids:
            return
        for ocid in ocids:
            yield record(reader, ocid)
        last = ocids[-1]


def counts(reader: Reader) -> tuple[int, int]:
    """How many releases and records are stored."""
    releases = reader.execute(select(func.count()).select_from(ocds_releases)).scalar_one()
    records = reader.execute(select(func.count()).select_from(ocds_records)).scalar_one()
    return int(releases), int(records)
