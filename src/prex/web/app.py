"""``create_app(services)``: the FastAPI application (API under /api/v1, portal pages, static)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import resources

import anyio.to_thread
from fastapi import APIRouter, Depends, FastAPI
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles

from prex import __version__
from prex.bootstrap import Services
from prex.integrations.model import RateLimiter
from prex.ops import health
from prex.ops.requests import RequestContextMiddleware
from prex.web import errors, openapi_problems
from prex.web.api import analytics as analytics_api
from prex.web.api import archives as archives_api
from prex.web.api import auction_bids as auction_bids_api
from prex.web.api import auction_live as auction_live_api
from prex.web.api import award as award_api
from prex.web.api import bidding as bidding_api
from prex.web.api import committee as committee_api
from prex.web.api import complaints as complaints_api
from prex.web.api import credit as credit_api
from prex.web.api import evaluation as evaluation_api
from prex.web.api import experts as experts_api
from prex.web.api import federation as federation_api
from prex.web.api import feed as feed_api
from prex.web.api import guarantees as guarantees_api
from prex.web.api import identity as identity_api
from prex.web.api import integrations as integrations_api
from prex.web.api import listings as listings_api
from prex.web.api import ocds as ocds_api
from prex.web.api import opening as opening_api
from prex.web.api import pki as pki_api
from prex.web.api import quality as quality_api
from prex.web.api import supervision as supervision_api
from prex.web.api import system as system_api
from prex.web.api import tenders as tenders_api
from prex.web.api import upstream as upstream_api
from prex.web.api import venues as venues_api
from prex.web.api import webhooks as webhooks_api
from prex.web.api_docs import docs_page
from prex.web.machine import machine_gate
from prex.web.nul_guard import refuse_nul
from prex.web.pages import routes as pages
from prex.web.ratelimits import budgets, expensive_gate
from prex.web.security import WebSecurity

API_PREFIX = "/api/v1"


def operation_id(route: APIRoute) -> str:
    """A route's OpenAPI ``operationId``: ``<module>_<function>``, e.g. ``tenders_list_tenders``
    for ``prex.web.api.tenders.list_tenders``. The Python SDK's method names are these ids, so
    they must not move when a path does (FastAPI's default appends the path and method);
    the module keeps two modules' ``create`` or ``upload_document`` apart."""
    module = route.endpoint.__module__.rsplit(".", 1)[-1]
    return f"{module}_{route.endpoint.__name__}"


def create_app(services: Services) -> FastAPI:
    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # Blocking handlers share this many threads per process: beyond a few, threads only
        # queue for the GIL (and SQLAlchemy's pool), which costs CPU and tail latency.
        limiter = anyio.to_thread.current_default_thread_limiter()
        limiter.total_tokens = services.settings.web_threads
        yield

    app = FastAPI(
        lifespan=lifespan,
        title="prex",
        version=__version__,
        summary="Public resource exchange platform (公共资源交易平台) API",
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=None,  # served from vendored files below (web/api_docs.py)
        redoc_url=None,
        swagger_ui_oauth2_redirect_url=None,
        generate_unique_id_function=operation_id,
    )
    app.state.services = services
    app.state.rate_limiter = RateLimiter()  # machine clients' budgets, in this process
    # Expensive endpoints' budgets per caller, in this process (prex.web.ratelimits)
    app.state.expensive_budgets = budgets(services.settings.rate_limits)
    app.state.expensive_limiter = RateLimiter()
    errors.install(app)
    openapi_problems.install(app, API_PREFIX)
    # Every API call passes the machine-client gate (a no-op for users and the public).
    # NUL characters are refused first: no text field holds one (web/nul_guard.py).
    api = APIRouter(
        prefix=API_PREFIX,
        dependencies=[Depends(refuse_nul), Depends(machine_gate), Depends(expensive_gate)],
    )
    api.include_router(system_api.router)
    api.include_router(identity_api.router)
    api.include_router(tenders_api.router)
    api.include_router(pki_api.router)
    api.include_router(bidding_api.router)
    api.include_router(guarantees_api.router)
    api.include_router(opening_api.router)
    api.include_router(committee_api.router)
    api.include_router(venues_api.router)
    api.include_router(evaluation_api.router)
    api.include_router(experts_api.router)
    api.include_router(award_api.router)
    api.include_router(complaints_api.router)
    api.include_router(listings_api.router)
    api.include_router(auction_bids_api.router)
    api.include_router(auction_live_api.router)
    api.include_router(feed_api.router)
    api.include_router(ocds_api.router)
    api.include_router(federation_api.router)
    api.include_router(upstream_api.router)
    api.include_router(quality_api.router)
    api.include_router(analytics_api.router)
    api.include_router(supervision_api.router)
    api.include_router(credit_api.router)
    api.include_router(archives_api.router)
    api.include_router(integrations_api.router)
    api.include_router(webhooks_api.router)
    app.include_router(api)
    app.add_api_route(
        f"{API_PREFIX}/docs",
        docs_page(f"{app.title} API", f"{API_PREFIX}/openapi.json"),
        methods=["GET"],
        include_in_schema=False,
    )
    app.include_router(health.router)
    app.include_router(pages.router, dependencies=[Depends(expensive_gate)])
    static = resources.files("prex.web") / "static"
    app.mount("/static", StaticFiles(directory=str(static)), name="static")
    # Security headers and the cross-site request check on everything, errors included
    # (docs/operations.md, "Web security").
    app.add_middleware(
        WebSecurity,
        trusted_origins=[services.settings.base_url],
    )
    # Outermost: the request id covers every log line and error page of the request.
    app.add_middleware(RequestContextMiddleware)
    return app
