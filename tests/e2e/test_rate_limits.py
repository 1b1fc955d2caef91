"""Every entry of the expensive-endpoint table is limited per caller (prex.web.ratelimits)."""

from __future__ import annotations

import dataclasses
import re

import pytest
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient

from prex.bootstrap import Services
from prex.config import get_settings
from prex.shared.ratelimit import RateLimiter
from prex.web.app import create_app
from prex.web.ratelimits import EXPENSIVE, Budget, budgets
from tests.factories import World, auth


def _paths(client: TestClient) -> dict[str, tuple[str, str]]:
    """operation id → (method, path with its parameters filled)."""
    found: dict[str, tuple[str, str]] = {}
    for context in iter_route_contexts(client.app.routes):  # type: ignore[attr-defined]
        route = context.original_route
        if not isinstance(route, APIRoute):
            continue
        name = f"{route.endpoint.__module__.rsplit('.', 1)[-1]}_{route.endpoint.__name__}"
        if name in EXPENSIVE:
            found[name] = (
                sorted(route.methods or {"GET"})[0],
                re.sub(r"\{[^}]+\}", "01NOSUCHTHING", str(context.path)),
            )
    return found


def _frozen(client: TestClient, table: dict[str, Budget] | None = None) -> None:
    """The table's budgets (the suite's settings lift them), and time standing still for the
    buckets: nothing refills during the test."""
    state = client.app.state  # type: ignore[attr-defined]
    state.expensive_budgets = dict(EXPENSIVE) if table is None else table
    state.expensive_limiter = RateLimiter(clock=lambda: 1000.0)


def test_the_call_past_each_budget_is_refused_with_retry_after(client: TestClient) -> None:
    _frozen(client)
    paths = _paths(client)
    assert sorted(paths) == sorted(EXPENSIVE), "a table entry names no route"
    for name, budget in EXPENSIVE.items():
        method, path = paths[name]
        statuses = [client.request(method, path).status_code for _ in range(budget.burst)]
        assert 429 not in statuses, name
        refused = client.request(method, path)
        assert refused.status_code == 429, name
        assert int(refused.headers["Retry-After"]) >= 1
        if path.startswith("/api/"):
            assert refused.json()["type"] == "/problems/rate-limited"
            assert refused.json()["endpoint"] == name


def test_callers_have_their_own_budgets(
    world: World, client: TestClient, services: Services
) -> None:
    _frozen(client)
    burst = EXPENSIVE["feed_feed"].burst
    for _ in range(burst):
        client.get("/api/v1/feed")
    assert client.get("/api/v1/feed").status_code == 429  # the anonymous address
    assert client.get("/api/v1/feed", headers=auth(services, "bidder")).status_code == 200
    assert client.get("/api/v1/tenders").status_code == 200  # another endpoint, another budget


def test_the_setting_overrides_a_budget_and_refuses_nonsense(
    services: Services,
) -> None:
    assert budgets({"feed_feed": "6/2"})["feed_feed"].burst == 2
    with pytest.raises(ValueError, match="unknown endpoints"):
        budgets({"no_such_endpoint": "1/1"})
    with pytest.raises(ValueError, match="feed_feed"):
        budgets({"feed_feed": "many"})
    settings = get_settings(
        environment="test",
        database_url=services.settings.database_url,
        data_dir=services.settings.data_dir,
        rate_limits={"feed_feed": "60/1"},
    )
    with TestClient(create_app(dataclasses.replace(services, settings=settings))) as c:
        assert c.app.state.expensive_budgets["feed_feed"] == Budget(60, 1)  # type: ignore[attr-defined]
        _frozen(c, c.app.state.expensive_budgets)  # type: ignore[attr-defined]
        assert c.get("/api/v1/feed").status_code == 200
        assert c.get("/api/v1/feed").status_code == 429
