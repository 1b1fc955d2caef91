"""Web security through the real app: security headers on every kind of response, the
cross-site request check on every state-changing route (enumerated from the app, not listed by
hand), WebSocket origins, and the session cookie's life (new at every sign-in, revoked at sign-
out, flags and the ``__Host-`` prefix over TLS)."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute, APIWebSocketRoute, iter_route_contexts
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from prex.web.app import create_app
from prex.web.security import HSTS, PAGE_POLICY, UNSAFE_METHODS
from tests.factories import PASSWORD, World, auth
from tests.live_server import serve

# Headers, origins and cookies are the HTTP layer's: SQLite alone (the session rows they create
# and revoke are the same on PostgreSQL, whose sign-in and sign-out run in other tests).
pytestmark = pytest.mark.parametrize("backend", ["sqlite"])
DUMMY_ID = "01JAAAAAAAAAAAAAAAAAAAAAAA"
CROSS_SITE = [
    {"sec-fetch-site": "cross-site", "origin": "https://evil.example"},
    {"sec-fetch-site": "same-site", "origin": "https://sub.testserver"},
    {"origin": "https://evil.example"},  # an older browser: no Fetch Metadata
    {"origin": "null"},  # a sandboxed frame or a data: page
]
SAME_ORIGIN = [
    {"sec-fetch-site": "same-origin", "origin": "http://testserver"},
    {"sec-fetch-site": "none"},  # typed into the address bar, a bookmark
    {"origin": "http://testserver"},
    {},  # not a browser (curl, an SDK without a token)
]


def assert_secure_headers(response: Any, where: str, *, tls: bool = False) -> None:
    headers = response.headers
    assert headers.get("content-security-policy") == PAGE_POLICY, where
    policy = headers["content-security-policy"]
    assert "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy, where
    assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy, where
    assert headers.get("x-content-type-options") == "nosniff", where
    assert headers.get("x-frame-options") == "DENY", where
    assert headers.get("referrer-policy") == "strict-origin-when-cross-origin", where
    assert headers.get("cross-origin-opener-policy") == "same-origin", where
    assert "camera=()" in headers.get("permissions-policy", ""), where
    assert (headers.get("strict-transport-security") == HSTS) is tls, where


def test_every_kind_of_response_carries_the_security_headers(
    client: TestClient, world: World
) -> None:
    checks = {
        "portal page": client.get("/"),
        "login page": client.get("/login"),
        "API JSON": client.get("/api/v1/tenders"),
        "API problem 404": client.get(f"/api/v1/tenders/{DUMMY_ID}"),
        "API problem 401": client.get("/api/v1/me"),
        "page 404": client.get("/no-such-page"),
        "static file": client.get("/static/prex.css"),
        "static 404": client.get("/static/nothing.css"),
        "OpenAPI": client.get("/api/v1/openapi.json"),
        "method not allowed": client.put("/login"),
    }
    for where, response in checks.items():
        assert_secure_headers(response, where)
    assert checks["API problem 404"].status_code == 404
    assert checks["page 404"].status_code == 404
    assert checks["static file"].status_code == 200


def test_an_unexpected_error_carries_them_too(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    app: FastAPI = create_app(world.services)

    def broken() -> None:
        raise RuntimeError("planted fault")

    app.add_api_route("/api/v1/broken", broken)
    app.add_api_route("/broken", broken)
    with TestClient(app, raise_server_exceptions=False) as client:
        api = client.get("/api/v1/broken")
        page = client.get("/broken")
    assert api.status_code == 500 and api.json()["type"] == "/problems/internal-error"
    assert page.status_code == 500 and "<html" in page.text
    assert_secure_headers(api, "API 500")
    assert_secure_headers(page, "page 500")
    # "it has been logged": with its traceback (not "NoneType: None", as it was).
    logged = [r for r in caplog.records if r.getMessage().startswith("unhandled error on")]
    assert len(logged) == 2 and all(r.exc_info and r.exc_info[1] for r in logged), logged
    assert "RuntimeError: planted fault" in caplog.text


def test_hsts_only_over_tls_and_from_a_trusted_proxy(world: World) -> None:
    with TestClient(create_app(world.services), base_url="https://testserver") as tls:
        assert_secure_headers(tls.get("/"), "https page", tls=True)
        assert_secure_headers(tls.get("/static/prex.css"), "https static", tls=True)
    # Real uvicorn (proxy headers on, 127.0.0.1 trusted by default): a TLS-terminating proxy on
    # the same host says https, and the answer says HSTS; without it, none.
    with serve(world.services) as base:
        plain = httpx.get(f"{base}/", timeout=60)
        proxied = httpx.get(f"{base}/", headers={"x-forwarded-proto": "https"}, timeout=60)
    assert_secure_headers(plain, "plain http via uvicorn")
    assert_secure_headers(proxied, "https via a trusted proxy", tls=True)


def test_the_api_docs_page_keeps_the_page_policy_and_its_files_are_this_sites(
    client: TestClient,
) -> None:
    """Swagger UI from vendored files, started by a script file: no inline script, no CDN."""
    docs = client.get("/api/v1/docs")
    assert docs.status_code == 200
    assert docs.headers["content-security-policy"] == PAGE_POLICY
    assert docs.headers["x-frame-options"] == "DENY"
    assert re.findall(r"<script>(.*?)</script>", docs.text, re.S) == []
    assert 'data-openapi="/api/v1/openapi.json"' in docs.text
    files = re.findall(r'(?:src|href)="([^"]+)"', docs.text)
    assert len(files) == 4 and all(f.startswith("/static/") for f in files), files
    for path in files:
        served = client.get(path)
        assert served.status_code == 200 and len(served.content) > 300, path
        assert served.headers["content-security-policy"] == PAGE_POLICY


def state_changing_routes(app: FastAPI) -> list[tuple[str, str]]:
    """Every (method, path) of the app that changes state, path parameters filled in."""
    found = []
    for context in iter_route_contexts(app.routes):
        if isinstance(context.original_route, APIRoute):
            for method in sorted(set(context.methods or ()) & UNSAFE_METHODS):
                found.append((method, re.sub(r"\{[^}]+\}", DUMMY_ID, str(context.path))))
    # Signing out last: the same-origin pass must keep its session until the end.
    return sorted(found, key=lambda mp: mp[1] == "/logout")


def csrf_refused(response: Any) -> bool:
    if response.headers.get("content-type", "").startswith("application/problem+json"):
        return bool(response.json().get("type") == "/problems/csrf-refused")
    return bool(response.headers.get("x-prex-problem") == "csrf-refused")


def send(client: TestClient, method: str, path: str, headers: dict[str, str]) -> Any:
    return client.request(method, path, headers=headers, follow_redirects=False)


def test_every_state_changing_route_refuses_a_cross_site_request(
    client: TestClient, world: World
) -> None:
    routes = state_changing_routes(client.app)  # type: ignore[arg-type]
    assert len(routes) > 100 and ("POST", "/login") in routes and ("POST", "/logout") in routes
    client.post("/login", data={"username": "agency", "password": PASSWORD})
    assert client.cookies.get("prex_session")
    for index, (method, path) in enumerate(routes):
        headers = CROSS_SITE[index % len(CROSS_SITE)]
        refused = send(client, method, path, headers)
        assert refused.status_code == 403 and csrf_refused(refused), (method, path, headers)
        assert_secure_headers(refused, f"refusal of {method} {path}")
    # The refusal explains itself: a problem document for the API, a page for people.
    api = client.post("/api/v1/tenders", headers=CROSS_SITE[0])
    assert api.json()["detail"].startswith("Sec-Fetch-Site is 'cross-site'")
    page = client.post("/logout", headers=CROSS_SITE[2])
    assert "该请求来自其他网站" in page.text
    # The session is still alive: nothing cross-site signed it out.
    assert client.get("/workbench", follow_redirects=False).status_code == 200


def test_the_same_routes_from_this_site_are_not_refused_as_cross_site(
    client: TestClient, world: World
) -> None:
    client.post("/login", data={"username": "agency", "password": PASSWORD})
    for index, (method, path) in enumerate(state_changing_routes(client.app)):  # type: ignore[arg-type]
        headers = SAME_ORIGIN[index % len(SAME_ORIGIN)]
        answer = send(client, method, path, headers)
        # Dummy ids and empty bodies fail for their own reasons; never as cross-site.
        assert not csrf_refused(answer), (method, path, headers, answer.status_code)


def test_a_bearer_token_call_is_never_taken_for_a_cross_site_form(
    client: TestClient, world: World
) -> None:
    headers = {**auth(world.services, "agency"), **CROSS_SITE[0]}
    answer = client.post("/api/v1/projects", json={}, headers=headers)
    assert answer.status_code == 422 and not csrf_refused(answer), answer.text


def test_the_configured_base_url_is_a_trusted_origin(world: World) -> None:
    world.services.settings = world.services.settings.model_copy(
        update={"base_url": "https://prex.example.gov.cn"}
    )
    with TestClient(create_app(world.services)) as client:
        page = client.post(
            "/login",
            data={"username": "agency", "password": PASSWORD},
            headers={"origin": "https://prex.example.gov.cn"},
            follow_redirects=False,
        )
        evil = client.post(
            "/login",
            data={"username": "agency", "password": PASSWORD},
            headers={"origin": "https://prex.example.gov.cn.evil.example"},
        )
    assert page.status_code == 303
    assert csrf_refused(evil)


def test_a_websocket_from_another_site_is_closed_before_it_opens(
    client: TestClient, world: World
) -> None:
    [live] = [
        str(c.path)
        for c in iter_route_contexts(client.app.routes)  # type: ignore[attr-defined]
        if isinstance(c.original_route, APIWebSocketRoute) and "listing_id" in str(c.path)
    ]
    path = live.replace("{listing_id}", DUMMY_ID)
    client.post("/login", data={"username": "bidder", "password": PASSWORD})
    with (
        pytest.raises(WebSocketDisconnect) as refused,
        client.websocket_connect(path, headers={"origin": "https://evil.example"}),
    ):
        pass
    assert refused.value.code == 1008
    # From this site the handshake passes the check (and the unknown listing is the answer).
    with client.websocket_connect(path, headers={"origin": "http://testserver"}) as ws:
        assert ws.receive_json()["error"] == "not-found"


def cookie_attributes(response: Any, name: str) -> dict[str, Any]:
    [header] = [h for h in response.headers.get_list("set-cookie") if h.startswith(f"{name}=")]
    value, *attributes = [part.strip() for part in header.split(";")]
    flags: dict[str, Any] = {"value": value.split("=", 1)[1]}
    for attribute in attributes:
        key, _, setting = attribute.partition("=")
        flags[key.lower()] = setting or True
    return flags


def test_signing_in_issues_a_new_session_and_ends_the_planted_one(
    client: TestClient, world: World
) -> None:
    # An attacker signs in, and plants their session cookie in the victim's browser.
    client.post("/login", data={"username": "bidder", "password": PASSWORD})
    planted = client.cookies.get("prex_session")
    assert planted
    signed_in = client.post(
        "/login", data={"username": "agency", "password": PASSWORD}, follow_redirects=False
    )
    flags = cookie_attributes(signed_in, "prex_session")
    assert flags["value"] != planted
    assert flags["httponly"] is True and flags["samesite"].lower() == "lax"
    assert flags["path"] == "/" and "secure" not in flags and "domain" not in flags
    # The planted session no longer authenticates anybody.
    with TestClient(create_app(world.services)) as attacker:
        attacker.cookies.set("prex_session", planted)
        assert attacker.get("/workbench", follow_redirects=False).status_code == 303
        assert attacker.get("/api/v1/me").status_code == 401
    # A made-up value planted before sign-in is simply replaced.
    client.cookies.clear()
    client.cookies.set("prex_session", "chosen-by-the-attacker")
    again = client.post(
        "/login", data={"username": "agency", "password": PASSWORD}, follow_redirects=False
    )
    assert cookie_attributes(again, "prex_session")["value"] != "chosen-by-the-attacker"


def test_signing_out_revokes_the_session_on_the_server(client: TestClient, world: World) -> None:
    client.post("/login", data={"username": "agency", "password": PASSWORD})
    secret = str(client.cookies.get("prex_session"))
    out = client.post("/logout", follow_redirects=False)
    assert cookie_attributes(out, "prex_session")["max-age"] == "0"
    with TestClient(create_app(world.services)) as replay:
        replay.cookies.set("prex_session", secret)
        assert replay.get("/api/v1/me").status_code == 401


def test_over_tls_the_cookie_is_secure_and_host_prefixed(world: World) -> None:
    with TestClient(create_app(world.services), base_url="https://testserver") as client:
        signed_in = client.post(
            "/login", data={"username": "agency", "password": PASSWORD}, follow_redirects=False
        )
        flags = cookie_attributes(signed_in, "__Host-prex_session")
        assert flags["secure"] is True and flags["path"] == "/" and "domain" not in flags
        assert flags["httponly"] is True and flags["samesite"].lower() == "lax"
        assert client.get("/workbench", follow_redirects=False).status_code == 200
        assert client.get("/api/v1/me").json()["user_id"] == world.users["agency"]
        out = client.post("/logout", follow_redirects=False)
        assert cookie_attributes(out, "__Host-prex_session")["max-age"] == "0"
        assert client.get("/workbench", follow_redirects=False).status_code == 303
