"""Errors of the archive context.

DomainError
├── NotFound
│   └── ArchiveNotFound          names the archive id
└── Conflict
    └── TransactionNotEnded      archiving a tender that is not complete, failed or cancelled
"""

from __future__ import annotations

from prex.shared.errors import Conflict, NotFound


class ArchiveNotFound(NotFound):
    def __init__(self, archive_id: str) -> None:
        super().__init__(f"no archive '{archive_id}'", archive_id=archive_id)


class TransactionNotEnded(Conflict):
    """Only an ended transaction is archived: before the end the dossier is incomplete, and
    before the opening it would hold what nobody may read yet."""

    slug = "transaction-not-ended"

    def __init__(self, tender_id: str, status: str) -> None:
        super().__init__(
            f"tender '{tender_id}' is {status}: only a complete, failed or cancelled tender is "
            "archived",
            tender_id=tender_id,
            status=status,
        )
