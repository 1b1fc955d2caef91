"""Reading the outbox as a named consumer (notifications, OCDS publisher, data-spec push …).

Each consumer keeps its position in ``outbox_cursors``. :func:`claim_batch` locks that row
(``FOR UPDATE`` on PostgreSQL, the write lock on SQLite) for the caller's transaction, so a
second worker running the same consumer waits and then starts after the first one's batch; the
caller writes its output and :func:`advance` in that same transaction, so a crash repeats
nothing and loses nothing.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import RowMapping, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from prex.audit.orm import outbox, outbox_cursors


def ensure_cursor(session: Session, consumer: str) -> None:
    """Create the consumer's cursor at 0 once (committing it); two workers racing both go on."""
    found = session.execute(
        select(outbox_cursors.c.position).where(outbox_cursors.c.consumer == consumer)
    ).first()
    if found is not None:
        return
    try:
        session.execute(insert(outbox_cursors).values(consumer=consumer, position=0))
        session.commit()
    except IntegrityError:
        session.rollback()


def claim_batch(session: Session, consumer: str, batch: int) -> Sequence[RowMapping]:
    """Lock the consumer's cursor (creating it at 0 if needed) and read the next ``batch``
    outbox rows after it, oldest first."""
    position = session.execute(
        select(outbox_cursors.c.position)
        .where(outbox_cursors.c.consumer == consumer)
        .with_for_update()
    ).scalar_one_or_none()
    if position is None:
        session.execute(insert(outbox_cursors).values(consumer=consumer, position=0))
        position = 0
    return (
        session.execute(
            select(outbox).where(outbox.c.seq > position).order_by(outbox.c.seq).limit(batch)
        )
        .mappings()
        .all()
    )


def advance(session: Session, consumer: str, events: Sequence[RowMapping]) -> None:
    """Move the consumer past ``events`` (the batch :func:`claim_batch` gave), if any."""
    if events:
        session.execute(
            update(outbox_cursors)
            .where(outbox_cursors.c.consumer == consumer)
            .values(position=events[-1]["seq"])
        )


def position_of(session: Session, consumer: str) -> int:
    """How far the consumer has read (0 before it first ran)."""
    found = session.execute(
        select(outbox_cursors.c.position).where(outbox_cursors.c.consumer == consumer)
    ).scalar_one_or_none()
    return int(found or 0)
