"""Events of the evaluation service (each one an audit entry with its actor and address).

Sheets are recorded by their SHA-256 and size, not cell by cell: the audit trail proves what a
member entered and when without copying every score into it; the tables hold the cells.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

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


@dataclass(frozen=True)
class BidDocumentRead(DomainEvent):
    """A sitting committee member opened a document of an opened bid (recorded on every read,
    before the document is streamed). The member is named by seat and pseudonym, never by the
    expert's name, which stays in the registry."""

    tender_id: str
    bid_id: str
    document: str
    member_id: str  # committee_members.id of the reader's seat
    pseudonym: str


@dataclass(frozen=True)
class EvaluationDissolved(DomainEvent):
    """The room stayed paused beyond the rule pack's ``interruption_minutes``: its committee is
    dissolved and a new one drawn. The marks, scores and justifications stay in their tables
    under the old members' ids; the explanation rows (one per bid) are copied here in full and
    cleared, so that the new committee decides them afresh."""

    committee_round: int  # the round dissolved
    paused_at: str  # ISO 8601
    paused_minutes: int
    limit_minutes: int
    explanations: list[dict[str, Any]]


@dataclass(frozen=True)
class EvaluationRestarted(DomainEvent):
    """A new evaluation, with the committee drawn after a dissolution."""

    committee_round: int
    rule_pack_id: str
    coefficient: str | None
    opening_sha256: str


@dataclass(frozen=True)
class AssistantGranted(DomainEvent):
    """A sitting member let a machine client read the tender's opened bids."""

    member_id: str  # the granting member's seat (committee_members.id)
    client_id: str


@dataclass(frozen=True)
class AssistantRevoked(DomainEvent):
    member_id: str
    client_id: str
