"""Events of the experts context.

They go to the audit chain and to the outbox (which feeds the change feed and webhooks), so they
carry no identity: never a name, identity number or phone — the expert's id, and what changed.
"""

from __future__ import annotations

from dataclasses import dataclass

from prex.shared.events import DomainEvent


@dataclass(frozen=True)
class ExpertRegistered(DomainEvent):
    centre_id: str
    title: str
    years_of_practice: int
    specialties: list[str]
    credit_score: int
    via: str  # api | import:<sha256 of the file>


@dataclass(frozen=True)
class ExpertUpdated(DomainEvent):
    """``changed`` names the fields that changed (identity fields by name only)."""

    changed: list[str]
    centre_id: str
    title: str
    years_of_practice: int
    specialties: list[str]
    credit_score: int
    via: str


@dataclass(frozen=True)
class ExpertBlacklisted(DomainEvent):
    entry_id: str
    reason: str
    source: str
    start: str
    until: str | None


@dataclass(frozen=True)
class ExpertBlacklistLifted(DomainEvent):
    entry_id: str
    reason: str


@dataclass(frozen=True)
class ExpertUnavailabilitySet(DomainEvent):
    range_id: str
    start: str
    until: str
    reason: str


@dataclass(frozen=True)
class ExpertUnavailabilityRemoved(DomainEvent):
    range_id: str
    start: str
    until: str


@dataclass(frozen=True)
class ExpertInterestDeclared(DomainEvent):
    interest_id: str
    uscc: str
    reason: str


@dataclass(frozen=True)
class ExpertInterestWithdrawn(DomainEvent):
    interest_id: str
    uscc: str


@dataclass(frozen=True)
class ExpertServiceRecorded(DomainEvent):
    tender_id: str
    tenderer_uscc: str
    served_on: str


@dataclass(frozen=True)
class ExpertsImported(DomainEvent):
    """One CSV import (object: the import); each expert it touched has its own event too."""

    file_sha256: str
    rows: int
    created: int
    updated: int
    unchanged: int
    rejected: int
    rejected_lines: list[int]
