"""Two operators booking the last seats of one room at the same instant: the room's row lock
(PostgreSQL) or the write lock taken at BEGIN (SQLite) lets exactly one of them through."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from prex.bootstrap import Services, bootstrap
from prex.experts import venues
from prex.experts.venues_orm import seat_bookings
from prex.identity.policy import Actor, Role
from prex.shared.errors import Conflict
from tests.factories import World, auth, published_tender


def test_two_bookings_for_the_last_seats_at_once_take_them_once(
    client: TestClient, world: World, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    tender = published_tender(client, world, auth(services, "agency"))
    operator = auth(services, "operator")
    spec = {
        "venues": [
            {"centre_id": world.centre_id, "quotas": [{"specialty": "A08", "members": 5}]},
        ]
    }
    defined = client.put(f"/api/v1/tenders/{tender['id']}/committee", json=spec, headers=operator)
    assert defined.status_code == 200, defined.text
    actor = Actor(
        user_id=world.users["operator"],
        label="operator",
        org_id=world.orgs["operator"],
        centre_id=world.centre_id,
        roles=frozenset({Role.OPERATOR}),
        address="127.0.0.1",
    )
    room = venues.register_room(services.uow(actor), world.centre_id, "第1评标室", 5)
    starts = datetime.fromisoformat(tender["bid_deadline"]) + timedelta(days=1)
    # Widen the window between reading the room's bookings and writing the new one: without
    # the lock both would read none booked and both would book.
    read = venues._future_bookings

    def slow_read(*args: Any) -> Any:
        found = read(*args)
        time.sleep(0.5)
        return found

    monkeypatch.setattr(venues, "_future_bookings", slow_read)
    second = bootstrap(services.settings, clock=services.clock)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def book(svc: Services) -> None:
        barrier.wait()
        try:
            venues.book_seats(
                svc.uow(actor),
                svc,
                tender["id"],
                room["id"],
                3,
                starts,
                starts + timedelta(hours=8),
            )
            outcomes.append("booked")
        except Conflict as exc:
            outcomes.append(f"refused: {exc.message}")

    threads = [threading.Thread(target=book, args=(s,)) for s in (services, second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    second.close()
    assert sorted(outcomes)[0] == "booked", outcomes
    assert sorted(outcomes)[1].startswith("refused: room 第1评标室 has 5 seats and 3"), outcomes
    with services.read_session() as session:
        taken = session.execute(select(seat_bookings.c.seats)).scalars().all()
    assert taken == [3]
