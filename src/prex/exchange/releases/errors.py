"""Errors of the OCDS releases::

DomainError
├── NotFound
│   ├── ReleaseNotFound      no release with this id (release_id)
│   └── RecordNotFound       no record for this ocid (ocid)
└── InvalidInput
    └── InvalidCursor        a page cursor this server did not give (cursor)
"""

from __future__ import annotations

from prex.shared.errors import InvalidInput, NotFound


class ReleaseNotFound(NotFound):
    slug = "ocds-release-not-found"

    def __init__(self, release_id: str) -> None:
        super().__init__(f"no OCDS release '{release_id}'", release_id=release_id)


class RecordNotFound(NotFound):
    slug = "ocds-record-not-found"

    def __init__(self, ocid: str) -> None:
        super().__init__(f"no OCDS record for ocid '{ocid}'", ocid=ocid)


class InvalidCursor(InvalidInput):
    slug = "invalid-cursor"

    def __init__(self, cursor: str) -> None:
        super().__init__(
            f"'{cursor[:40]}' is not a page cursor: use links.next of the previous page",
            field="cursor",
            cursor=cursor[:40],
        )
