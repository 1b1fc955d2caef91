"""One place that turns errors into RFC 9457 problem documents (API) or error pages (web).

Every domain error class has a stable ``slug``; the problem's ``type`` is ``/problems/<slug>``.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import DBAPIError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from prex.ops.logs import request_id
from prex.shared.errors import DomainError
from prex.shared.events import to_jsonable

log = logging.getLogger("prex.web")
PROBLEM = "application/problem+json"

_HTTP_SLUGS = {
    400: "bad-request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    406: "not-acceptable",
    413: "too-large",
    415: "unsupported-media-type",
    422: "invalid-input",
    429: "rate-limited",
}


def problem(
    request: Request, status: int, slug: str, title: str, detail: str, **extra: Any
) -> Response:
    if not request.url.path.startswith("/api/"):
        from prex.web.pages.render import render_error

        return render_error(request, status, title, detail)
    body = {
        "type": f"/problems/{slug}",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
        **({"request_id": rid} if (rid := request_id.get()) else {}),
        **{k: to_jsonable(v) for k, v in extra.items() if v is not None},
    }
    return JSONResponse(body, status_code=status, media_type=PROBLEM)


def _domain_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DomainError)
    reserved = {"type", "title", "status", "detail", "instance"}
    extra = {k if k not in reserved else f"{k}_": v for k, v in exc.context.items()}
    response = problem(request, exc.status, exc.slug, type(exc).__name__, exc.message, **extra)
    retry_after = exc.context.get("retry_after")
    if exc.status == 429 and isinstance(retry_after, int):
        response.headers["Retry-After"] = str(retry_after)
    return response


def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {
            "loc": [str(p) for p in err.get("loc", ())],
            "msg": str(err.get("msg", "")),
            "type": str(err.get("type", "")),
        }
        for err in exc.errors()
    ]
    if any(e["type"] == "json_invalid" for e in errors):
        return problem(
            request,
            400,
            "malformed-json",
            "Malformed JSON",
            "the request body is not valid JSON",
            errors=errors,
        )
    first = errors[0] if errors else {"loc": [], "msg": "invalid request"}
    where = ".".join(p for p in first["loc"] if p not in ("body", "query", "path"))
    return problem(
        request,
        422,
        "invalid-input",
        "Invalid input",
        f"{where}: {first['msg']}" if where else str(first["msg"]),
        errors=errors,
    )


def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    slug = _HTTP_SLUGS.get(exc.status_code, "http-error")
    response = problem(
        request, exc.status_code, slug, slug.replace("-", " ").capitalize(), str(exc.detail)
    )
    if exc.headers:
        response.headers.update(exc.headers)
    return response


def _unexpected(request: Request, exc: Exception) -> Response:
    # exc_info given: Starlette calls this handler outside the except block, where
    # log.exception would find no exception and log "NoneType: None" instead of the traceback.
    log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    response = problem(
        request,
        500,
        "internal-error",
        "Internal error",
        "an unexpected error occurred; it has been logged",
    )
    # Starlette answers an unhandled error outside the middleware stack: add the headers here.
    from prex.web.security import security_headers

    response.headers.update(security_headers(tls=request.url.scheme == "https"))
    return response


DATABASE_RETRY_AFTER = 5  # seconds: a restarted PostgreSQL accepts connections again by then


def database_unavailable(exc: BaseException) -> bool:
    """Whether ``exc`` says the database cannot be reached (down, restarting, the connection
    cut, SQLite's file locked past the busy timeout) rather than that the query is wrong."""
    return isinstance(exc, OperationalError) or (
        isinstance(exc, DBAPIError) and exc.connection_invalidated
    )


def _database_error(request: Request, exc: Exception) -> Response:
    """A database that is down fails the request cleanly — 503 with Retry-After, not a 500
    with a traceback — and the pool reconnects by itself once it is back (pre-ping on the
    writer, an invalidated connection replaced on the reader): prex needs no restart."""
    if not isinstance(exc, DBAPIError) or not database_unavailable(exc):
        return _unexpected(request, exc)
    log.warning("database unavailable on %s %s: %s", request.method, request.url.path, exc.orig)
    response = problem(
        request,
        503,
        "database-unavailable",
        "Database unavailable",
        "the database cannot be reached just now; retry shortly",
    )
    response.headers["Retry-After"] = str(DATABASE_RETRY_AFTER)
    return response


def install(app: FastAPI) -> None:
    app.add_exception_handler(DBAPIError, _database_error)
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
