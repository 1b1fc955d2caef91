"""What changed since the last refresh: the outbox, read as the consumer ``analytics-warehouse``.

Every event names the object it happened to. An event about a tender, or one whose payload
names its tender (bids, bonds, the opening, the evaluation, the award …), marks that tender as
changed; an event about a bid without it is mapped through ``bids``; an event about a project
marks the project's tenders; an event about an organisation marks that organisation. Anything
else (sign-ins, experts, auctions) changes no warehouse row and is skipped.

The cursor is read without a lock and only moved once the refresh's files are on disk, by a
compare-and-set on the position it started from (``advance``): a crash in between repeats the
refresh — its rows written again under a newer refresh number, which the newest-row view hides.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import orjson
from sqlalchemy import Connection, Text, cast, func, select, update
from sqlalchemy.orm import Session

from prex.audit.consumers import ensure_cursor, position_of
from prex.audit.orm import outbox, outbox_cursors
from prex.bidding.orm import bids
from prex.tenders.orm import tenders

CONSUMER = "analytics-warehouse"
# Events read per query: the outbox of a busy day is read in pages, never at once.
PAGE = 20_000


@dataclass
class Changes:
    """The outbox between two positions, as the objects the warehouse must extract again."""

    start: int  # the cursor's position when read
    end: int  # the last event read (== start when nothing happened)
    tender_ids: set[str] = field(default_factory=set)
    org_ids: set[str] = field(default_factory=set)
    events: int = 0

    @property
    def empty(self) -> bool:
        return not self.tender_ids and not self.org_ids


def _batched(values: Iterable[str], size: int = 500) -> Iterable[list[str]]:
    chunk: list[str] = []
    for value in values:
        chunk.append(value)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def consumer_for(root: Path, default: Path) -> str:
    """The cursor's name: ``analytics-warehouse`` for the warehouse under the data folder, one
    of its own for a warehouse elsewhere (each copy is refreshed from its own position)."""
    if root.resolve() == default.resolve():
        return CONSUMER
    return f"{CONSUMER}@{hashlib.sha256(str(root.resolve()).encode()).hexdigest()[:16]}"


def read_changes(
    session: Session, conn: Connection, consumer: str = CONSUMER, *, full: bool = False
) -> Changes:
    """The objects changed by every event after the cursor (created at 0 the first time).
    For a full refresh only the outbox's head is read: everything is extracted anyway."""
    ensure_cursor(session, consumer)
    start = position_of(session, consumer)
    head = conn.execute(select(func.max(outbox.c.seq))).scalar_one_or_none() or start
    changes = Changes(start, max(start, int(head)))
    if full:
        return changes
    bid_ids: set[str] = set()
    project_ids: set[str] = set()
    position = start
    while position < changes.end:
        rows = conn.execute(
            select(
                outbox.c.seq, outbox.c.object_type, outbox.c.object_id, cast(outbox.c.payload, Text)
            )
            .where(outbox.c.seq > position, outbox.c.seq <= changes.end)
            .order_by(outbox.c.seq)
            .limit(PAGE)
        ).all()
        if not rows:
            break
        for seq, kind, object_id, text in rows:
            changes.events += 1
            payload = orjson.loads(text) if text else None  # the driver's decoder is slower
            named = payload.get("tender_id") if isinstance(payload, dict) else None
            if isinstance(named, str):
                changes.tender_ids.add(named)
            elif kind == "tender":
                changes.tender_ids.add(object_id)
            elif kind == "bid":
                bid_ids.add(object_id)
            elif kind == "project":
                project_ids.add(object_id)
            elif kind == "organisation":
                changes.org_ids.add(object_id)
            position = int(seq)
    for chunk in _batched(sorted(bid_ids)):
        changes.tender_ids.update(
            conn.execute(select(bids.c.tender_id).where(bids.c.id.in_(chunk))).scalars()
        )
    for chunk in _batched(sorted(project_ids)):
        changes.tender_ids.update(
            conn.execute(select(tenders.c.id).where(tenders.c.project_id.in_(chunk))).scalars()
        )
    return changes


def advance(session: Session, start: int, end: int, consumer: str = CONSUMER) -> bool:
    """Move the cursor from ``start`` to ``end`` and commit; False (and nothing moved) if another
    refresh moved it meanwhile — its files hold the same or newer rows, so nothing is lost."""
    if end <= start:
        return True
    moved = session.execute(
        update(outbox_cursors)
        .where(outbox_cursors.c.consumer == consumer, outbox_cursors.c.position == start)
        .values(position=end)
    )
    session.commit()
    return bool(moved.rowcount)  # type: ignore[attr-defined]
