"""``/healthz`` (the process answers), ``/readyz`` (it can serve: database, migrations, blob
store, platform keys) and ``/metrics`` (Prometheus, not public).

A load balancer takes a process out of rotation on a failing ``/readyz`` and an orchestrator
restarts one on a failing ``/healthz``; the two must differ, or a database outage would make it
restart every healthy process.
"""

from __future__ import annotations

import concurrent.futures
import functools
import os
import tempfile
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy import text

from prex import __version__
from prex.bootstrap import Services
from prex.identity.policy import Action
from prex.ops.metrics import metrics_allowed, render
from prex.web.deps import acts

router = APIRouter(include_in_schema=False)
READY_TIMEOUT = 2.0
_pool = concurrent.futures.ThreadPoolExecutor(max_workers=4, thread_name_prefix="prex-readyz")


def _services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


@router.get("/healthz", openapi_extra=acts(Action.PUBLIC_READ))
def healthz() -> dict[str, str]:
    return {"status": "ok", "version": __version__}


@functools.cache
def _head_revision() -> str:
    from alembic.script import ScriptDirectory

    from prex.db.migrate import alembic_config

    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    assert head is not None
    return head


def _check_database(services: Services) -> str | None:
    with services.engines.reader.connect() as conn:
        current = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    head = _head_revision()
    if current != head:
        return f"migrations not at head (database {current}, code {head}): run prex db upgrade"
    return None


def _check_blobs(services: Services) -> str | None:
    folder = services.blobs.spool_dir
    fd, name = tempfile.mkstemp(dir=folder, suffix=".readyz")
    try:
        os.write(fd, b"ok")
        os.fsync(fd)
    finally:
        os.close(fd)
        os.unlink(name)
    return None


def _check_keys(services: Services) -> str | None:
    from prex.pki.keys import PrivateKey

    directory = services.settings.resolved_key_dir
    if not (directory / "tsa.pem").exists():
        return None  # created on first use (a new installation): nothing to load yet
    for name in ("tsa.key", "signing.key", "opening-escrow.key"):
        path = directory / name
        if path.exists():
            PrivateKey.load(path.read_bytes())
    return None


def _run(check: Any, services: Services) -> str | None:
    future = _pool.submit(check, services)
    try:
        result: str | None = future.result(timeout=READY_TIMEOUT)
        return result
    except concurrent.futures.TimeoutError:
        return f"no answer within {READY_TIMEOUT:g} s"
    except Exception as exc:  # a failing dependency is the answer, not an error
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        return f"{type(exc).__name__}: {first[:200]}"


@router.get("/readyz", openapi_extra=acts(Action.PUBLIC_READ))
def readyz(request: Request) -> JSONResponse:
    services = _services(request)
    checks = {
        "database": _run(_check_database, services),
        "blobs": _run(_check_blobs, services),
        "keys": _run(_check_keys, services),
    }
    failed = {name: reason for name, reason in checks.items() if reason}
    body: dict[str, Any] = {
        "status": "ready" if not failed else "unavailable",
        "checks": {name: (reason or "ok") for name, reason in checks.items()},
    }
    if failed:
        body["failed"] = sorted(failed)
    return JSONResponse(body, status_code=503 if failed else 200)


@router.get("/metrics", openapi_extra=acts(Action.METRICS_READ))
def metrics(request: Request) -> Response:
    settings = _services(request).settings
    address = request.client.host if request.client else None
    if not metrics_allowed(
        address,
        request.headers.get("authorization"),
        settings.metrics_allow,
        settings.metrics_token,
    ):
        return JSONResponse(
            {
                "type": "/problems/forbidden",
                "title": "Forbidden",
                "status": 403,
                "detail": "metrics are served to the configured addresses or bearer token only",
            },
            status_code=403,
            media_type="application/problem+json",
        )
    body, content_type = render(_services(request))
    return Response(body, media_type=content_type)
