"""Events of credit records. ``object_type`` is ``credit_record``; the public change of a record
(recorded, published, corrected, revoked) is what the upstream credit dataset follows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from prex.shared.events import DomainEvent


@dataclass(frozen=True)
class CreditRecorded(DomainEvent):
    kind: str
    subject_kind: str
    subject_id: str
    centre_id: str
    basis: str
    source: str
    source_id: str | None
    scope: str
    scope_value: str | None
    valid_from: str
    valid_until: str | None
    points: int
    by: str | None


@dataclass(frozen=True)
class CreditPublished(DomainEvent):
    by: str | None


@dataclass(frozen=True)
class CreditCorrected(DomainEvent):
    by: str | None
    reason: str
    changes: dict[str, Any]  # field → [before, after]


@dataclass(frozen=True)
class CreditRevoked(DomainEvent):
    by: str | None
    reason: str
