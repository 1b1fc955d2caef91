"""Login throttling and lock-out through the real API and login page (prex.identity.lockout)."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from prex.audit.orm import audit_log
from prex.bootstrap import Services
from prex.identity.policy import SYSTEM
from prex.notifications.service import dispatch_notifications, notifications_for
from prex.shared.clock import FixedClock
from tests.factories import PASSWORD, World, auth

WRONG = "not-the-password-at-all"


def _post(client: TestClient, username: str, password: str) -> tuple[int, dict[str, object]]:
    response = client.post("/api/v1/session", json={"username": username, "password": password})
    return response.status_code, response.json()


def _audit(services: Services, event: str) -> list[dict[str, object]]:
    with services.read_session() as session:
        rows = session.execute(
            select(audit_log.c.action, audit_log.c.address, audit_log.c.payload)
            .where(audit_log.c.action == event)
            .order_by(audit_log.c.seq)
        ).all()
    return [dict(r._mapping) for r in rows]


def test_five_failures_lock_the_account_and_the_right_password_is_refused_alike(
    world: World, client: TestClient, services: Services, clock: FixedClock
) -> None:
    for _ in range(4):
        assert _post(client, "bidder", WRONG)[0] == 401
    status, body = _post(client, "bidder", WRONG)  # the fifth failure locks
    assert status == 401
    locked = _audit(services, "AccountLocked")
    assert len(locked) == 1 and locked[0]["payload"]["event"]["username"] == "bidder"  # type: ignore[index]
    assert locked[0]["address"] == "testclient"
    dispatch_notifications(services.uow(SYSTEM))  # the holder hears of it
    with services.read_session() as session:
        told = notifications_for(session, world.users["bidder"])
    assert [n["subject"] for n in told] == ["账户登录已临时锁定"]
    right = client.post("/api/v1/session", json={"username": "bidder", "password": PASSWORD})
    wrong = client.post("/api/v1/session", json={"username": "bidder", "password": WRONG})
    assert right.status_code == wrong.status_code == 429
    assert right.headers["Retry-After"] == wrong.headers["Retry-After"] == str(15 * 60)
    # alike but for the request id each answer carries (docs/operations.md)
    assert {**right.json(), "request_id": None} == {**wrong.json(), "request_id": None}
    assert right.json()["type"] == "/problems/sign-in-throttled"
    clock.advance(timedelta(minutes=15, seconds=1))  # the lock ends by itself
    assert _post(client, "bidder", PASSWORD)[0] == 200


def test_a_second_lock_out_lasts_twice_as_long_and_success_resets(
    world: World, client: TestClient, clock: FixedClock
) -> None:
    for _ in range(5):
        _post(client, "agency", WRONG)
    clock.advance(timedelta(minutes=16))
    for _ in range(5):
        _post(client, "agency", WRONG)
    refused = client.post("/api/v1/session", json={"username": "agency", "password": PASSWORD})
    assert refused.headers["Retry-After"] == str(30 * 60)
    clock.advance(timedelta(minutes=31))
    assert _post(client, "agency", PASSWORD)[0] == 200
    for _ in range(4):  # the success forgot the failures: four more do not lock
        _post(client, "agency", WRONG)
    assert _post(client, "agency", PASSWORD)[0] == 200


def test_unknown_and_known_names_answer_alike(world: World, client: TestClient) -> None:
    known = [_post(client, "tenderer", WRONG) for _ in range(6)]
    unknown = [_post(client, "nobody-here", WRONG) for _ in range(6)]
    assert [s for s, _ in known] == [s for s, _ in unknown] == [401] * 5 + [429]
    assert [b["detail"] for _, b in known] == [b["detail"] for _, b in unknown]


def test_an_operator_unlocks_an_account_audited(
    world: World, client: TestClient, services: Services
) -> None:
    for _ in range(5):
        _post(client, "bidder2", WRONG)
    assert _post(client, "bidder2", PASSWORD)[0] == 429
    refused = client.post("/api/v1/users/bidder2/unlock", headers=auth(services, "bidder"))
    assert refused.status_code == 403
    done = client.post("/api/v1/users/bidder2/unlock", headers=auth(services, "operator"))
    assert done.status_code == 200 and done.json() == {"username": "bidder2", "was_locked": True}
    assert _audit(services, "AccountUnlocked")[0]["payload"]["event"]["username"] == "bidder2"  # type: ignore[index]
    assert _post(client, "bidder2", PASSWORD)[0] == 200
    missing = client.post("/api/v1/users/nobody/unlock", headers=auth(services, "admin"))
    assert missing.status_code == 404


def test_one_address_spraying_many_accounts_is_throttled(
    world: World, client: TestClient, clock: FixedClock
) -> None:
    names = [f"sprayed{i}" for i in range(25)]
    statuses = [_post(client, name, WRONG)[0] for name in names]
    assert statuses[:20] == [401] * 20  # login_address_burst
    assert set(statuses[20:]) == {429}
    # even a real account with its right password waits, from this address
    assert _post(client, "expert", PASSWORD)[0] == 429
    clock.advance(timedelta(seconds=13))  # 5 a minute: one failure's worth refilled
    assert _post(client, "expert", PASSWORD)[0] == 200


def test_the_login_page_shows_the_pause_with_retry_after(world: World, client: TestClient) -> None:
    for _ in range(5):
        client.post("/login", data={"username": "supervisor", "password": WRONG})
    page = client.post("/login", data={"username": "supervisor", "password": PASSWORD})
    assert page.status_code == 429
    assert page.headers["Retry-After"] == str(15 * 60)
    assert "prex_session" not in page.cookies
    assert "15" in page.text
