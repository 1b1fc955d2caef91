"""Budgets of the expensive endpoints, per caller: the one table and the gate that spends them.

An endpoint is named by its operation id (``<module>_<function>``, as in the OpenAPI document
and the SDK; page routes are named the same way). :data:`EXPENSIVE` gives each expensive one a
token bucket — ``per_minute`` refill and ``burst`` at once — *per caller*: a machine client by
its client id, a signed-in user by user id, the anonymous public by address. The setting
``rate_limits`` (``{"<operation id>": "<per minute>/<burst>"}``) overrides entries; a name not
in the table, or a malformed budget, stops the app at start.

The call past the budget is answered 429 ``/problems/rate-limited`` with ``Retry-After``.
Buckets live in each web process's memory (:class:`prex.shared.ratelimit.RateLimiter`): these
limits protect a process and its database from one caller's loop, and a database write per
read would cost what they save; with N processes a caller gets at most N times the budget.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from starlette.requests import HTTPConnection, Request

from prex.bootstrap import Services
from prex.shared.errors import DomainError
from prex.shared.ratelimit import RateLimiter
from prex.web.deps import client_address, get_actor


@dataclass(frozen=True)
class Budget:
    per_minute: float
    burst: int

    @classmethod
    def parse(cls, name: str, text: str) -> Budget:
        try:
            rate, burst = text.split("/")
            budget = cls(float(rate), int(burst))
        except ValueError:
            budget = cls(0, 0)
        if budget.per_minute <= 0 or budget.burst < 1:
            raise ValueError(
                f"rate_limits[{name!r}] is '<per minute>/<burst>' with both positive, not {text!r}"
            )
        return budget


# operation id → budget per caller. Searches and lists over the whole exchange, dataset
# exports (OCDS, the feed), analytics, PDF rendering, archive downloads, the opening hall's poll,
# certificate sign-in challenges.
EXPENSIVE: dict[str, Budget] = {
    "tenders_list_tenders": Budget(60, 20),  # full-text search of announcements
    "federation_search_records": Budget(30, 10),  # search across federated platforms
    "ocds_list_releases": Budget(30, 10),  # OCDS bulk export, paged
    "feed_feed": Budget(60, 20),  # the public change feed
    "credit_list_public": Budget(30, 10),
    "analytics_get_dashboard": Budget(20, 5),  # aggregate queries over all transactions
    "analytics_analytics_page": Budget(20, 5),  # the same, as a page
    "award_read_report_pdf": Budget(10, 3),  # renders a PDF
    "award_read_published_report_pdf": Budget(10, 3),
    "archives_download_archive": Budget(6, 2),  # streams a whole transaction archive
    "opening_opening_state": Budget(120, 30),  # polled by everyone in the opening hall
    # certificate sign-in challenges: each is a stored nonce, so none may be minted unbounded
    "pki_new_challenge": Budget(10, 10),
    "certificates_login_challenge": Budget(10, 10),
    "certificates_bind_challenge": Budget(10, 10),
}


class RateLimited(DomainError):
    """A caller spent its budget of an expensive endpoint (429 with ``Retry-After``)."""

    slug = "rate-limited"
    status = 429

    def __init__(self, endpoint: str, retry_after: int) -> None:
        super().__init__(
            f"too many calls of {endpoint}; retry after {retry_after} s",
            endpoint=endpoint,
            retry_after=retry_after,
        )


def budgets(overrides: Mapping[str, str]) -> dict[str, Budget]:
    """The table with the setting's overrides applied (errors name the bad entry)."""
    unknown = sorted(set(overrides) - set(EXPENSIVE))
    if unknown:
        raise ValueError(
            f"rate_limits names unknown endpoints {unknown}; known: {sorted(EXPENSIVE)}"
        )
    return {**EXPENSIVE, **{k: Budget.parse(k, v) for k, v in overrides.items()}}


def endpoint_name(request: Request) -> str | None:
    route = request.scope.get("route")
    endpoint = getattr(route, "endpoint", None)
    if endpoint is None:
        return None
    return f"{endpoint.__module__.rsplit('.', 1)[-1]}_{endpoint.__name__}"


def caller_key(request: Request, services: Services) -> str:
    actor = get_actor(request, services)
    if actor.client_id is not None:
        return f"client:{actor.client_id}"
    if actor.user_id is not None:
        return f"user:{actor.user_id}"
    return f"address:{client_address(request) or '-'}"


def expensive_gate(request: HTTPConnection) -> None:
    """Spend one call of the route's budget for this caller (a no-op off the table and for
    WebSockets, whose live views push rather than being polled)."""
    if not isinstance(request, Request):
        return
    name = endpoint_name(request)
    table: dict[str, Budget] = request.app.state.expensive_budgets
    budget = table.get(name or "")
    if budget is None or name is None:
        return
    services: Services = request.app.state.services
    limiter: RateLimiter = request.app.state.expensive_limiter
    wait = limiter.retry_after(
        f"{name}|{caller_key(request, services)}", budget.per_minute, budget.burst
    )
    if wait:
        raise RateLimited(name, wait)
