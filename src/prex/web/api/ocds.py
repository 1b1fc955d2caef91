"""HTTP API of prex's own OCDS data: public, anonymous, read-only.

``GET /ocds/releases`` pages every release in publication order (a release package with
``links.next``); ``GET /ocds/releases/{id}`` is one release in a package; ``GET /ocds/records/
{ocid}`` is the record package of one contracting process, its releases and compiled release.

Only this centre's own data, unless ``?source=CODE`` names a federation source: then that
source's releases (in the order they arrived here) and records, as it published them.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from prex.exchange.federation import queries as federated
from prex.exchange.releases import packages, store
from prex.identity.policy import Action
from prex.web.deps import ServicesDep, acts

router = APIRouter(prefix="/ocds", tags=["ocds"])


class Publisher(BaseModel):
    name: str
    uid: str
    uri: str


class Links(BaseModel):
    next: str | None = Field(default=None, description="the next page; absent on the last one")


class PackageMeta(BaseModel):
    """The metadata of every OCDS 1.1 package prex publishes."""

    model_config = ConfigDict(extra="allow")

    uri: str
    version: str = Field(description='always "1.1"')
    publishedDate: str  # OCDS field names are camelCase
    publisher: Publisher
    license: str
    extensions: list[str] = Field(description="the bids and lots extensions, v1.1.5")


class ReleasePackage(PackageMeta):
    releases: list[dict[str, Any]] = Field(description="OCDS 1.1 releases, bids and lots")
    links: Links | None = None


class Record(BaseModel):
    ocid: str
    releases: list[dict[str, Any]]
    compiledRelease: dict[str, Any]


class RecordPackage(PackageMeta):
    records: list[Record]


SOURCE = "a federation source's code: its data instead of this centre's own"


def _federated(services: ServicesDep, source: str | None) -> bool:
    """Whether ``source`` names another centre (this centre's own code means its own data)."""
    return bool(source) and source != services.settings.platform_code


def _json(body: dict[str, Any]) -> JSONResponse:
    return JSONResponse(body, media_type="application/json")


@router.get("/releases", response_model=ReleasePackage, openapi_extra=acts(Action.PUBLIC_READ))
def list_releases(
    request: Request,
    services: ServicesDep,
    cursor: Annotated[str | None, Query(max_length=40)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    source: Annotated[str | None, Query(max_length=32, description=SOURCE)] = None,
) -> JSONResponse:
    """Every release in publication order, ``limit`` at a time; follow ``links.next``."""
    with services.read_connection() as conn:
        if _federated(services, source):
            assert source is not None
            page = federated.release_page(conn, source, cursor, limit)
        else:
            page = store.page(conn, cursor, limit)
    body = packages.release_package(
        services.settings, str(request.url), page.releases, services.clock.now()
    )
    if page.next_cursor is not None:
        body["links"] = {
            "next": str(request.url.include_query_params(cursor=page.next_cursor, limit=limit))
        }
    return _json(body)


@router.get(
    "/releases/{release_id}",
    response_model=ReleasePackage,
    openapi_extra=acts(Action.PUBLIC_READ),
)
def get_release(request: Request, release_id: str, services: ServicesDep) -> JSONResponse:
    """One release, in a release package of its own."""
    with services.read_connection() as conn:
        found = store.release(conn, release_id)
    return _json(
        packages.release_package(services.settings, str(request.url), [found], services.clock.now())
    )


@router.get("/records/{ocid}", response_model=RecordPackage, openapi_extra=acts(Action.PUBLIC_READ))
def get_record(
    request: Request,
    ocid: str,
    services: ServicesDep,
    source: Annotated[str | None, Query(max_length=32, description=SOURCE)] = None,
) -> JSONResponse:
    """The record of one contracting process: its releases and the compiled release."""
    with services.read_connection() as conn:
        if _federated(services, source):
            assert source is not None
            found = federated.record(conn, source, ocid)
        else:
            found = store.record(conn, ocid)
    return _json(
        packages.record_package(services.settings, str(request.url), [found], services.clock.now())
    )
