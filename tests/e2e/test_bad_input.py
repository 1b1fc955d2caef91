"""Bad input gets a clear 4xx problem document and changes nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from prex.bootstrap import Services
from tests.factories import World, auth, project_body, tender_body, uscc_for


def _state(services: Services) -> tuple[int, int, int]:
    """Audit entries, tenders and stored blob files: all must stay as they were."""
    with services.read_session() as session:
        entries = session.execute(text("SELECT count(*) FROM audit_log")).scalar_one()
        tenders = session.execute(text("SELECT count(*) FROM tenders")).scalar_one()
    blobs = services.settings.blob_dir
    files = sum(1 for p in blobs.rglob("*") if p.is_file()) if blobs.exists() else 0
    return int(entries), int(tenders), files


@pytest.fixture
def draft_id(client: TestClient, world: World, services: Services) -> str:
    headers = auth(services, "agency")
    project = client.post("/api/v1/projects", json=project_body(world), headers=headers).json()
    created = client.post(
        "/api/v1/tenders", json=tender_body(project["id"], services), headers=headers
    )
    return str(created.json()["id"])


def _json(client: TestClient, path: str, body: Any, headers: dict[str, str]) -> Any:
    return client.post(path, json=body, headers=headers)


CASES: dict[str, tuple[int, str, Callable[..., Any]]] = {
    "malformed JSON": (
        400,
        "malformed-json",
        lambda c, w, s, d, h: c.post(
            "/api/v1/projects",
            content=b'{"name": "x",',
            headers={**h["agency"], "content-type": "application/json"},
        ),
    ),
    "a float amount": (
        422,
        "invalid-input",
        lambda c, w, s, d, h: _json(
            c, "/api/v1/projects", project_body(w, budget=1.1), h["agency"]
        ),
    ),
    "a string where a number belongs": (
        422,
        "invalid-input",
        lambda c, w, s, d, h: _json(
            c,
            "/api/v1/tenders",
            tender_body(
                "0" * 26, s, sections=[{"name": "x", "budget": "1.00", "duration_days": "forever"}]
            ),
            h["agency"],
        ),
    ),
    "three decimals of yuan": (
        422,
        "invalid-input",
        lambda c, w, s, d, h: _json(
            c, "/api/v1/projects", project_body(w, budget="1.001"), h["agency"]
        ),
    ),
    "a deadline without a UTC offset": (
        422,
        "invalid-input",
        lambda c, w, s, d, h: c.patch(
            f"/api/v1/tenders/{d}",
            json={"bid_deadline": "2026-12-01T09:00:00"},
            headers=h["agency"],
        ),
    ),
    "an unknown field": (
        422,
        "invalid-input",
        lambda c, w, s, d, h: _json(
            c, "/api/v1/projects", {**project_body(w), "owner": "me"}, h["agency"]
        ),
    ),
    "an invalid credit code": (
        422,
        "invalid-input",
        lambda c, w, s, d, h: _json(
            c,
            "/api/v1/organisations",
            {
                "uscc": uscc_for("330100", 999)[:-1] + "0"
                if not uscc_for("330100", 999).endswith("0")
                else uscc_for("330100", 999)[:-1] + "1",
                "name": "假公司",
                "centre_id": w.centre_id,
                "kinds": ["bidder"],
            },
            h["admin"],
        ),
    ),
    "a credit code with a forbidden letter": (
        422,
        "invalid-input",
        lambda c, w, s, d, h: _json(
            c,
            "/api/v1/organisations",
            {
                "uscc": "91330100MA2O0000X1",
                "name": "假公司",
                "centre_id": w.centre_id,
                "kinds": ["bidder"],
            },
            h["admin"],
        ),
    ),
    "an oversized document": (
        413,
        "too-large",
        lambda c, w, s, d, h: c.post(
            f"/api/v1/tenders/{d}/documents",
            headers=h["agency"],
            files={"file": ("big.pdf", b"x" * (1024 * 1024 + 1), "application/pdf")},
        ),
    ),
    "an empty document": (
        422,
        "invalid-input",
        lambda c, w, s, d, h: c.post(
            f"/api/v1/tenders/{d}/documents",
            headers=h["agency"],
            files={"file": ("empty.pdf", b"", "application/pdf")},
        ),
    ),
    "a path-traversal file name": (
        422,
        "invalid-input",
        lambda c, w, s, d, h: c.post(
            f"/api/v1/tenders/{d}/documents",
            headers=h["agency"],
            files={"file": ("../../etc/passwd", b"root:x:0:0", "text/plain")},
        ),
    ),
    "a hidden file name": (
        422,
        "invalid-input",
        lambda c, w, s, d, h: c.post(
            f"/api/v1/tenders/{d}/documents",
            headers=h["agency"],
            files={"file": (".bashrc", b"rm -rf /", "text/plain")},
        ),
    ),
    "an unknown status filter": (
        422,
        "invalid-input",
        lambda c, w, s, d, h: c.get("/api/v1/tenders?status=secret"),
    ),
    "a forged cursor": (
        422,
        "invalid-input",
        lambda c, w, s, d, h: c.get("/api/v1/tenders?cursor=bm90LWEtY3Vyc29y"),
    ),
    "a malformed region": (
        422,
        "invalid-input",
        lambda c, w, s, d, h: c.get("/api/v1/tenders?region=../"),
    ),
    "an unknown tender": (
        404,
        "not-found",
        lambda c, w, s, d, h: c.post(
            "/api/v1/tenders/01ARZ3NDEKTSV4RRFFQ69G5FAV/publish", headers=h["agency"]
        ),
    ),
    "a bad token": (
        401,
        "unauthenticated",
        lambda c, w, s, d, h: c.get("/api/v1/me", headers={"Authorization": "Bearer not-a-token"}),
    ),
    "a wrong password": (
        401,
        "unauthenticated",
        lambda c, w, s, d, h: _json(
            c, "/api/v1/session", {"username": "agency", "password": "wrong-password"}, {}
        ),
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_input_is_refused_with_a_problem_and_changes_nothing(
    client: TestClient, world: World, services: Services, draft_id: str, case: str
) -> None:
    status, slug, send = CASES[case]
    headers = {"agency": auth(services, "agency"), "admin": auth(services, "admin")}
    before = _state(services)
    response = send(client, world, services, draft_id, headers)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["type"] == f"/problems/{slug}" and problem["status"] == status
    assert problem["detail"]
    after = _state(services)
    if case == "a wrong password":
        assert after[1:] == before[1:]  # the refusal itself is audited (SignInRefused)
        assert after[0] == before[0] + 1
    else:
        assert after == before


def test_html_in_a_title_is_stored_and_returned_verbatim_as_data(
    client: TestClient, world: World, services: Services
) -> None:
    hostile = '<script>alert(1)</script>"><img src=x onerror=alert(1)>'
    headers = auth(services, "agency")
    project = client.post("/api/v1/projects", json=project_body(world), headers=headers).json()
    created = client.post(
        "/api/v1/tenders", json=tender_body(project["id"], services, title=hostile), headers=headers
    )
    assert created.status_code == 201
    assert created.json()["title"] == hostile
    assert created.headers["content-type"] == "application/json"
