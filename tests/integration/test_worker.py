"""``prex worker``: due transitions are applied exactly once, even by two workers at once."""

from __future__ import annotations

import threading
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from prex.audit.orm import audit_log
from prex.bootstrap import Services, bootstrap
from prex.notifications.orm import notifications
from prex.tenders.service import run_due_transitions
from prex.worker import run_once
from tests.factories import World, auth, chain_of, published_tender


def test_two_workers_at_once_apply_each_due_transition_once(
    client: TestClient, world: World, services: Services
) -> None:
    headers = auth(services, "agency")
    ids = {published_tender(client, world, headers)["id"] for _ in range(6)}
    services.clock.advance(timedelta(days=31))  # type: ignore[attr-defined]
    second = bootstrap(services.settings, clock=services.clock)
    barrier = threading.Barrier(2)
    applied: list[int] = []

    def work(svc: Services) -> None:
        barrier.wait()
        applied.append(run_due_transitions(svc.uow, svc.clock, svc.rule_packs))

    threads = [threading.Thread(target=work, args=(s,)) for s in (services, second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    second.close()
    assert sum(applied) == len(ids)
    with services.read_session() as session:
        reached = (
            session.execute(
                select(audit_log.c.object_id)
                .where(audit_log.c.action == "BidDeadlineReached")
                .order_by(audit_log.c.seq)
            )
            .scalars()
            .all()
        )
    assert sorted(reached) == sorted(ids)
    assert chain_of(services).ok


def test_nothing_is_due_before_the_deadline(
    client: TestClient, world: World, services: Services
) -> None:
    published_tender(client, world, auth(services, "agency"))
    services.clock.advance(timedelta(days=30) - timedelta(seconds=1))  # type: ignore[attr-defined]
    assert run_once(services).transitions == 0


def test_notifications_are_created_once_however_often_the_worker_runs(
    client: TestClient, world: World, services: Services
) -> None:
    tender = published_tender(client, world, auth(services, "agency"))
    bidder = auth(services, "bidder")
    assert client.post(f"/api/v1/tenders/{tender['id']}/obtain", headers=bidder).status_code == 200
    first = run_once(services).notifications
    assert run_once(services).notifications == 0
    assert first >= 2  # the tenderer's and the agency's users hear of the publication
    services.clock.advance(timedelta(days=31))  # type: ignore[attr-defined]
    run_once(services)
    response = client.get("/api/v1/me/notifications", headers=bidder)
    assert response.status_code == 200, response.text
    inbox = response.json()
    assert any("投标截止" in n["subject"] for n in inbox)
    with services.read_session() as session:
        rows = session.execute(select(notifications.c.outbox_seq, notifications.c.user_id)).all()
    assert len(rows) == len(set(rows))
