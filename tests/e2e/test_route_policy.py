"""Every route declares its action in the policy table, and the app enforces it over HTTP.

A route without ``x-prex-action`` fails this suite. For every route and every role (and the
anonymous public), a request is refused (401/403, or a redirect to sign-in for pages) exactly
when the policy table gives that role no grant for the route's action.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.routing import APIRoute, APIWebSocketRoute, iter_route_contexts
from fastapi.testclient import TestClient
from starlette.routing import Mount

from prex.bootstrap import Services
from prex.identity.policy import POLICY, Action, Role, is_allowed
from prex.identity.policy import Actor as PolicyActor
from prex.web.app import create_app
from tests.factories import World, auth, published_tender

# WebSocket route → the GET route whose state it pushes (and whose policy it follows).
WEBSOCKET_TWINS = {
    "/api/v1/tenders/{tender_id}/opening/live": "/api/v1/tenders/{tender_id}/opening",
    "/api/v1/tenders/{tender_id}/evaluation/live": "/api/v1/tenders/{tender_id}/evaluation",
    "/api/v1/listings/{listing_id}/live": "/api/v1/listings/{listing_id}/book",
}
# Routes FastAPI itself adds for the API documentation (public by nature).
FRAMEWORK_ROUTES = {"/api/v1/openapi.json", "/api/v1/docs", "/api/v1/docs/oauth2-redirect"}


def app_routes(services: Services) -> list[Any]:
    """Every effective route (with its router prefix), except static files and API docs."""
    routes = []
    for context in iter_route_contexts(create_app(services).routes):
        if isinstance(context.original_route, Mount) or context.path in FRAMEWORK_ROUTES:
            continue
        if isinstance(context.original_route, APIWebSocketRoute):
            # Live views only (the opening hall): each pushes what its GET twin returns to the
            # same actor, through the same service, and accepts no action.
            assert context.path in WEBSOCKET_TWINS, f"unexpected WebSocket {context.path}"
            continue
        assert isinstance(context.original_route, APIRoute), f"unexpected route {context!r}"
        routes.append(context)
    return routes


@pytest.mark.parametrize("backend", ["sqlite"])
def test_every_route_declares_an_action_of_the_policy_table(services: Services) -> None:
    missing = [
        f"{sorted(r.methods)} {r.path}"
        for r in app_routes(services)
        if (r.openapi_extra or {}).get("x-prex-action") not in {a.value for a in POLICY}
    ]
    assert missing == [], f"routes without a policy entry: {missing}"


def _fill(path: str, ids: dict[str, str]) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: ids.get(m.group(1), "01ARZ3NDEKTSV4RRFFQ69G5FAV"), path)


# The policy is enforced before any query: the refusals do not depend on the database, so
# SQLite alone (PostgreSQL runs the routes themselves in their own tests).
@pytest.mark.parametrize("backend", ["sqlite"])
@pytest.mark.parametrize("who", [None, *[r.value for r in Role]])
def test_every_route_refuses_exactly_the_roles_the_policy_refuses(
    client: TestClient, world: World, services: Services, who: str | None
) -> None:
    tender = published_tender(client, world, auth(services, "agency"))
    ids = {
        "tender_id": tender["id"],
        "document_id": tender["documents"][0]["id"],
        "org_id": world.orgs["bidder"],
        "centre_id": world.centre_id,
        "object_type": "tender",
        "object_id": tender["id"],
    }
    user = {
        "operator": "operator",
        "supervisor": "supervisor",
        "tenderer": "tenderer",
        "agency": "agency",
        "bidder": "bidder",
        "expert": "expert",
        "admin": "admin",
    }
    actor = PolicyActor(
        user_id="x" if who else None, roles=frozenset({Role(who)}) if who else frozenset()
    )
    wrong = []
    for route in app_routes(services):
        action = Action((route.openapi_extra or {})["x-prex-action"])
        kind_allowed = is_allowed(actor, action)
        for method in sorted(route.methods - {"HEAD"}):
            if route.path == "/api/v1/session" and method == "DELETE" and not who:
                continue  # covered below: signing out without a token
            url = _fill(route.path, ids)
            # A fresh token each time: one of the routes signs out (revokes its token).
            headers = auth(services, user[who]) if who else {}
            response = client.request(method, url, headers=headers, follow_redirects=False)
            refused = response.status_code in (401, 403) or (
                response.status_code == 303 and "/login" in response.headers.get("location", "")
            )
            if refused is kind_allowed:
                wrong.append(
                    f"{who or 'anonymous'} {method} {url} ({action.value}, "
                    f"{'allowed' if kind_allowed else 'denied'} by policy) → "
                    f"{response.status_code} {response.text[:120]}"
                )
    assert wrong == []


def test_signing_out_without_a_token_is_refused(client: TestClient) -> None:
    assert client.delete("/api/v1/session").status_code == 401


def test_a_tenders_audit_trail_is_read_only_within_its_centre(
    client: TestClient, world: World, services: Services
) -> None:
    from prex.identity import service as identity
    from tests.factories import ADMIN_ACTOR, PASSWORD

    tender = published_tender(client, world, auth(services, "agency"))
    url = f"/api/v1/audit/tender/{tender['id']}"
    trail = client.get(url, headers=auth(services, "operator"))
    assert trail.status_code == 200
    assert [e["action"] for e in trail.json()][:2] == ["TenderCreated", "DocumentAttached"]
    identity.create_user(
        services.uow(ADMIN_ACTOR),
        username="operator_hz",
        password=PASSWORD,
        display_name="杭州 值班员",
        roles=["operator"],
        org_id=world.orgs["operator"],
        centre_id=world.city_centre_id,
    )
    assert client.get(url, headers=auth(services, "operator_hz")).status_code == 403
    assert client.get(url, headers=auth(services, "bidder")).status_code == 403
