"""``PrexClient``: one machine client of prex over HTTP.

It fetches an OAuth 2.0 client-credentials token (``POST /api/v1/oauth/token``, HTTP Basic) and
fetches a new one before it expires (there is no refresh token in this grant), acts for a
bidder that consented with ``on_behalf_of(org_id)`` (the ``Prex-On-Behalf-Of`` header), waits
out a 429's ``Retry-After`` a bounded number of times, and raises every problem document as a
:class:`ProblemError`. Every call goes through the generated operation table, so a call to an
operation prex does not have, or without a path parameter, fails before anything is sent.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from types import TracebackType
from typing import Any

import httpx

from prex_client._operations import Operations
from prex_client._spec import Operation, Request, build, find, operations
from prex_client.errors import ProblemError, TokenError

TOKEN_PATH = "/api/v1/oauth/token"
ON_BEHALF_OF = "Prex-On-Behalf-Of"
#: A token is renewed this long before prex says it expires (clocks and slow calls).
RENEW_MARGIN = 60.0


@dataclass
class _Token:
    value: str
    expires_at: float  # on the client's monotonic clock
    scopes: tuple[str, ...]


class _Credentials:
    """The token shared by a client and the clients it hands out for bidders."""

    def __init__(
        self,
        client_id: str | None,
        client_secret: str | None,
        scopes: tuple[str, ...],
        static_token: str | None,
        clock: Callable[[], float],
    ) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.scopes = scopes
        self.static_token = static_token
        self.clock = clock
        self.token: _Token | None = None
        self.lock = threading.Lock()

    def bearer(self, http: httpx.Client, *, renew: bool = False) -> str | None:
        if self.static_token is not None:
            return self.static_token
        if self.client_id is None or self.client_secret is None:
            return None
        with self.lock:
            now = self.clock()
            if renew or self.token is None or now >= self.token.expires_at - RENEW_MARGIN:
                self.token = self._fetch(http, now)
            return self.token.value

    def _fetch(self, http: httpx.Client, now: float) -> _Token:
        assert self.client_id is not None and self.client_secret is not None
        form = {"grant_type": "client_credentials"}
        if self.scopes:
            form["scope"] = " ".join(self.scopes)
        response = http.post(TOKEN_PATH, data=form, auth=(self.client_id, self.client_secret))
        body = _json_or_none(response)
        if response.status_code != 200 or not isinstance(body, dict):
            error = body if isinstance(body, dict) else {}
            raise TokenError(
                response.status_code,
                str(error.get("error", "invalid_response")),
                str(error.get("error_description", response.text[:200])),
            )
        return _Token(
            value=str(body["access_token"]),
            expires_at=now + float(body.get("expires_in", 3600)),
            scopes=tuple(str(body.get("scope", "")).split()),
        )


class PrexClient:
    """A client of prex's API at ``base_url`` (e.g. ``https://prex.example``).

    Authenticate as a registered machine client with ``client_id`` and ``client_secret``
    (``scopes`` narrows the token), or pass a ready bearer ``token`` (a user's session token).
    ``transport`` is an httpx transport (``httpx.WSGITransport`` for an app in-process).
    """

    def __init__(
        self,
        base_url: str,
        *,
        client_id: str | None = None,
        client_secret: str | None = None,
        scopes: tuple[str, ...] | list[str] = (),
        token: str | None = None,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 30.0,
        max_retries: int = 3,
        max_retry_wait: float = 60.0,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if (client_id is None) != (client_secret is None):
            raise ValueError("give both client_id and client_secret, or neither")
        if token is not None and client_id is not None:
            raise ValueError("give a token or client credentials, not both")
        self._http = httpx.Client(base_url=base_url, transport=transport, timeout=timeout)
        self._credentials = _Credentials(client_id, client_secret, tuple(scopes), token, clock)
        self._owns_http = True
        self.max_retries, self.max_retry_wait = max_retries, max_retry_wait
        self._sleep = sleep
        #: The bidder organisation this client acts for (``on_behalf_of``), or None.
        self.acting_for: str | None = None
        self.ops = Operations(self)

    # -- identity ----------------------------------------------------------------------------

    @property
    def scopes(self) -> tuple[str, ...]:
        """The scopes of the current token (fetching one if there is none yet)."""
        self._credentials.bearer(self._http)
        token = self._credentials.token
        return token.scopes if token else ()

    def on_behalf_of(self, org_id: str) -> PrexClient:
        """A client for the bidder ``org_id`` (which must have signed a consent to this client):
        the same token, every call with ``Prex-On-Behalf-Of``. Usable as a context manager."""
        if not org_id:
            raise ValueError("on_behalf_of needs the bidder organisation's id")
        child = object.__new__(PrexClient)
        child.__dict__.update(self.__dict__)  # the same connection pool, token and settings
        child._owns_http = False  # closing the bidder's client leaves the parent's open
        child.acting_for = org_id
        child.ops = Operations(child)
        return child

    # -- calls -------------------------------------------------------------------------------

    @property
    def _table(self) -> Mapping[str, Operation]:
        return _TABLE

    def operation(self, operation_id: str) -> Operation:
        """The table's entry for ``operation_id`` (:class:`InvalidCall` when there is none)."""
        return find(self._table, operation_id)

    def call(
        self,
        operation_id: str,
        /,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        data: Mapping[str, Any] | None = None,
        files: Mapping[str, Any] | None = None,
        content: bytes | None = None,
        headers: Mapping[str, Any] | None = None,
        **path_params: Any,
    ) -> Any:
        """Call an operation by its id, path parameters as keywords: ``call("tenders_get_tender",
        tender_id=…)``. Checked against the table before anything is sent. Answers the decoded
        JSON (``None`` for 204, ``str`` for text, ``bytes`` otherwise)."""
        operation = find(self._table, operation_id)
        request = build(
            operation,
            path_params,
            params or {},
            headers or {},
            json=json,
            data=data,
            files=files,
            content=content,
        )
        return self._send(operation, request)

    def _send(self, operation: Operation, request: Request) -> Any:
        renewed = False
        retries = 0
        while True:
            response = self._http.request(
                request.method,
                request.url,
                params=request.params,
                headers=self._headers(request.headers, renew=False),
                json=request.json,
                data=request.data,
                files=request.files,
                content=request.content,
            )
            if (
                response.status_code == 401
                and not renewed
                and self._credentials.client_id is not None
                and request.files is None  # a file object may not read twice
            ):
                # The token was revoked or has expired early: one more try with a fresh one.
                self._credentials.bearer(self._http, renew=True)
                renewed = True
                continue
            if response.status_code == 429 and retries < self.max_retries:
                retries += 1
                self._sleep(_retry_after(response, self.max_retry_wait))
                continue
            return _answer(response)

    def _headers(self, extra: Mapping[str, str], *, renew: bool) -> dict[str, str]:
        headers = dict(extra)
        bearer = self._credentials.bearer(self._http, renew=renew)
        if bearer is not None:
            headers["Authorization"] = f"Bearer {bearer}"
        if self.acting_for is not None:
            headers[ON_BEHALF_OF] = self.acting_for
        return headers

    # -- lifetime ----------------------------------------------------------------------------

    def close(self) -> None:
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> PrexClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


_TABLE = operations()


def _json_or_none(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _retry_after(response: httpx.Response, cap: float) -> float:
    """Seconds to wait: ``Retry-After`` as seconds or an HTTP date, at most ``cap``."""
    value = response.headers.get("retry-after", "1").strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            seconds = parsedate_to_datetime(value).timestamp() - time.time()
        except (TypeError, ValueError):
            seconds = 1.0
    return min(max(seconds, 0.0), cap)


def _answer(response: httpx.Response) -> Any:
    if response.status_code >= 400:
        raise _problem(response)
    if response.status_code == 204 or not response.content:
        return None
    kind = response.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind == "application/json" or kind.endswith("+json"):
        return response.json()
    if kind.startswith("text/") or kind == "application/x-pem-file":
        return response.text
    return response.content


def _problem(response: httpx.Response) -> ProblemError:
    body = _json_or_none(response)
    if isinstance(body, dict) and "type" in body and "title" in body:
        reserved = {"type", "title", "status", "detail", "instance"}
        return ProblemError(
            status=int(body.get("status", response.status_code)),
            type=str(body["type"]),
            title=str(body["title"]),
            detail=str(body.get("detail", "")),
            instance=body.get("instance"),
            extensions={k: v for k, v in body.items() if k not in reserved},
        )
    extensions = dict(body) if isinstance(body, dict) else {}
    return ProblemError(
        status=response.status_code,
        type="about:blank",
        title=response.reason_phrase,
        detail=str(extensions.get("error_description", response.text[:500])),
        extensions=extensions,
    )
