"""The outermost ASGI middleware: a request id for every request, one access log line, and the
request metrics by route template (never the raw path, whose ids would make a series each).

An incoming ``X-Request-Id`` made of 8–128 letters, digits, ``-``, ``_``, ``.`` or ``:`` is kept (so
that nginx's ``$request_id`` follows a request through), anything else is replaced by a fresh
one; the id is echoed in the response header, stamped on every log record made meanwhile and put
in problem documents.
"""

from __future__ import annotations

import logging
import re
import secrets
import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from prex.ops.logs import request_id
from prex.ops.metrics import HTTP_LATENCY, HTTP_REQUESTS

access_log = logging.getLogger("prex.access")
_WELL_FORMED = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")


def new_request_id() -> str:
    return secrets.token_hex(12)


def route_template(scope: Scope) -> str:
    """The matched route's template with its router prefixes, e.g.
    ``/api/v1/tenders/{tender_id}/bids``: the request path with each path parameter's segment
    put back as ``{name}`` (routes of included routers carry only their own part)."""
    if scope.get("route") is None:
        return "/static" if scope.get("path", "").startswith("/static/") else "<unmatched>"
    values = {str(v): k for k, v in (scope.get("path_params") or {}).items()}
    segments = str(scope.get("path", "")).split("/")
    return "/".join(f"{{{values[s]}}}" if s in values else s for s in segments)


def _actor_of(scope: Scope) -> str | None:
    actor = (scope.get("state") or {}).get("actor")
    if actor is None:
        return None
    for attribute in ("client_id", "user_id"):
        value = getattr(actor, attribute, None)
        if value:
            return str(value)
    return None


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        incoming = dict(scope.get("headers") or []).get(b"x-request-id", b"").decode("latin-1")
        rid = incoming if _WELL_FORMED.match(incoming) else new_request_id()
        token = request_id.set(rid)
        scope.setdefault("state", {})["request_id"] = rid
        started = time.perf_counter()
        status = 500 if scope["type"] == "http" else 101

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", rid.encode()))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            elapsed = time.perf_counter() - started
            method = scope.get("method", "WS")
            route = route_template(scope)
            HTTP_REQUESTS.labels(method, route, str(status)).inc()
            HTTP_LATENCY.labels(method, route).observe(elapsed)
            client = scope.get("client")
            extra: dict[str, Any] = {
                "request_id": rid,
                "method": method,
                "path": scope.get("path"),
                "route": route,
                "status": status,
                "duration_ms": round(elapsed * 1000, 2),
                "actor": _actor_of(scope),
                "address": client[0] if client else None,
            }
            access_log.info(
                "%s %s %s %.1f ms", method, scope.get("path"), status, elapsed * 1000, extra=extra
            )
            request_id.reset(token)
