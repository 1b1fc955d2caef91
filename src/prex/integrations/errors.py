"""Errors of the integrations context.

::

    PermissionDenied
    ├── ScopeRequired        the client's token lacks the scope the route's action needs
    └── ConsentRequired      a client acts for an organisation without its valid consent
    DomainError
    └── RateLimited          the client spent its request budget (429, with Retry-After)
"""

from __future__ import annotations

from prex.shared.errors import DomainError, PermissionDenied


class ScopeRequired(PermissionDenied):
    slug = "insufficient-scope"

    def __init__(self, message: str, *, scope: str | None, client_id: str, action: str) -> None:
        super().__init__(message, scope=scope, client_id=client_id, action=action)
        self.scope = scope


class ConsentRequired(PermissionDenied):
    slug = "consent-required"


class RateLimited(DomainError):
    """``retry_after`` (whole seconds) becomes the ``Retry-After`` header (RFC 9110 §10.2.3)."""

    slug = "rate-limited"
    status = 429

    def __init__(self, client_id: str, retry_after: int) -> None:
        super().__init__(
            f"client {client_id} exceeded its rate limit; retry after {retry_after} s",
            client_id=client_id,
            retry_after=retry_after,
        )
        self.retry_after = retry_after
