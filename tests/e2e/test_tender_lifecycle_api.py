"""A tender from draft to deadline, amendment and cancellation, over HTTP."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient

from prex.worker import run_once
from tests.factories import World, auth, published_tender


def test_a_published_tender_is_listed_and_reaches_its_deadline(
    client: TestClient, world: World
) -> None:
    headers = auth(world.services, "agency")
    tender = published_tender(client, world, headers)
    assert tender["status"] == "published"
    listing = client.get("/api/v1/tenders").json()
    assert [t["id"] for t in listing["items"]] == [tender["id"]]
    world.services.clock.advance(timedelta(days=31))  # type: ignore[attr-defined]
    assert run_once(world.services).transitions == 1
    assert run_once(world.services).transitions == 0
    assert client.get(f"/api/v1/tenders/{tender['id']}").json()["status"] == "opening"
