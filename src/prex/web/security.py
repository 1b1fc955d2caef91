"""Browser-facing protections applied to every HTTP exchange, in one ASGI middleware:

* security headers on every response (pages, API, static files, errors): a Content-Security-
  Policy without inline scripts or styles, no framing, no sniffing, a strict referrer policy,
  and HSTS when the request came over TLS (uvicorn's ``--proxy-headers`` turns a trusted
  proxy's ``X-Forwarded-Proto: https`` into the ``https`` scheme seen here);
* cross-site request forgery refused by the Fetch Metadata + Origin check of Go 1.25's
  ``net/http.CrossOriginProtection`` (docs/decisions/0016-csrf.md): a state-changing request
  that a browser marks as cross-site, or whose ``Origin`` is not this site, is refused before
  any handler runs. Requests with neither header are not from a browser and pass, as do
  requests carrying an ``Authorization`` header (a cross-site form cannot set one);
* the same Origin check on WebSocket handshakes, which browsers make with cookies from any
  page (cross-site WebSocket hijacking).

A pure ASGI middleware rather than ``BaseHTTPMiddleware``: it adds headers to the response
start and passes streamed bodies and WebSockets through untouched.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from prex.web.i18n import N_, translations

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
CSRF_SLUG = "csrf-refused"

# htmx is configured (meta htmx-config in base.html) not to inject its indicator <style> and not
# to evaluate attributes; ECharts styles its canvases through the CSSOM, which CSP allows.
PAGE_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
HSTS = "max-age=31536000; includeSubDomains"
COMMON_HEADERS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "strict-origin-when-cross-origin",
    "cross-origin-opener-policy": "same-origin",
    "permissions-policy": (
        "camera=(), microphone=(), geolocation=(), payment=(), usb=(), "
        "interest-cohort=(), browsing-topics=()"
    ),
}

REFUSED_TITLE = N_("Cross-site request refused")
REFUSED_DETAIL = N_(
    "This request came from another site, so it was not carried out. If you meant to do "
    "this, go back to the page on this site and submit it again."
)


def security_headers(*, tls: bool) -> dict[str, str]:
    """The headers every response carries (HSTS only over TLS)."""
    headers = {"content-security-policy": PAGE_POLICY, **COMMON_HEADERS}
    if tls:
        headers["strict-transport-security"] = HSTS
    return headers


def _origin_host(origin: str) -> str | None:
    """``host[:port]`` of an Origin header or a configured URL; ``None`` for ``null`` or junk."""
    parts = urlsplit(origin.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return parts.netloc.lower()


def cross_origin_refusal(headers: Headers, trusted: frozenset[str]) -> str | None:
    """Why a state-changing request is refused as cross-site, or ``None`` to let it through.

    The order is Go's: Fetch Metadata first (every current browser sends it), then Origin for
    older browsers, then nothing — a request with neither is not a browser's."""
    site = headers.get("sec-fetch-site")
    if site is not None:
        if site in ("same-origin", "none"):
            return None
        return f"Sec-Fetch-Site is {site!r}"
    origin = headers.get("origin")
    if origin is None:
        return None
    host = _origin_host(origin)
    if host is not None and (host == headers.get("host", "").lower() or host in trusted):
        return None
    return f"Origin {origin!r} is not this site"


class WebSecurity:
    """The middleware; ``trusted_origins`` are further origins (the deployment's ``base_url``)
    whose state-changing requests are accepted, e.g. behind a proxy that rewrites ``Host``."""

    def __init__(self, app: ASGIApp, *, trusted_origins: Iterable[str]) -> None:
        self.app = app
        self.trusted = frozenset(h for h in map(_origin_host, trusted_origins) if h)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            refusal = cross_origin_refusal(Headers(scope=scope), self.trusted)
            if refusal is not None:
                await send({"type": "websocket.close", "code": 1008, "reason": "cross-site"})
                return
            await self.app(scope, receive, send)
            return
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        if scope["method"] in UNSAFE_METHODS and "authorization" not in headers:
            refusal = cross_origin_refusal(headers, self.trusted)
            if refusal is not None:
                response = self._refused(Request(scope), refusal)
                await response(scope, receive, self._with_headers(scope, send))
                return
        await self.app(scope, receive, self._with_headers(scope, send))

    def _with_headers(self, scope: Scope, send: Send) -> Send:
        tls = scope.get("scheme") == "https"

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in security_headers(tls=tls).items():
                    headers[name] = value
            await send(message)

        return sending

    @staticmethod
    def _refused(request: Request, reason: str) -> Response:
        if request.url.path.startswith("/api/"):
            return JSONResponse(
                {
                    "type": f"/problems/{CSRF_SLUG}",
                    "title": "Cross-site request refused",
                    "status": 403,
                    "detail": f"{reason}: a state-changing request must come from this site",
                    "instance": request.url.path,
                },
                status_code=403,
                media_type="application/problem+json",
            )
        from prex.web.pages.render import locale_of, render_error

        gettext = translations(locale_of(request)).gettext
        response = render_error(request, 403, gettext(REFUSED_TITLE), gettext(REFUSED_DETAIL))
        response.headers["x-prex-problem"] = CSRF_SLUG
        return response
