"""Machine clients managing their own webhook subscriptions with the ``webhooks.manage`` scope:
create, list, pause and resume, read the log, redeliver, delete — their own and never another
client's; without the scope they are refused naming it. Real receivers, the real worker pass."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from prex.bootstrap import Services
from prex.config import Settings, get_settings
from prex.webhooks.delivery import run_webhooks
from tests.award_world import problem
from tests.e2e.test_integrations import bearer, register, token_of
from tests.factories import World, auth, published_tender
from tests.webhook_receiver import Receiver

SUBS = "/api/v1/webhooks/subscriptions"


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return get_settings(
        environment="test",
        data_dir=tmp_path / "data",
        database_url=database_url,
        max_document_bytes=1024 * 1024,
        password_hashing="fast",
        webhook_timeout=0.5,
    )


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver().start()
    yield r
    r.stop()


def client_with(
    client: TestClient, services: Services, world: World, scopes: list[str]
) -> tuple[str, dict[str, str]]:
    """A registered client's id and the headers of its token (acting as itself)."""
    reg = register(client, services, world, scopes)
    return reg["client_id"], bearer(token_of(client, reg))


def test_a_client_manages_its_own_subscriptions_and_no_other_clients(
    client: TestClient, services: Services, world: World, receiver: Receiver
) -> None:
    a_id, a = client_with(client, services, world, ["public.read", "webhooks.manage"])
    b_id, b = client_with(client, services, world, ["webhooks.manage"])

    made = client.post(SUBS, json={"url": receiver.url, "events": ["TenderPublished"]}, headers=a)
    assert made.status_code == 201, made.text
    mine = made.json()
    assert mine["client_id"] == a_id and mine["active"] is True
    assert mine["centre_id"] == world.centre_id  # the client's centre: its operators see it
    theirs = client.post(
        SUBS, json={"client_id": b_id, "url": receiver.url, "events": ["*"]}, headers=b
    )
    assert theirs.status_code == 201, theirs.text
    other = theirs.json()["id"]

    # Each lists only its own; the centre's operator and the administrator see both.
    assert [s["id"] for s in client.get(SUBS, headers=a).json()["subscriptions"]] == [mine["id"]]
    assert [s["id"] for s in client.get(SUBS, headers=b).json()["subscriptions"]] == [other]
    for who in ("operator", "admin"):
        listed = client.get(SUBS, headers=auth(services, who)).json()["subscriptions"]
        assert {mine["id"], other} <= {s["id"] for s in listed}

    # Another client's subscription can be neither read nor changed nor deleted, nor can a
    # client subscribe another one.
    problem(client.get(f"{SUBS}/{other}", headers=a), 403, "forbidden")
    problem(client.patch(f"{SUBS}/{other}", json={"active": False}, headers=a), 403, "forbidden")
    problem(client.get(f"{SUBS}/{other}/deliveries", headers=a), 403, "forbidden")
    problem(client.delete(f"{SUBS}/{other}", headers=a), 403, "forbidden")
    problem(
        client.post(
            SUBS, json={"client_id": b_id, "url": receiver.url, "events": ["*"]}, headers=a
        ),
        403,
        "forbidden",
    )
    assert client.get(f"{SUBS}/{other}", headers=b).json()["active"] is True  # untouched
    problem(client.get(f"{SUBS}/01ARZ3NDEKTSV4RRFFQ69G5FAV", headers=a), 404, "not-found")

    # Pause and resume its own; a change while paused is not queued for it.
    paused = client.patch(f"{SUBS}/{mine['id']}", json={"active": False}, headers=a)
    assert paused.status_code == 200 and paused.json()["active"] is False
    published_tender(client, world, auth(services, "agency"))
    assert run_webhooks(services) == 1  # b's, for every event type; a's is paused
    resumed = client.patch(f"{SUBS}/{mine['id']}", json={"active": True}, headers=a)
    assert resumed.json()["active"] is True
    published_tender(client, world, auth(services, "agency"))
    assert run_webhooks(services) >= 2
    deliveries = [
        r for r in receiver.received if r.headers["prex-webhook-event"] == "TenderPublished"
    ]
    assert len(deliveries) == 3  # b twice, a once (after resuming)

    # Its own delivery log, its own redelivery; not another's.
    log = client.get(f"{SUBS}/{mine['id']}/deliveries", headers=a)
    assert log.status_code == 200, log.text
    (delivery,) = log.json()["deliveries"]
    assert delivery["status"] == "delivered" and delivery["event"] == "TenderPublished"
    problem(client.post(f"/api/v1/webhooks/deliveries/{delivery['id']}/redeliver", headers=b), 403)
    again = client.post(f"/api/v1/webhooks/deliveries/{delivery['id']}/redeliver", headers=a)
    assert again.status_code == 200 and again.json()["status"] == "pending"
    before = len(receiver.received)
    assert run_webhooks(services) == 1
    assert receiver.received[before].headers["prex-webhook-id"] == delivery["message_id"]

    # Deleting drops the subscription and its log; the trail keeps who did what.
    assert client.delete(f"{SUBS}/{mine['id']}", headers=a).status_code == 204
    problem(client.get(f"{SUBS}/{mine['id']}", headers=a), 404, "not-found")
    assert client.get(SUBS, headers=a).json()["subscriptions"] == []
    trail = client.get(
        f"/api/v1/audit/webhook_subscription/{mine['id']}", headers=auth(services, "operator")
    ).json()
    assert [e["action"] for e in trail] == [
        "WebhookSubscribed",
        "WebhookSubscriptionChanged",
        "WebhookSubscriptionChanged",
        "WebhookRedeliveryRequested",
        "WebhookUnsubscribed",
    ]
    assert all(a_id in e["actor_label"] for e in trail)
    assert trail[-1]["payload"]["event"]["deliveries"] == 1


def test_a_client_without_the_scope_is_refused_naming_it(
    client: TestClient, services: Services, world: World, receiver: Receiver
) -> None:
    c_id, c = client_with(client, services, world, ["public.read", "bid.submit"])
    body = {"url": receiver.url, "events": ["TenderPublished"]}
    refused = problem(client.post(SUBS, json=body, headers=c), 403, "insufficient-scope")
    assert refused["scope"] == "webhooks.manage" and refused["client_id"] == c_id
    refused = problem(client.get(SUBS, headers=c), 403, "insufficient-scope")
    assert refused["scope"] == "webhooks.manage"
    # The operator may still subscribe it; the client cannot read that subscription either.
    made = client.post(SUBS, json={**body, "client_id": c_id}, headers=auth(services, "operator"))
    assert made.status_code == 201, made.text
    problem(client.get(f"{SUBS}/{made.json()['id']}", headers=c), 403, "insufficient-scope")


def test_a_user_names_the_client_and_a_bidder_may_not_manage_subscriptions(
    client: TestClient, services: Services, world: World, receiver: Receiver
) -> None:
    body: dict[str, Any] = {"url": receiver.url, "events": ["TenderPublished"]}
    problem(client.post(SUBS, json=body, headers=auth(services, "admin")), 422, "invalid-input")
    problem(client.get(SUBS, headers=auth(services, "bidder")), 403, "forbidden")
    problem(client.get(SUBS), 401, "unauthenticated")
