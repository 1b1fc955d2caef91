"""The change feed under concurrent writers that commit late: nothing skipped, nothing twice.

Writer threads (half of them through a second, independently pooled ``Services``, so separate
engines and connections) issue clarifications (public) and ask and privately answer questions
(private) on their own tenders. Every commit stalls for a random moment *after* its events have
taken their sequence numbers and *before* it commits — the window in which a feed ordered by
assignment rather than by commit (Prozorro's timestamps) loses a write: a reader that sees the
later number first moves past the earlier one. The clock jitters as well, between stamping an
event's time and taking the head lock. Meanwhile a consumer pages the feed with random page
sizes, always resuming from ``next_cursor``. Afterwards it must have seen exactly the public
changes of the outbox, each once, in sequence order.

And a change whose events are appended but not yet committed is invisible to the feed, which
reads it without waiting for the writer's lock (the reader engine, committed data only).
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from prex.audit.orm import outbox
from prex.bootstrap import Services, bootstrap
from prex.config import Settings
from prex.exchange.feed import read_feed
from prex.exchange.public_forms import publicity_of
from prex.identity.policy import Actor, Role
from prex.tenders import service
from prex.tenders.model import AmendmentKind, EnquiryKind
from tests.conftest import T0
from tests.factories import World, auth, published_tender

WRITERS = 4
ROUNDS = 8
STALL = 0.02  # seconds, at most, between taking sequence numbers and committing


class JitteryClock:
    """Real time from T0 on, strictly increasing; each reading may stall a moment before it is
    returned (so an event's stamp can be older than its place in the commit order)."""

    def __init__(self) -> None:
        self._start = time.monotonic()
        self._last = T0
        self._lock = threading.Lock()
        self.jitter = False

    def now(self) -> datetime:
        with self._lock:
            at = max(T0 + timedelta(seconds=time.monotonic() - self._start), self._last)
            at = at + timedelta(microseconds=1) if at == self._last else at
            self._last = at
        if self.jitter:
            time.sleep(random.uniform(0, STALL / 4))
        return at


@pytest.fixture
def clock() -> JitteryClock:
    return JitteryClock()


@pytest.fixture
def stalled_commits(services: Services, settings: Settings) -> Iterator[Services]:
    """A second, independent ``Services``; every writing session of either stalls before its
    COMMIT (after the unit of work appended its events under the head lock)."""
    other = bootstrap(settings, clock=services.clock)
    writers = {services.engines.writer, other.engines.writer}

    def stall(session: Session) -> None:
        if session.get_bind() in writers:
            time.sleep(random.uniform(0, STALL))

    event.listen(Session, "before_commit", stall)
    try:
        yield other
    finally:
        event.remove(Session, "before_commit", stall)
        other.close()


def _actor(world: World, name: str, role: Role) -> Actor:
    return Actor(
        user_id=world.users[name],
        label=name,
        org_id=world.orgs[name],
        centre_id=world.centre_id,
        roles=frozenset({role}),
        address="127.0.0.1",
    )


def _write(
    svc: Services, world: World, tender_id: str, n: int, errors: list[BaseException]
) -> None:
    agency, bidder = _actor(world, "agency", Role.AGENCY), _actor(world, "bidder", Role.BIDDER)
    try:
        for k in range(ROUNDS):
            service.issue_amendment(
                svc.uow(agency),
                svc.rule_packs,
                service.IssueAmendment(
                    tender_id, AmendmentKind.CLARIFICATION, f"澄清 {n}-{k}", False
                ),
            )
            asked = service.ask_question(
                svc.uow(bidder), svc.rule_packs, tender_id, EnquiryKind.QUESTION, f"问题 {n}-{k}"
            )
            service.answer_question(svc.uow(agency), tender_id, asked, "私下答复", publish=False)
    except BaseException as exc:  # noqa: BLE001 (reported by the test thread)
        errors.append(exc)


def test_a_consumer_reading_while_writers_commit_late_sees_every_change_once_in_order(
    client: TestClient,
    services: Services,
    world: World,
    clock: JitteryClock,
    stalled_commits: Services,
) -> None:
    agency = auth(services, "agency")
    tender_ids = [published_tender(client, world, agency)["id"] for _ in range(WRITERS)]
    start = read_feed(services, None, 1000)
    while start.has_more:
        start = read_feed(services, start.next_cursor, 1000)
    clock.jitter = True

    errors: list[BaseException] = []
    writers = [
        threading.Thread(
            target=_write,
            args=(services if n % 2 else stalled_commits, world, tender_id, n, errors),
        )
        for n, tender_id in enumerate(tender_ids)
    ]
    seen: list[tuple[int, str, str]] = []
    pages_while_writing = 0
    for thread in writers:
        thread.start()
    cursor, rng = start.next_cursor, random.Random(7)
    while True:
        writing = any(t.is_alive() for t in writers)
        page = read_feed(services, cursor, rng.choice([1, 2, 3, 5, 8, 50]))
        seen.extend((c.seq, c.event, c.object_id) for c in page.changes)
        cursor = page.next_cursor
        if writing:
            pages_while_writing += 1 if page.changes else 0
            time.sleep(rng.uniform(0, STALL / 2))
        elif not page.has_more:
            break
    for thread in writers:
        thread.join()
    clock.jitter = False
    assert errors == []

    with services.read_session() as session:
        rows = session.execute(
            select(outbox.c.seq, outbox.c.event, outbox.c.object_id, outbox.c.payload)
            .where(outbox.c.seq > start.position)
            .order_by(outbox.c.seq)
        ).all()
    expected = [(r.seq, r.event, r.object_id) for r in rows if publicity_of(r.event, r.payload)]
    private = [r for r in rows if not publicity_of(r.event, r.payload)]
    assert len(expected) == WRITERS * ROUNDS  # every clarification, and nothing private
    assert len(private) >= 2 * WRITERS * ROUNDS
    assert [s for s, _, _ in seen] == sorted({s for s, _, _ in seen})  # once each, in order
    assert seen == expected  # none skipped
    assert pages_while_writing >= 3  # the consumer really read while writers were committing


def test_a_change_not_yet_committed_is_neither_shown_nor_waited_for(
    client: TestClient, services: Services, world: World
) -> None:
    tender_id = published_tender(client, world, auth(services, "agency"))["id"]
    end = read_feed(services, None, 1000)
    inside, release = threading.Event(), threading.Event()
    writer_engine = services.engines.writer

    def hold(session: Session) -> None:  # the events have their numbers; the commit waits
        if session.get_bind() is writer_engine:
            inside.set()
            release.wait(30)

    errors: list[BaseException] = []

    def amend() -> None:
        try:
            service.issue_amendment(
                services.uow(_actor(world, "agency", Role.AGENCY)),
                services.rule_packs,
                service.IssueAmendment(tender_id, AmendmentKind.CLARIFICATION, "迟到的澄清", False),
            )
        except BaseException as exc:  # noqa: BLE001 (reported by the test thread)
            errors.append(exc)

    event.listen(Session, "before_commit", hold)
    writer = threading.Thread(target=amend)
    try:
        writer.start()
        assert inside.wait(30)
        started = time.monotonic()
        pending = read_feed(services, end.next_cursor, 1000)
        assert time.monotonic() - started < 5  # the reader did not wait for the writer's lock
        assert pending.changes == [] and pending.position == end.position
    finally:
        release.set()
        writer.join(30)
        event.remove(Session, "before_commit", hold)
    assert errors == []
    committed = read_feed(services, end.next_cursor, 1000)
    assert [(c.event, c.object_id) for c in committed.changes] == [("TenderAmended", tender_id)]
    assert committed.changes[0].data["amendments"][-1]["text"] == "迟到的澄清"
