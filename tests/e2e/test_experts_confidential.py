"""Expert names never reach a bidder or the public (issue 5): every registry route refuses them
(401/403) with nothing of the expert in the answer, and no route of the whole application —
API or page — answers a bidder or the public with an expert's name, identity number or phone."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from prex.bootstrap import Services
from tests.e2e.test_route_policy import app_routes
from tests.factories import World, auth, published_tender
from tests.unit.experts.rows import csv_bytes, employer, person_id, row

API = "/api/v1"
NAME = "欧阳明远"
NUMBER = person_id(4242)
PHONE = "13905714242"


def secrets_of(body: str) -> list[str]:
    masked = NUMBER[:6] + "********" + NUMBER[-4:]
    return [s for s in (NAME, NUMBER, masked, PHONE, "司马光远") if s in body]


@pytest.fixture
def registry_ids(client: TestClient, world: World, services: Services) -> dict[str, str]:
    """An expert with every kind of sub-record, and an imported one."""
    operator = auth(services, "operator")
    body = {
        "name": NAME,
        "id_number": NUMBER,
        "phone": PHONE,
        "employer_uscc": employer(1),
        "title": "正高级",
        "years_of_practice": 20,
        "specialties": ["A0801"],
    }
    expert_id = client.post(f"{API}/experts", json=body, headers=operator).json()["id"]
    base = f"{API}/experts/{expert_id}"
    entry = client.post(f"{base}/blacklist", json={"reason": "x"}, headers=operator)
    away = client.post(
        f"{base}/unavailability",
        json={"start": "2026-03-01", "until": "2026-03-09"},
        headers=operator,
    )
    interest = client.post(
        f"{base}/interests", json={"uscc": employer(2), "reason": "x"}, headers=operator
    )
    imported = client.post(
        f"{API}/experts/import",
        files={"file": ("e.csv", csv_bytes([row(7, name="司马光远")]), "text/csv")},
        headers=operator,
    )
    assert imported.json()["ok"], imported.text
    return {
        "expert_id": expert_id,
        "entry_id": entry.json()["id"],
        "range_id": away.json()["id"],
        "interest_id": interest.json()["id"],
    }


def call_route(client: TestClient, method: str, url: str, headers: dict[str, str]) -> Any:
    """One request to a route, with a plausible body for the writing methods."""
    if method in ("POST", "PUT") and "/import" in url:
        return client.request(
            method, url, headers=headers, files={"file": ("e.csv", csv_bytes([row(8)]))}
        )
    body = {"reason": "x", "start": "2026-03-01", "until": "2026-03-02", "uscc": employer(3)}
    if method in ("POST", "PUT"):
        return client.request(method, url, headers=headers, json=body)
    return client.request(method, url, headers=headers, follow_redirects=False)


@pytest.mark.parametrize("who", [None, "bidder", "tenderer", "agency", "expert"])
def test_every_registry_route_refuses_everyone_but_the_centre_and_shows_nothing(
    client: TestClient,
    world: World,
    services: Services,
    registry_ids: dict[str, str],
    who: str | None,
) -> None:
    routes = [r for r in app_routes(services) if r.path.startswith(f"{API}/experts")]
    assert len(routes) >= 10
    for route in routes:
        url = re.sub(r"\{(\w+)\}", lambda m: registry_ids[m.group(1)], route.path)
        for method in sorted(route.methods - {"HEAD"}):
            headers = auth(services, who) if who else {}
            response = call_route(client, method, url, headers)
            assert response.status_code == (403 if who else 401), (method, url, response.text)
            assert secrets_of(response.text) == [], (method, url)
    # and what the centre itself sees does hold them: the check above can fail
    seen = client.get(
        f"{API}/experts/{registry_ids['expert_id']}", headers=auth(services, "operator")
    )
    assert NAME in seen.text and PHONE in seen.text


@pytest.mark.parametrize("who", [None, "bidder"])
def test_no_route_of_the_application_shows_a_bidder_or_the_public_an_expert(
    client: TestClient,
    world: World,
    services: Services,
    registry_ids: dict[str, str],
    who: str | None,
) -> None:
    tender = published_tender(client, world, auth(services, "agency"))
    ids = {
        **registry_ids,
        "tender_id": tender["id"],
        "document_id": tender["documents"][0]["id"],
        "org_id": world.orgs["bidder"],
        "centre_id": world.centre_id,
        "object_type": "expert",
        "object_id": registry_ids["expert_id"],
    }
    leaks = []
    checked = 0
    for route in app_routes(services):
        assert isinstance(route.original_route, APIRoute)
        url = re.sub(r"\{(\w+)\}", lambda m: ids.get(m.group(1), tender["id"]), route.path)
        for method in sorted(route.methods - {"HEAD"}):
            if route.path == f"{API}/session" and method == "DELETE":
                continue  # signing out revokes the token the next calls use
            headers = auth(services, who) if who else {}
            response = call_route(client, method, url, headers)
            checked += 1
            found = secrets_of(response.text)
            if found:
                leaks.append(f"{method} {url} → {response.status_code}: {found}")
    assert checked > 50
    assert leaks == []
