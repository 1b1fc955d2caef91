"""The unit of work: one transaction, its repositories, and the events it must record.

On commit, every domain event raised by an aggregate the unit of work has seen is appended
to the hash-chained audit log and to the outbox, in the same transaction as the change itself,
stamped with the actor and the network address. Nothing is written if anything fails.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from datetime import datetime
from types import TracebackType
from typing import Any, Protocol

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from prex.audit.chain import GENESIS, Entry, digest_of, hash_of
from prex.audit.orm import audit_head, audit_log, outbox
from prex.identity.policy import Actor
from prex.ops.metrics import count_events
from prex.shared import faults
from prex.shared.clock import Clock
from prex.shared.errors import Conflict
from prex.shared.events import DomainEvent


class HasEvents(Protocol):
    events: list[DomainEvent]


class SqlUnitOfWork:
    """``with uow: … uow.commit()``; leaving the block without commit rolls back."""

    def __init__(self, session_factory: sessionmaker[Session], actor: Actor, clock: Clock) -> None:
        self._session_factory = session_factory
        self.actor = actor
        self.clock = clock
        self._extra_events: list[DomainEvent] = []
        self._session: Session | None = None

    @property
    def session(self) -> Session:
        if self._session is None:
            raise RuntimeError("the unit of work is used outside its 'with' block")
        return self._session

    def __enter__(self) -> SqlUnitOfWork:
        self._session = self._session_factory()
        self._extra_events = []
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        session = self.session
        try:
            session.rollback()
        finally:
            session.close()
            self._session = None

    def record(self, event: DomainEvent) -> None:
        """Record an event that belongs to no mapped aggregate (a login, a user created)."""
        self._extra_events.append(event)

    def commit(self) -> list[int]:
        """Write events to the audit log and the outbox, then commit; returns their seqs."""
        session = self.session
        session.flush()
        events = sorted(self._collect_events(), key=lambda e: e.seq)
        seqs = append_events(session, events, self.actor, self.clock.now()) if events else []
        faults.point("uow.before_commit")  # the changes and their audit entries, not committed
        try:
            session.commit()
        except StaleDataError as exc:
            raise Conflict("the object was changed by someone else meanwhile; reload") from exc
        faults.point("uow.after_commit")  # committed; the caller has not answered yet
        self._extra_events = []
        count_events(events)
        return seqs

    def rollback(self) -> None:
        self.session.rollback()

    def _collect_events(self) -> Iterable[DomainEvent]:
        session = self.session
        seen: list[HasEvents] = [
            obj for obj in list(session.identity_map.values()) if hasattr(obj, "events")
        ]
        for obj in seen:
            yield from obj.events
            obj.events = []
        yield from self._extra_events


def append_events(
    session: Session, events: list[DomainEvent], actor: Actor, recorded_at: datetime
) -> list[int]:
    """Append ``events`` to the chain under the head lock; also queue them in the outbox."""
    head = session.execute(
        select(audit_head.c.seq, audit_head.c.hash).where(audit_head.c.id == 1).with_for_update()
    ).first()
    if head is None:
        session.execute(insert(audit_head).values(id=1, seq=0, hash=GENESIS))
        seq, prev = 0, GENESIS
    else:
        seq, prev = int(head.seq), str(head.hash)
    log_rows: list[dict[str, Any]] = []
    outbox_rows: list[dict[str, Any]] = []
    for event in events:
        seq += 1
        payload: dict[str, Any] = {"event": event.payload(), "object_at": event.at.isoformat()}
        if actor.client_id is not None:  # a machine client's call: in the hashed payload
            payload["client_id"] = actor.client_id
        digest = digest_of(payload)
        entry = Entry(
            seq=seq,
            at=recorded_at,
            actor_id=actor.user_id,
            actor_label=actor.label,
            address=actor.address,
            action=event.event_name,
            object_type=event.object_type,
            object_id=event.object_id,
            payload=payload,
            digest=digest,
            prev_hash=prev,
            hash="",
        )
        prev = hash_of(entry)
        log_rows.append({**dataclasses.asdict(entry), "hash": prev})
        outbox_rows.append(
            {
                "seq": seq,
                "at": recorded_at,
                "event": event.event_name,
                "object_type": event.object_type,
                "object_id": event.object_id,
                "actor_id": actor.user_id,
                "payload": event.payload(),
            }
        )
    session.execute(insert(audit_log), log_rows)
    session.execute(insert(outbox), outbox_rows)
    session.execute(update(audit_head).where(audit_head.c.id == 1).values(seq=seq, hash=prev))
    return [r["seq"] for r in log_rows]


UowFactory = Callable[[Actor], SqlUnitOfWork]
