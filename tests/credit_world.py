"""Credit records for tests: a supervisor records them over the real API.

The test clock starts at 2026-03-02 01:00 UTC, 09:00 in Beijing; a blacklist ``until`` that day
ends at 2026-03-02 16:00 UTC — still 2 March in UTC, already 3 March in China."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi.testclient import TestClient

from prex.bootstrap import Services
from tests.factories import auth

TODAY = "2026-03-02"  # the test clock's local date
LAST_SECOND = datetime(2026, 3, 2, 15, 59, 59, tzinfo=UTC)  # 23:59:59 in Beijing on TODAY
NEXT_DAY = datetime(2026, 3, 2, 16, 0, 0, tzinfo=UTC)  # 00:00 in Beijing the day after
BASIS = "《招标投标法实施条例》第六十七条；浙公管〔2026〕7号处理决定"


def record(
    client: TestClient, services: Services, *, user: str = "supervisor", **body: Any
) -> dict[str, Any]:
    """A credit record made by ``user`` over the API; asserts it was made."""
    payload = {
        "kind": "blacklist",
        "basis": BASIS,
        "facts": "串通投标，情节严重",
        "valid_from": TODAY,
        "valid_until": TODAY,
        **body,
    }
    response = client.post("/api/v1/credit/records", json=payload, headers=auth(services, user))
    assert response.status_code == 201, response.text
    return dict(response.json())


def assert_refused_quoting(response: Any, made: dict[str, Any]) -> None:
    """A 403 problem document of type credit-blacklisted quoting the record: id, basis, period."""
    assert response.status_code == 403, response.text
    problem = response.json()
    assert response.headers["content-type"].startswith("application/problem+json")
    assert problem["type"] == "/problems/credit-blacklisted"
    assert problem["record"]["id"] == made["id"] == problem["record_id"]
    assert problem["record"]["basis"] == made["basis"]
    assert problem["record"]["valid_from"] == made["valid_from"]
    assert problem["record"]["valid_until"] == made["valid_until"]
    assert made["id"] in problem["detail"] and made["valid_until"] in problem["detail"]
