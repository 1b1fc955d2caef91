"""Verifying the chain and reading the log."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from prex.audit.chain import GENESIS, Break, Entry, first_break
from prex.audit.orm import audit_head, audit_log

BATCH = 5000


@dataclass(frozen=True)
class Verification:
    entries: int
    head_seq: int
    broken: Break | None

    @property
    def ok(self) -> bool:
        return self.broken is None


def _entries(session: Session) -> Iterator[Entry]:
    last = 0
    while True:
        rows = (
            session.execute(
                select(audit_log)
                .where(audit_log.c.seq > last)
                .order_by(audit_log.c.seq)
                .limit(BATCH)
            )
            .mappings()
            .all()
        )
        if not rows:
            return
        for row in rows:
            yield Entry(**dict(row))
        last = int(rows[-1]["seq"])


def verify_chain(session: Session) -> Verification:
    """Recompute every digest and hash; also check that the head names the last entry, so that
    cutting entries off the end is noticed too."""
    tally = _Tally()

    def counting() -> Iterator[Entry]:
        for entry in _entries(session):
            tally.n += 1
            tally.last_seq = entry.seq
            tally.last_hash = entry.hash
            yield entry

    broken = first_break(counting())
    head = session.execute(select(audit_head.c.seq, audit_head.c.hash)).first()
    head_seq = int(head.seq) if head else 0
    if (
        broken is None
        and head is not None
        and (head_seq != tally.last_seq or head.hash != tally.last_hash)
    ):
        missing = tally.last_seq + 1
        broken = Break(missing, f"entries {missing}…{head_seq} named by the head are missing")
    return Verification(tally.n, head_seq, broken)


@dataclass
class _Tally:
    """Running count of the entries walked, and the last one's seq and hash."""

    n: int = 0
    last_seq: int = 0
    last_hash: str = GENESIS


def entries_for(session: Session, object_type: str, object_id: str) -> list[dict[str, Any]]:
    rows = session.execute(
        select(audit_log)
        .where(audit_log.c.object_type == object_type, audit_log.c.object_id == object_id)
        .order_by(audit_log.c.seq)
    ).mappings()
    return [dict(r) for r in rows]
