"""Errors of federation::

DomainError
├── NotFound
│   └── SourceNotFound        no subscription with this code (code)
├── InvalidInput
│   ├── InvalidSource         a URL or path that cannot be subscribed to (url)
│   └── UnreadablePackage     a file or page that is not OCDS release packages (location)
└── Conflict
    └── SourceExists          a source with this code or URL is already subscribed (code)
"""

from __future__ import annotations

from prex.shared.errors import Conflict, InvalidInput, NotFound


class SourceNotFound(NotFound):
    slug = "federation-source-not-found"

    def __init__(self, code: str) -> None:
        super().__init__(f"no federation source '{code}'", code=code)


class InvalidSource(InvalidInput):
    slug = "invalid-federation-source"

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"cannot subscribe to {url[:200]}: {reason}", field="url", url=url[:200])


class UnreadablePackage(InvalidInput):
    slug = "unreadable-ocds-package"

    def __init__(self, location: str, reason: str) -> None:
        super().__init__(f"{location[:200]}: {reason}", location=location[:200])
        self.reason = reason


class SourceExists(Conflict):
    slug = "federation-source-exists"

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason, code=code)
