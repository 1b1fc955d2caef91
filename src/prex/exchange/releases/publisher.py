"""The OCDS publisher: an outbox consumer turning public events into releases (``prex worker``).

Reading the outbox, storing the releases, recompiling the touched records and moving this
consumer's cursor happen in one transaction, under the cursor's row lock (``FOR UPDATE`` on
PostgreSQL, the database write lock on SQLite): a crash repeats nothing and loses nothing, and a
second worker waits, then starts after the first one's cursor. Release ids are derived from the
outbox seq, so even a replay could not store one twice.
"""

from __future__ import annotations

from prex.audit.consumers import advance, claim_batch, ensure_cursor, position_of
from prex.bootstrap import Services
from prex.exchange.releases import store
from prex.exchange.releases.translate import Origin, release_for

CONSUMER = "ocds-publisher"


def publish_releases(services: Services, *, batch: int = 200) -> int:
    """Turn the next ``batch`` outbox events into releases; returns how many were stored."""
    with services.writer_session() as session:
        ensure_cursor(session, CONSUMER)
    settings = services.settings
    origin = Origin(prefix=settings.ocds_prefix, base_url=settings.base_url.rstrip("/"))
    with services.writer_session() as session:
        events = claim_batch(session, CONSUMER, batch)
        if not events:
            return 0
        made, seqs = [], []
        for row in events:
            found = release_for(session, row, origin)
            if found is not None:
                made.append(found)
                seqs.append(int(row["seq"]))
        now = services.clock.now()
        stored = store.append(
            session, made, source=settings.platform_code, published_at=now, outbox_seqs=seqs
        )
        store.recompile(session, {r["ocid"] for r in made}, source=settings.platform_code, now=now)
        advance(session, CONSUMER, events)
        session.commit()
    return stored


def publish_all(services: Services, *, batch: int = 200) -> int:
    """Publish until the outbox is read to its end (the demo and tests)."""
    total = 0
    while True:
        before = _position(services)
        total += publish_releases(services, batch=batch)
        if _position(services) == before:
            return total


def _position(services: Services) -> int:
    with services.read_session() as session:
        return position_of(session, CONSUMER)
