"""Events of the evaluation service (each one an audit entry with its actor and address).

Sheets are recorded by their SHA-256 and size, not cell by cell: the audit trail proves what a
member entered and when without copying every score into it; the tables hold the cells.
"""

from __future__ import annotations

from dataclasses import dataclass

from prex.shared.events import DomainEvent


@dataclass(frozen=True)
class EvaluationStarted(DomainEvent):
    rule_pack_id: str
    coefficient: str | None  # average_benchmark: drawn from the opening record's SHA-256
    opening_sha256: str


@dataclass(frozen=True)
class EvaluationPaused(DomainEvent):
    reason: str


@dataclass(frozen=True)
class EvaluationResumed(DomainEvent):
    pass


@dataclass(frozen=True)
class ReviewSheetSubmitted(DomainEvent):
    member_id: str
    cells: int
    sha256: str  # of the sheet in canonical JSON


@dataclass(frozen=True)
class ScoreSheetSubmitted(DomainEvent):
    member_id: str
    cells: int
    sha256: str


@dataclass(frozen=True)
class DeviationJustified(DomainEvent):
    member_id: str
    bid_id: str
    criterion_id: str
    reason: str


@dataclass(frozen=True)
class ExplanationRequested(DomainEvent):
    member_id: str
    bid_id: str


@dataclass(frozen=True)
class ExplanationDecided(DomainEvent):
    member_id: str
    bid_id: str
    accepted: bool
    reason: str


@dataclass(frozen=True)
class EvaluationCompleted(DomainEvent):
    result_sha256: str
