"""What the SDK raises: a problem document from prex, a refused token, or a call the operation
table says cannot be made (raised before anything is sent)."""

from __future__ import annotations

from typing import Any


class PrexError(Exception):
    """Base class of everything this package raises."""


class ProblemError(PrexError):
    """prex answered with an RFC 9457 problem document (or another error, put in that shape).

    ``type`` is prex's stable ``/problems/<slug>``; ``extensions`` holds the other members
    (``errors``, ``scope``, ``retry_after``, ``client_id`` …)."""

    def __init__(
        self,
        status: int,
        type: str,
        title: str,
        detail: str,
        instance: str | None = None,
        extensions: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(f"{status} {type}: {detail or title}")
        self.status = status
        self.type = type
        self.title = title
        self.detail = detail
        self.instance = instance
        self.extensions = dict(extensions or {})

    @property
    def slug(self) -> str:
        """``rate-limited`` for ``/problems/rate-limited``."""
        return self.type.rsplit("/", 1)[-1]

    def __getitem__(self, name: str) -> Any:
        return self.extensions[name]


class TokenError(PrexError):
    """The token endpoint refused the client's credentials (RFC 6749 §5.2)."""

    def __init__(self, status: int, error: str, description: str) -> None:
        super().__init__(f"{status} {error}: {description}")
        self.status = status
        self.error = error
        self.description = description


class InvalidCall(PrexError, ValueError):
    """A call the operation table rules out: unknown operation, missing or unknown parameter,
    a body the operation does not take. Nothing was sent."""
