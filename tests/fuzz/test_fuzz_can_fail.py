"""The CI profile can fail: the same machinery, run against a fresh app with planted bugs —
an unhandled exception, a body that breaks its documented schema, a 4xx that is not a problem
document — names each planted operation; and the user-name bug it found stays fixed."""

from __future__ import annotations

from fastapi.responses import JSONResponse
from fastapi.testclient import TestClient
from pydantic import BaseModel
from sqlalchemy import select

from prex.bootstrap import Services
from prex.identity.orm import organisations
from prex.web.app import API_PREFIX, create_app
from prex.web.errors import PROBLEM
from prex.web.openapi_problems import PROBLEM_SCHEMA, PROBLEM_STATUSES
from tests.factories import World, auth, chain_of
from tests.fuzz.profile import CALLERS, Target, retarget, run_operation
from tests.fuzz.shards import ALL_OPERATIONS, CI_EXAMPLES

PROBLEM_REF = {"$ref": "#/components/schemas/ProblemDocument"}


class Planted(BaseModel):
    count: int


def boom() -> Planted:
    raise RuntimeError("planted: an unhandled exception in a handler")


def wrong_shape() -> JSONResponse:
    return JSONResponse({"count": "not a number"})  # documented as Planted: count is an int


def bare_error() -> JSONResponse:
    return JSONResponse({"error": "gone"}, status_code=404)  # not a problem document


def planted_app(target: Target) -> Target:
    app = create_app(target.services)
    for handler in (boom, wrong_shape, bare_error):
        app.add_api_route(
            f"{API_PREFIX}/planted/{handler.__name__}",
            handler,
            methods=["GET"],
            response_model=None if handler is not boom else Planted,
            responses={200: {"model": Planted}},
        )
    return retarget(target, app)


def test_the_profile_fails_naming_each_planted_bug(fuzz_target: Target) -> None:
    planted = planted_app(fuzz_target)
    prefix = "test_fuzz_can_fail_"
    assert {f"{prefix}boom", f"{prefix}wrong_shape", f"{prefix}bare_error"} <= set(
        planted.operations()
    )
    checks: dict[str, set[str]] = {}
    for name in ("boom", "wrong_shape", "bare_error"):
        outcome = run_operation(planted, f"{prefix}{name}", examples=CI_EXAMPLES)
        assert {f.caller for f in outcome.findings} == set(CALLERS), outcome.findings
        assert {f.operation for f in outcome.findings} == {f"{prefix}{name}"}
        checks[name] = {f.check for f in outcome.findings}
    assert checks["boom"] == {"Server error (unhandled exception)"}
    assert "Response violates schema" in checks["wrong_shape"]
    assert "problem_document" in checks["bare_error"]
    # ... while the real operations of the same app pass (the bugs are the planted ones).
    assert run_operation(planted, "system_health", examples=CI_EXAMPLES).findings == []


def test_the_ci_profile_covers_every_operation_of_the_live_schema(fuzz_target: Target) -> None:
    assert set(fuzz_target.operations()) == set(ALL_OPERATIONS)
    assert set(fuzz_target.callers) == set(CALLERS)


def test_a_taken_user_name_is_a_conflict(
    client: TestClient, services: Services, world: World
) -> None:
    """Found by the fuzz profile: a second user of the same name was an IntegrityError (500)."""
    body = {
        "username": "bidder",
        "password": "x" * 12,
        "display_name": "又一个",
        "roles": ["bidder"],
    }
    response = client.post("/api/v1/users", json=body, headers=auth(services, "admin"))
    assert response.status_code == 409, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == "/problems/conflict"
    assert "bidder" in response.json()["detail"]


def test_a_taken_division_or_credit_code_is_a_conflict(
    client: TestClient, services: Services, world: World
) -> None:
    """Found by the fuzz profile: a second centre of a division (or organisation of a credit
    code) broke the unique index at the insert, before the commit that translated it (500)."""
    admin = auth(services, "admin")
    centre = {"name": "某中心", "division_code": "330000", "platform_code": "PREX0"}
    with services.read_session() as session:
        uscc = session.execute(select(organisations.c.uscc)).scalars().first()
    org = {"uscc": uscc, "name": "又一家", "centre_id": world.centre_id, "kinds": ["bidder"]}
    for path, body, words in (("centres", centre, "330000"), ("organisations", org, uscc)):
        response = client.post(f"{API_PREFIX}/{path}", json=body, headers=admin)
        assert response.status_code == 409, response.text
        assert response.headers["content-type"] == PROBLEM
        assert response.json()["type"] == "/problems/conflict"
        assert words in response.json()["detail"]
    assert chain_of(services).ok


def test_every_operation_documents_its_problem_documents(fuzz_target: Target) -> None:
    spec = fuzz_target.app.openapi()
    assert "HTTPValidationError" not in spec["components"]["schemas"]  # never answered
    assert spec["components"]["schemas"]["ProblemDocument"] == PROBLEM_SCHEMA
    for item in spec["paths"].values():
        for operation in item.values():
            for status in PROBLEM_STATUSES:
                content = operation["responses"][str(status)]["content"]
                if operation["operationId"] == "integrations_token" and status in (400, 401):
                    assert content["application/json"]["schema"]["$ref"].endswith("/OAuthError")
                else:
                    assert content == {PROBLEM: {"schema": PROBLEM_REF}}, operation["operationId"]


def test_nul_characters_are_invalid_input_not_a_database_error(
    client: TestClient, services: Services, world: World
) -> None:
    """Found by the fuzz profile on PostgreSQL: text with U+0000 reached the database (500)."""
    admin = auth(services, "admin")
    body = {"username": "nul", "password": "x" * 12, "display_name": "a\x00b", "roles": ["bidder"]}
    for response in (
        client.post("/api/v1/users", json=body, headers=admin),
        client.get("/api/v1/ocds/search", params={"source": "a\x00b"}),
        client.post("/api/v1/oauth/token", data={"grant_type": "client_credentials\x00"}),
    ):
        assert response.status_code == 422, response.text
        assert response.headers["content-type"] == "application/problem+json"
        assert "NUL" in response.json()["detail"]
    # the same request without the NUL passes the guard
    assert client.get("/api/v1/ocds/search", params={"source": "a b"}).status_code == 200


def test_a_centre_under_an_unknown_parent_is_not_found(
    client: TestClient, services: Services, world: World
) -> None:
    """Found by the fuzz profile: an unknown parent_id broke the foreign key (500)."""
    body = {
        "name": "某市中心",
        "division_code": "330200",
        "parent_id": "01ARZ3NDEKTSV4RRFFQ69G5FAV",
        "platform_code": "PREX3302",
    }
    response = client.post("/api/v1/centres", json=body, headers=auth(services, "admin"))
    assert response.status_code == 404, response.text
    assert response.json()["type"] == "/problems/not-found"
