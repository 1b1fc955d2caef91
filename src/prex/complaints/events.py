"""Events of the complaints context (each one an audit entry with its actor and address).

``ComplaintDecided`` is the one other contexts consume: it names the organisations the
supervisor found at fault and what was found, so that credit records (a violation per
organisation) can be written from it without reading this context's tables."""

from __future__ import annotations

from dataclasses import dataclass

from prex.shared.events import DomainEvent


@dataclass(frozen=True)
class ChallengeFiled(DomainEvent):
    tender_id: str
    number: str
    org_id: str
    known_on: str
    answer_due: str  # the last day of the purchaser's answer period (Beijing date)


@dataclass(frozen=True)
class ChallengeAnswered(DomainEvent):
    tender_id: str
    number: str
    late: bool


@dataclass(frozen=True)
class ComplaintFiled(DomainEvent):
    tender_id: str
    number: str
    kind: str
    org_id: str
    challenge_id: str | None
    known_on: str
    acceptance_due: str
    evidence: list[str]  # SHA-256 of each evidence document


@dataclass(frozen=True)
class ComplaintAccepted(DomainEvent):
    tender_id: str
    number: str
    decision_due: str
    late: bool


@dataclass(frozen=True)
class ComplaintRefused(DomainEvent):
    tender_id: str
    number: str
    reason: str
    late: bool


@dataclass(frozen=True)
class ComplaintWithdrawn(DomainEvent):
    tender_id: str
    number: str
    reason: str


@dataclass(frozen=True)
class Finding:
    """One organisation the supervisor found at fault, and what it did (for credit records)."""

    org_id: str
    finding: str


@dataclass(frozen=True)
class ComplaintDecided(DomainEvent):
    tender_id: str
    number: str
    outcome: str  # upheld | partly_upheld | dismissed
    remedy: str  # resume | redo_evaluation | cancel_award
    at_fault: list[Finding]
    decision_sha256: str  # of the signed decision's canonical bytes
    late: bool
