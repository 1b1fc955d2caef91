"""Errors of credit records::

DomainError
├── PermissionDenied
│   └── CreditBlacklisted      a blacklist in force bars the organisation from this act;
│                              carries the record (id, basis, period, scope, authority)
└── NotFound
    └── CreditRecordNotFound   no such record (or not visible to the actor)
"""

from __future__ import annotations

from typing import Any

from prex.shared.errors import NotFound, PermissionDenied


class CreditBlacklisted(PermissionDenied):
    """The subject is blacklisted here and today; the problem document quotes the record."""

    slug = "credit-blacklisted"

    def __init__(self, message: str, *, record: dict[str, Any], act: str) -> None:
        super().__init__(message, record=record, act=act, record_id=record["id"])
        self.record = record


class CreditRecordNotFound(NotFound):
    def __init__(self, record_id: str) -> None:
        super().__init__(f"no credit record {record_id}", record_id=record_id)
